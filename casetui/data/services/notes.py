"""Case notes and contacts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import ValidationError
from casetui.data.services import cases
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import Note


def add_note(
    session: Session, case_id: int, *, occurred_on, kind: str, text: str, today: date, duration_minutes=None
) -> Note:
    case = cases.require_open(session, case_id)
    values = v.collect(
        (
            "occurred_on",
            lambda: v.not_in_future(
                v.parse_date(occurred_on, "occurred_on", "Date", required=True), today, "occurred_on", "Date"
            ),
        ),
        ("kind", lambda: v.choice(kind, "kind", "Type", vocab.NOTE_KINDS)),
        (
            "duration_minutes",
            lambda: v.parse_int(duration_minutes, "duration_minutes", "Duration (minutes)", minimum=0, maximum=24 * 60),
        ),
        ("text", lambda: v.text(text, "text", "Note", required=True, max_length=20000)),
    )
    note = Note(case_id=case.id, worker=audit.worker_of(session), **values)
    session.add(note)
    session.flush()
    audit.record(session, "create", "note", note.id, client_id=case.client_id, fields=values.keys())
    session.flush()
    return note


def list_notes(session: Session, case_id: int, *, limit: int | None = None) -> list[Note]:
    query = select(Note).where(Note.case_id == case_id).order_by(Note.occurred_on.desc(), Note.id.desc())
    if limit:
        query = query.limit(limit)
    return list(session.exec(query))


def last_contact_on(session: Session, case_id: int) -> date | None:
    """The date of the last contact (any kind but a plain case note)."""
    return session.exec(select(func.max(Note.occurred_on)).where(Note.case_id == case_id, Note.kind != "note")).one()


def delete_note(session: Session, note_id: int) -> None:
    note = session.get(Note, note_id)
    if note is None:
        raise ValidationError("note", "That note no longer exists.")
    case = cases.require_open(session, note.case_id)
    session.delete(note)
    audit.record(session, "delete", "note", note_id, client_id=case.client_id)
    session.flush()
