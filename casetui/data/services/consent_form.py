"""The release-of-information consent form: printed for the client to read and sign.

It names the recipient, what may be shared (one of the consent scopes, in words), why, until
when, and the client's rights; it is written in the client's language where a catalogue exists
(``domain.templates.LANGUAGES``). Recording the signed consent is ``services.consent``.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session

from casetui.data.domain import templates as documents
from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import ValidationError
from casetui.data.services import cases, clients
from casetui.data.services import documents as case_documents

KIND = "consent_form"
# How long a consent lasts when the form names no end date (said on the form).
DEFAULT_MONTHS = 12


def form_context(
    session: Session, case_id: int, *, recipient, scope, purpose=None, expires_on=None, language=None, today: date
) -> dict:
    case = cases.get_case(session, case_id)
    client = clients.get_client(session, case.client_id)
    values = v.collect(
        (
            "recipient",
            lambda: v.text(recipient, "recipient", "Who may receive information", required=True, max_length=250),
        ),
        ("scope", lambda: v.choice(scope or None, "scope", "What may be shared", vocab.CONSENT_SCOPES)),
        ("purpose", lambda: v.text(purpose, "purpose", "Purpose", max_length=1000)),
        ("expires_on", lambda: v.parse_date(expires_on, "expires_on", "Expires on")),
        ("language", lambda: v.choice(language or None, "language", "Language", documents.LANGUAGES, required=False)),
    )
    if values["expires_on"] is not None and values["expires_on"] <= today:
        raise ValidationError("expires_on", "The end date must be after today.")
    lang = values["language"] or documents.document_language(client.language)
    return case_documents.framed_context(
        session,
        case_id,
        KIND,
        lang=lang,
        client_name=client.display_name,
        recipient=values["recipient"],
        scope=values["scope"],
        purpose=values["purpose"] or "",
        expires_on=values["expires_on"],
        default_end=today + timedelta(days=365),
        today=today,
    )


def default_stem(case_id: int, today: date) -> str:
    # The case number, never the client's or the recipient's name: file names show in listings.
    return f"consent-form-case{case_id}-{today:%Y-%m-%d}"


def write_form(session: Session, case_id: int, folder: Path | str, *, today: date, **values) -> list[Path]:
    """Write the form (Markdown, HTML, PDF) into ``folder`` and list it on the case's documents."""
    context = form_context(session, case_id, today=today, **values)
    stem = case_documents.free_stem(Path(folder), default_stem(case_id, today))
    return case_documents.write_document(
        session,
        case_id,
        kind=KIND,
        template="consent_form",
        title=f"Consent form for {context['recipient']}",
        folder=folder,
        stem=stem,
        context=context,
        today=today,
    )
