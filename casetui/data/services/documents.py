"""The log of documents casetui rendered for a case (shown on the client's Documents tab)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from casetui.data.services import cases
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import Document


def record_document(
    session: Session, case_id: int, *, kind: str, title: str, path: Path | str | None, today: date
) -> Document:
    """Log a saved document. Allowed on closed cases too: reading out a record is not a change."""
    case = cases.get_case(session, case_id)
    document = Document(case_id=case_id, kind=kind, title=title, path=str(path) if path else None, created_on=today)
    session.add(document)
    session.flush()
    audit.record(session, "export", "document", document.id, client_id=case.client_id, fields=["kind"])
    session.flush()
    return document


def list_documents(session: Session, case_id: int) -> list[Document]:
    return list(
        session.exec(
            select(Document).where(Document.case_id == case_id).order_by(Document.created_on.desc(), Document.id.desc())
        )
    )
