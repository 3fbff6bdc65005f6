"""Consents (releases of information): recording, revoking, and whether one is current."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import NotFoundError, ValidationError
from casetui.data.services import cases, corrections
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import Case, Client, Consent


def status(consent: Consent, today: date, warning_days: int = 30) -> str:
    """current | expiring | expired | revoked | not_yet (signed date after today)."""
    if consent.revoked_on and consent.revoked_on <= today:
        return "revoked"
    if consent.signed_on > today:
        return "not_yet"
    if consent.expires_on and consent.expires_on < today:
        return "expired"
    if consent.expires_on and consent.expires_on <= today + timedelta(days=warning_days):
        return "expiring"
    return "current"


def is_current(consent: Consent, today: date) -> bool:
    return status(consent, today) in ("current", "expiring")


def _client_with_open_case(session: Session, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"There is no client number {client_id}.")
    open_cases = session.exec(select(Case.id).where(Case.client_id == client_id, Case.closed_on.is_(None))).all()
    if not open_cases:
        cases.require_open(session, cases.current_case(session, client_id).id)
    return client


def record_consent(
    session: Session, client_id: int, *, recipient: str, scope: str, signed_on, today: date, expires_on=None
) -> Consent:
    _client_with_open_case(session, client_id)
    values = v.collect(
        ("recipient", lambda: v.text(recipient, "recipient", "Recipient", required=True, max_length=250)),
        ("scope", lambda: v.choice(scope, "scope", "Scope", vocab.CONSENT_SCOPES)),
        (
            "signed_on",
            lambda: v.not_in_future(
                v.parse_date(signed_on, "signed_on", "Signed date", required=True), today, "signed_on", "Signed date"
            ),
        ),
        ("expires_on", lambda: v.parse_date(expires_on, "expires_on", "Expiry date")),
    )
    if values["expires_on"] and values["expires_on"] <= values["signed_on"]:
        raise ValidationError("expires_on", "Expiry date must be after the signed date.")
    consent = Consent(client_id=client_id, worker=audit.worker_of(session), **values)
    session.add(consent)
    session.flush()
    audit.record(session, "create", "consent", consent.id, client_id=client_id, fields=values.keys())
    session.flush()
    return consent


def revoke_consent(session: Session, consent_id: int, *, revoked_on, reason: str, today: date) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None:
        raise NotFoundError("That consent no longer exists.")
    _client_with_open_case(session, consent.client_id)
    if consent.revoked_on:
        raise ValidationError("revoked_on", f"This consent was already revoked on {consent.revoked_on:%Y-%m-%d}.")
    when = v.not_in_future(
        v.parse_date(revoked_on, "revoked_on", "Revoked date", required=True), today, "revoked_on", "Revoked date"
    )
    if when < consent.signed_on:
        raise ValidationError("revoked_on", "Revoked date cannot be before the signed date.")
    consent.revoked_on = when
    consent.revoked_reason = v.text(reason, "reason", "Reason", max_length=2000)
    session.add(consent)
    audit.record(
        session, "update", "consent", consent.id, client_id=consent.client_id, fields=["revoked_on", "revoked_reason"]
    )
    session.flush()
    return consent


def list_consents(session: Session, client_id: int, *, with_in_error: bool = False) -> list[Consent]:
    """The client's consents, newest first; a consent entered in error lets nothing be shared, so it is
    left out unless ``with_in_error`` (the record's list)."""
    query = select(Consent).where(Consent.client_id == client_id)
    if not with_in_error:
        query = query.where(corrections.valid(Consent))
    return list(session.exec(query.order_by(Consent.signed_on.desc(), Consent.id.desc())))


def current_consent_for(session: Session, client_id: int, recipient: str, today: date) -> Consent | None:
    """A consent that lets information go to ``recipient`` today (names compared loosely)."""
    wanted = " ".join(recipient.lower().split())
    for consent in list_consents(session, client_id):
        if " ".join(consent.recipient.lower().split()) == wanted and is_current(consent, today):
            return consent
    return None
