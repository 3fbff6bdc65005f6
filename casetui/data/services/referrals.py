"""Referrals: a client sent to a service, followed up until its outcome is recorded.

A referral is open (its follow-up shows on the caseload) until an outcome in
``vocab.REFERRAL_CLOSED`` is recorded; failed outcomes (``vocab.REFERRAL_FAILED``) need a
reason in words. Provider and service names are copied from the directory when the referral
is made, so the record stays readable if the directory entry later changes or goes.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import NotFoundError, ValidationError
from casetui.data.services import cases, consent, corrections
from casetui.data.storage import audit_log as audit
from casetui.data.storage import concurrency
from casetui.data.storage.models import Case, Organization, Referral, Service, utcnow

DEFAULT_FOLLOW_UP_DAYS = 14  # what the referral form proposes; the case manager may change it


def is_open(referral: Referral) -> bool:
    return referral.status not in vocab.REFERRAL_CLOSED


def get_referral(session: Session, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFoundError(f"There is no referral number {referral_id}.")
    return referral


def list_referrals(session: Session, case_id: int, *, with_in_error: bool = False) -> list[Referral]:
    """The case's referrals, newest first; those entered in error only ``with_in_error`` (the record's list)."""
    query = select(Referral).where(Referral.case_id == case_id)
    if not with_in_error:
        query = query.where(corrections.valid(Referral))
    return list(session.exec(query.order_by(Referral.referred_on.desc(), Referral.id.desc())))


def create_referral(
    session: Session,
    case_id: int,
    *,
    service_id: str | None,
    referred_on,
    follow_up_on,
    today: date,
    note=None,
    domain=None,
    provider_name=None,
    service_name=None,
    for_discharge: bool = False,
    consent_signed_on=None,
    consent_scope=None,
    consent_expires_on=None,
    consent_any_provider: bool = False,
) -> Referral:
    """Refer the case's client to a directory service (``service_id``) or, without one, to a
    provider named in ``provider_name``/``service_name``. The status starts as "sent".

    A referral shares the client's details with the provider, so it needs a current consent
    covering that provider (or any provider) and referral information. Without one on file,
    ``consent_signed_on`` (with ``consent_scope``, ``consent_expires_on``,
    ``consent_any_provider``) records the consent the client signs now, in the same
    transaction; otherwise ValidationError on ``consent_signed_on`` says so."""
    case = cases.require_open(session, case_id)
    service = None
    if service_id:
        service = session.get(Service, service_id)
        if service is None:
            raise ValidationError("service_id", "That service is no longer in the directory.")
        organization = session.get(Organization, service.organization_id) if service.organization_id else None
        # The directory's names win: what was referred to is what the directory said then.
        provider_name = organization.name if organization else (provider_name or service.name)
        service_name = service.name

    def referred():
        when = v.parse_date(referred_on, "referred_on", "Referral date", required=True)
        return v.not_in_future(when, today, "referred_on", "Referral date")

    values = v.collect(
        ("referred_on", referred),
        ("follow_up_on", lambda: v.parse_date(follow_up_on, "follow_up_on", "Follow-up date")),
        ("provider_name", lambda: v.text(provider_name, "provider_name", "Provider", required=True, max_length=250)),
        ("service_name", lambda: v.text(service_name, "service_name", "Service", max_length=250)),
        ("domain", lambda: v.choice(domain or None, "domain", "Need", vocab.DOMAINS, required=False)),
        ("note", lambda: v.text(note, "note", "Note", max_length=5000)),
    )
    if values["follow_up_on"] and values["follow_up_on"] < values["referred_on"]:
        raise ValidationError("follow_up_on", "Follow-up date cannot be before the referral date.")
    if values["domain"] is None and service is not None and service.categories:
        values["domain"] = service.categories[0]
    values["service_name"] = values["service_name"] or values["provider_name"]
    granted = _consent_for_referral(
        session,
        case.client_id,
        values,
        today,
        signed_on=consent_signed_on,
        scope=consent_scope,
        expires_on=consent_expires_on,
        any_provider=consent_any_provider,
    )
    referral = Referral(
        case_id=case.id,
        service_id=service.id if service else None,
        consent_id=granted.id,
        status="sent",
        for_discharge=bool(for_discharge),
        worker=audit.worker_of(session),
        **values,
    )
    session.add(referral)
    session.flush()
    audit.record(
        session,
        "create",
        "referral",
        referral.id,
        client_id=case.client_id,
        fields=["service_id", "status", "consent_id", *(name for name, value in values.items() if value is not None)],
    )
    session.flush()
    return referral


def record_outcome(
    session: Session,
    referral_id: int,
    *,
    status: str,
    outcome_on,
    reason=None,
    today: date,
    expected_version: int | None = None,
) -> Referral:
    """Record where a referral stands: accepted (still open) or a closing outcome.

    ``expected_version``: the version the user was shown (ConflictError if someone saved since)."""
    referral = get_referral(session, referral_id)
    case = cases.require_open(session, referral.case_id)
    values = v.collect(
        ("status", lambda: v.choice(status, "status", "Outcome", [s for s in vocab.REFERRAL_STATUSES if s != "sent"])),
        (
            "outcome_on",
            lambda: v.not_in_future(
                v.parse_date(outcome_on, "outcome_on", "Outcome date", required=True),
                today,
                "outcome_on",
                "Outcome date",
            ),
        ),
        ("outcome_reason", lambda: v.text(reason, "reason", "Reason", max_length=5000)),
    )
    if values["status"] in vocab.REFERRAL_FAILED and not values["outcome_reason"]:
        label = vocab.REFERRAL_STATUSES[values["status"]].lower()
        raise ValidationError("reason", f"Say why the referral ended as {label}: a reason is required.")
    if values["outcome_on"] < referral.referred_on:
        raise ValidationError("outcome_on", "Outcome date cannot be before the referral date.")
    changed = audit.changed_fields(referral, values)
    if changed:
        concurrency.claim_version(session, referral, expected_version, "referral")
        referral.updated_at = utcnow()
        session.add(referral)
        audit.record(session, "update", "referral", referral.id, client_id=case.client_id, fields=changed)
        session.flush()
    return referral


def open_follow_ups(session: Session, case_id: int) -> list[Referral]:
    """The case's referrals still waiting for an outcome, earliest follow-up first."""
    return sorted(
        (r for r in list_referrals(session, case_id) if is_open(r)), key=lambda r: (r.follow_up_on or date.max, r.id)
    )


