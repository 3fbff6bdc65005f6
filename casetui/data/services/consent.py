"""Consents (releases of information): recording, revoking, and whether one is current."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    session: Session,
    client_id: int,
    *,
    recipient: str,
    scope: str,
    signed_on,
    today: date,
    expires_on=None,
    any_provider: bool = False,
) -> Consent:
    """``any_provider``: the release names no one provider and covers any (its recipient then
    reads "Any provider" unless words are given)."""
    _client_with_open_case(session, client_id)
    if any_provider and not (recipient or "").strip():
        recipient = ANY_PROVIDER
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
    if any_provider:
        values["any_provider"] = True
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
    current = [c for c in list_consents(session, client_id) if is_current(c, today)]
    named = [c for c in current if " ".join(c.recipient.lower().split()) == wanted]
    return (named or [c for c in current if c.any_provider] or [None])[0]


# --- what a consent lets go out (issue 19) ------------------------------------------------------

ANY_PROVIDER = "Any provider"

# Each scope covers its own kind of information; the full case record covers every kind.
SCOPE_COVERS: dict[str, frozenset[str]] = {
    "referral": frozenset({"referral"}),
    "assessment": frozenset({"assessment"}),
    "health": frozenset({"health"}),
    "full_record": frozenset(vocab.CONSENT_SCOPES),
}

# Words in "what was shared" that say which kind of information went out.
_KIND_WORDS: list[tuple[str, re.Pattern]] = [
    (
        "full_record",
        re.compile(
            r"discharge summar|case (record|file|notes?|history)|full record|whole record|progress notes|"
            r"service plan|care plan|case plan",
            re.I,
        ),
    ),
    (
        "health",
        re.compile(
            r"phq|gad|audit-?c|dast|diagnos|medic|health|psychiatr|prescri|hiv|substance|treatment|hospital|"
            r"clinical|symptom|disab|pregnan|therap",
            re.I,
        ),
    ),
    ("assessment", re.compile(r"assess|self-sufficiency|\bssm\b|scores?|screening|matrix", re.I)),
]


def kinds_shared(information: str | None) -> list[str]:
    """The kinds of information (``vocab.CONSENT_SCOPES`` codes) a note of what was shared names;
    anything else (a name, contact details, the reason for referral) is referral information."""
    found = {kind for kind, words in _KIND_WORDS if words.search(information or "")}
    if not found:
        found.add("referral")
    return [kind for kind in vocab.CONSENT_SCOPES if kind in found]


@dataclass
class SharingCheck:
    """Whether current consents let the kinds of information go to a recipient."""

    recipient: str
    kinds: list[str]
    granted: dict[str, Consent] = field(default_factory=dict)  # kind -> the consent that covers it
    on_file: list[Consent] = field(default_factory=list)  # current consents for this recipient

    @property
    def missing(self) -> list[str]:
        return [kind for kind in self.kinds if kind not in self.granted]

    @property
    def allowed(self) -> bool:
        return not self.missing

    @property
    def consent(self) -> Consent | None:
        """The consent to link the sharing to (the first that covers a kind)."""
        return next(iter(self.granted.values()), None)

    def refusal(self, then: str = "Record the client's signed consent first.") -> str:
        """Why not, in one plain sentence, and ``then`` what to do."""
        if not self.on_file:
            return f"No current consent lets you share information with {self.recipient}. {then}"
        covers = sorted({kind for c in self.on_file for kind in SCOPE_COVERS.get(c.scope, ())})
        missing = ", ".join(vocab.CONSENT_SCOPES[k].lower() for k in self.missing)
        allowed = ", ".join(vocab.CONSENT_SCOPES[k].lower() for k in covers) or "nothing"
        return f"The client's consent for {self.recipient} covers {allowed} only, not {missing}. " + then.replace(
            "signed consent", "signed consent that covers it"
        )


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def check_sharing(
    session: Session, client_id: int, recipients: list[str], kinds: list[str], today: date
) -> SharingCheck:
    """Do the client's current consents let ``kinds`` of information go to the provider known by
    any of ``recipients`` (an organization's and a service's name)? A consent for any provider
    counts for every recipient."""
    names = [name for name in recipients if name and name.strip()]
    check = SharingCheck(names[0] if names else "", list(kinds))
    for consent in list_consents(session, client_id):
        if not is_current(consent, today):
            continue
        if not (consent.any_provider or any(_same_name(consent.recipient, name) for name in names)):
            continue
        check.on_file.append(consent)
        for kind in kinds:
            if kind not in check.granted and kind in SCOPE_COVERS.get(consent.scope, ()):
                check.granted[kind] = consent
    return check
