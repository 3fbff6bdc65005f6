"""The referral letter to a provider: what the client's current consent lets the agency send.

A letter needs a current consent for the referral's provider (``services.consent``); what it
holds follows the consents' scopes (``SECTIONS``), summed over every current consent for that
provider. Nothing beyond them goes in: no needs without an assessment or full-record consent,
no health information without a health or full-record one. Written in the client's language
where a catalogue exists; directory data (the service's name) stays as the directory holds it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from casetui.data.domain import templates as documents
from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import ValidationError
from casetui.data.services import assessments, cases, clients, consent, discharge, referrals
from casetui.data.services import documents as case_documents
from casetui.data.storage.models import Goal

KIND = "referral_letter"

# Consent scope -> the letter's sections it allows. "referral" is what any referral needs.
SECTIONS: dict[str, frozenset[str]] = {
    "referral": frozenset({"referral"}),
    "assessment": frozenset({"referral", "needs", "goals"}),
    "health": frozenset({"referral", "health"}),
    "full_record": frozenset({"referral", "needs", "goals", "health"}),
}


def allowed_sections(scopes) -> frozenset[str]:
    allowed: frozenset[str] = frozenset()
    for scope in scopes:
        allowed |= SECTIONS.get(scope, frozenset())
    return allowed


def current_consents(session: Session, client_id: int, recipient: str, today: date) -> list:
    """Every current consent for ``recipient`` (names compared loosely, as the consent service does)."""
    wanted = " ".join(recipient.lower().split())
    return [
        c
        for c in consent.list_consents(session, client_id)
        if " ".join(c.recipient.lower().split()) == wanted and consent.is_current(c, today)
    ]


def letter_context(session: Session, referral_id: int, *, language=None, today: date) -> dict:
    referral = referrals.get_referral(session, referral_id)
    case = cases.get_case(session, referral.case_id)
    client = clients.get_client(session, case.client_id)
    lang_choice = v.choice(language or None, "language", "Language", documents.LANGUAGES, required=False)
    granted = current_consents(session, client.id, referral.provider_name, today)
    if not granted:
        raise ValidationError(
            "referral_id",
            f"No current consent lets you send information to {referral.provider_name}. "
            "Record the client's signed consent for them first (the consent form prints one to sign).",
        )
    allowed = allowed_sections(c.scope for c in granted)
    needs, goals, health = [], [], {}
    latest = assessments.latest_assessment(session, case.id)
    if "needs" in allowed and latest is not None:
        for domain, need in assessments.needs_of(session, latest.id).items():
            if need.wants_goal or (need.score is not None and need.score <= 2):
                needs.append({"label": vocab.DOMAINS.get(domain, domain), "score": need.score})
    if "goals" in allowed:
        for goal in session.exec(select(Goal).where(Goal.case_id == case.id).order_by(Goal.id)):
            if goal.lifecycle_status in ("entered-in-error", "rejected"):
                continue
            goals.append({"statement": goal.statement, "status": discharge.status_word(goal.achievement_status)})
    if "health" in allowed:
        record = discharge.current_discharge(session, case.id)
        health = {
            "health_changes": (record.health_changes or "") if record else "",
            "medication_changes": (record.medication_changes or "") if record else "",
            "questionnaires": [],
        }
        if latest is not None:
            context = assessments.summary_context(session, latest.id, today)
            health["questionnaires"] = [
                {
                    "title": row["title"],
                    "total": row["total"],
                    "max_total": row["max_total"],
                    "severity": row["severity"],
                }
                for row in context["instruments"]
            ]
    lang = lang_choice or documents.document_language(client.language)
    return case_documents.framed_context(
        session,
        case.id,
        KIND,
        lang=lang,
        client_name=client.display_name,
        phone=client.phone or "" if "referral" in allowed else "",
        language=client.language or "",
        interpreter_needed=client.interpreter_needed,
        referral=referral,
        need=vocab.DOMAINS.get(referral.domain or "", ""),
        consents=[
            {
                "scope": c.scope,
                "label": vocab.CONSENT_SCOPES.get(c.scope, c.scope),
                "signed_on": c.signed_on,
                "expires_on": c.expires_on,
            }
            for c in granted
        ],
        allowed=sorted(allowed),
        needs=needs,
        goals=goals,
        health=health,
        worker=case.worker,
        today=today,
    )


def default_stem(case_id: int, today: date) -> str:
    # The case number, never a name: file names show in listings and backups.
    return f"referral-letter-case{case_id}-{today:%Y-%m-%d}"


def write_letter(session: Session, referral_id: int, folder: Path | str, *, today: date, language=None) -> list[Path]:
    """Write the letter (Markdown, HTML, PDF) into ``folder`` and list it on the case's documents."""
    context = letter_context(session, referral_id, language=language, today=today)
    referral = context["referral"]
    return case_documents.write_document(
        session,
        referral.case_id,
        kind=KIND,
        template="referral_letter",
        title=f"Referral letter to {referral.provider_name}",
        folder=folder,
        stem=case_documents.free_stem(Path(folder), default_stem(referral.case_id, today)),
        context=context,
        today=today,
    )