def referral_consent(session: Session, case_id: int, service_id: str, today: date) -> consent.SharingCheck:
    """Whether the client's consents already cover a referral to a directory service (the
    referral form asks for a consent in place when they do not)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"There is no case number {case_id}.")
    service = session.get(Service, service_id)
    if service is None:
        raise NotFoundError("That service is no longer in the directory.")
    organization = session.get(Organization, service.organization_id) if service.organization_id else None
    names = [organization.name if organization else service.name, service.name]
    return consent.check_sharing(session, case.client_id, names, ["referral"], today)


def _consent_for_referral(session: Session, client_id: int, values: dict, today: date, **in_place):
    names = [values["provider_name"], values["service_name"]]
    check = consent.check_sharing(session, client_id, names, ["referral"], today)
    if check.allowed:
        return check.consent
    if in_place["signed_on"] in (None, ""):
        raise ValidationError(
            "consent_signed_on",
            check.refusal("Give the date of the consent the client signs now, or refer once one is on file."),
        )
    scope = in_place["scope"] or "referral"
    if scope in consent.SCOPE_COVERS and "referral" not in consent.SCOPE_COVERS[scope]:
        raise ValidationError("consent_scope", "A referral shares referral information: choose a scope that covers it.")
    try:
        return consent.record_consent(
            session,
            client_id,
            recipient=values["provider_name"],
            scope=scope,
            signed_on=in_place["signed_on"],
            expires_on=in_place["expires_on"],
            any_provider=bool(in_place["any_provider"]),
            today=today,
        )
    except ValidationError as error:  # the consent's fields carry the consent_ prefix on the form
        raise ValidationError({f"consent_{name}": message for name, message in error.errors.items()}) from None


def outcome_words(referral: Referral) -> str:
    """The referral's result as HUD HMIS 4.20.D words, with its date ("" while it is open)."""
    result = vocab.REFERRAL_RESULTS.get(referral.status)
    if result is None:
        return ""
    return f"{result} ({referral.outcome_on:%Y-%m-%d})" if referral.outcome_on else result
