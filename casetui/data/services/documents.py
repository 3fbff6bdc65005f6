"""Documents casetui rendered for a case: saving them, and their log (the client's Documents tab)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from casetui.data.services import cases
from casetui.data.storage import audit_log as audit
from casetui.data.storage import files
from casetui.data.storage.models import Document


def save(text: str, path: Path | str) -> Path:
    """Write a rendered document owner-only (0600), whole or not at all, creating its folder
    (owner-only) if need be."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return files.private_write(path, text)


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
