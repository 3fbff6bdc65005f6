"""Case notes and contacts: structured formats, signing, addenda, late entries, the contact log.

A note is a draft until its author signs it. A draft may be edited or discarded; a signed note
is read-only: it is corrected only by an addendum (dated, by its author) or by marking it
entered in error (``services/corrections.py``). A note whose contact date is before the day it
was written is a late entry, and shows both dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import NotFoundError, ValidationError
from casetui.data.services import cases, corrections, settings
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import Correction, Note, NoteAddendum, utcnow

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]?([0-5]\d)$")
# Every field a note's form may send, in the order the audit trail lists them.
_CONTACT_FIELDS = ("occurred_on", "start_time", "kind", "duration_minutes", "place", "participants")


def default_format(session: Session) -> str:
    """The agency's default note format (settings ``default_note_format``); narrative if unknown."""
    code = settings.get(session, "default_note_format")
    return code if code in vocab.NOTE_FORMATS else "narrative"


def _parse_time(raw) -> str | None:
    if raw is None or not str(raw).strip():
        return None
    match = _TIME.match(str(raw).strip())
    if match is None:
        raise ValidationError("start_time", "Start time is a time of day like 14:30.")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def compose_text(note_format: str, sections: dict[str, str]) -> str:
    """The note as one text (what exports, documents and the one-line list show)."""
    if note_format == "narrative":
        return sections.get("text", "")
    labels = vocab.NOTE_SECTIONS[note_format]
    return "\n\n".join(f"{labels[code]}: {sections[code]}" for code in labels if sections.get(code))


def _clean(values: dict, today: date) -> dict:
    """Every field of a note checked at once (one ValidationError lists every problem)."""
    note_format = values.get("note_format") or "narrative"
    checks = [
        (
            "occurred_on",
            lambda: v.not_in_future(
                v.parse_date(values.get("occurred_on"), "occurred_on", "Contact date", required=True),
                today,
                "occurred_on",
                "Contact date",
            ),
        ),
        ("start_time", lambda: _parse_time(values.get("start_time"))),
        ("kind", lambda: v.choice(values.get("kind"), "kind", "Type", vocab.NOTE_KINDS)),
        (
            "duration_minutes",
            lambda: v.parse_int(
                values.get("duration_minutes"), "duration_minutes", "Duration (minutes)", minimum=0, maximum=24 * 60
            ),
        ),
        ("place", lambda: v.text(values.get("place"), "place", "Place", max_length=200)),
        ("participants", lambda: v.text(values.get("participants"), "participants", "Participants", max_length=500)),
        ("note_format", lambda: v.choice(note_format, "note_format", "Format", vocab.NOTE_FORMATS)),
    ]
    sections = vocab.NOTE_SECTIONS.get(note_format, vocab.NOTE_SECTIONS["narrative"])
    for code, label in sections.items():
        key = "text" if code == "text" else f"section_{code}"
        checks.append(
            (
                key,
                lambda key=key, label=label: v.text(values.get(key), key, label, required=True, max_length=20000),
            )
        )
    clean = v.collect(*checks)
    typed = {code: clean.pop("text" if code == "text" else f"section_{code}") for code in sections}
    clean["sections"] = None if clean["note_format"] == "narrative" else typed
    clean["text"] = compose_text(clean["note_format"], typed)
    return clean


def add_note(
    session: Session,
    case_id: int,
    *,
    occurred_on,
    kind: str,
    today: date,
    text: str | None = None,
    duration_minutes=None,
    note_format: str = "narrative",
    sections: dict | None = None,
    start_time=None,
    place=None,
    participants=None,
    sign: bool = False,
) -> Note:
    """A new draft note (``sign``: signed at once). ``sections`` holds DAP/SOAP sections by code."""
    case = cases.require_open(session, case_id)
    values = {
        "occurred_on": occurred_on,
        "kind": kind,
        "text": text,
        "duration_minutes": duration_minutes,
        "note_format": note_format,
        "start_time": start_time,
        "place": place,
        "participants": participants,
        **{f"section_{code}": value for code, value in (sections or {}).items()},
    }
    return new_note(session, case.id, values, today, sign=sign)


def new_note(session: Session, case_id: int, values: dict, today: date, *, sign: bool = False) -> Note:
    """A new note from form values (sections as ``section_<code>``, a narrative as ``text``)."""
    case = cases.require_open(session, case_id)
    clean = _clean(values, today)
    note = Note(case_id=case.id, worker=audit.worker_of(session), written_on=today, **clean)
    if sign:
        note.signed_at = utcnow()
    session.add(note)
    session.flush()
    fields = [*clean, "written_on", *(["signed_at"] if sign else [])]
    audit.record(session, "create", "note", note.id, client_id=case.client_id, fields=fields)
    session.flush()
    return note


def get_note(session: Session, note_id: int) -> Note:
    note = session.get(Note, note_id)
    if note is None:
        raise NotFoundError("That note no longer exists.")
    return note


def _draft_of_author(session: Session, note_id: int, doing: str) -> tuple[Note, int]:
    """The note, if it is a draft the current worker wrote and its case is open."""
    note = get_note(session, note_id)
    case = cases.require_open(session, note.case_id)
    if note.signed_at is not None:
        raise ValidationError(
            "text", "This note is signed and cannot be changed: add an addendum, or mark it entered in error."
        )
    if note.worker != audit.worker_of(session):
        raise ValidationError("text", f"Only the note's author ({note.worker}) may {doing} this draft.")
    if corrections.correction_of(session, "note", note.id) is not None:
        raise ValidationError("text", "This note was marked entered in error and cannot be changed.")
    return note, case.client_id


def update_note(session: Session, note_id: int, values: dict, today: date) -> Note:
    """Change a draft note (form values as ``add_note`` takes them, sections as ``section_<code>``).
    A signed note is refused."""
    note, client_id = _draft_of_author(session, note_id, "edit")
    clean = _clean(values, today)
    changed = audit.changed_fields(note, clean)
    if changed:
        session.add(note)
        audit.record(session, "update", "note", note.id, client_id=client_id, fields=changed)
        session.flush()
    return note


def sign_note(session: Session, note_id: int) -> Note:
    """The author signs a draft: from now on it is read-only."""
    note, client_id = _draft_of_author(session, note_id, "sign")
    note.signed_at = utcnow()
    session.add(note)
    audit.record(session, "sign", "note", note.id, client_id=client_id, fields=["signed_at"])
    session.flush()
    return note


def add_addendum(session: Session, note_id: int, text: str) -> NoteAddendum:
    """A dated addition to a signed note, by its author."""
    note = get_note(session, note_id)
    case = cases.require_open(session, note.case_id)
    if note.signed_at is None:
        raise ValidationError("text", "This note is still a draft: edit it instead (Enter), then sign it.")
    if note.worker != audit.worker_of(session):
        raise ValidationError(
            "text", f"Only the note's author ({note.worker}) may add an addendum; write a new note of your own."
        )
    if corrections.correction_of(session, "note", note.id) is not None:
        raise ValidationError("text", "This note was marked entered in error: write a new note instead.")
    addendum = NoteAddendum(
        note_id=note.id,
        text=v.text(text, "text", "Addendum", required=True, max_length=20000),
        worker=audit.worker_of(session),
    )
    session.add(addendum)
    session.flush()
    audit.record(session, "create", "note_addendum", addendum.id, client_id=case.client_id, fields=["note_id", "text"])
    session.flush()
    return addendum


def discard_draft(session: Session, note_id: int) -> None:
    """Drafts may be discarded; a signed note never is (mark it entered in error instead)."""
    note, client_id = _draft_of_author(session, note_id, "discard")
    session.delete(note)
    audit.record(session, "delete", "note", note_id, client_id=client_id)
    session.flush()


delete_note = discard_draft  # the older name; only drafts can go


def list_notes(session: Session, case_id: int, *, limit: int | None = None) -> list[Note]:
    """Every note of the case, newest contact first, those entered in error included."""
    query = select(Note).where(Note.case_id == case_id).order_by(Note.occurred_on.desc(), Note.id.desc())
    if limit:
        query = query.limit(limit)
    return list(session.exec(query))


def addenda_of(session: Session, note_ids) -> dict[int, list[NoteAddendum]]:
    """The addenda of those notes, oldest first, by note."""
    ids = list(note_ids)
    found: dict[int, list[NoteAddendum]] = {}
    if not ids:
        return found
    for row in session.exec(
        select(NoteAddendum).where(NoteAddendum.note_id.in_(ids)).order_by(NoteAddendum.written_at, NoteAddendum.id)
    ):
        found.setdefault(row.note_id, []).append(row)
    return found


def last_contact_on(session: Session, case_id: int) -> date | None:
    """The date of the last contact (any kind but a plain case note; none entered in error)."""
    return session.exec(
        select(func.max(Note.occurred_on)).where(Note.case_id == case_id, Note.kind != "note", corrections.valid(Note))
    ).one()


# --- the contact log ------------------------------------------------------------------------


@dataclass
class MonthTotal:
    month: str  # YYYY-MM
    contacts: int
    minutes: int


@dataclass
class ContactLog:
    contacts: list[Note]  # newest first; none entered in error, no plain case notes
    months: list[MonthTotal] = field(default_factory=list)  # newest first

    @property
    def total_minutes(self) -> int:
        return sum(month.minutes for month in self.months)


def contact_log(
    session: Session, case_id: int, *, kind: str | None = None, start: date | None = None, end: date | None = None
) -> ContactLog:
    """The case's contacts (a type, a period), with monthly totals of contacts and minutes, as
    funders and billing ask for them. Entries entered in error do not count."""
    if kind is not None and kind not in vocab.NOTE_KINDS:
        raise ValidationError("kind", "Choose a contact type from the list.")
    if start and end and end < start:
        raise ValidationError("end", "The end of the period must be on or after its start.")
    query = select(Note).where(Note.case_id == case_id, Note.kind != "note", corrections.valid(Note))
    if kind:
        query = query.where(Note.kind == kind)
    if start:
        query = query.where(Note.occurred_on >= start)
    if end:
        query = query.where(Note.occurred_on <= end)
    contacts = list(session.exec(query.order_by(Note.occurred_on.desc(), Note.id.desc())))
    months: dict[str, MonthTotal] = {}
    for note in contacts:
        key = f"{note.occurred_on:%Y-%m}"
        total = months.setdefault(key, MonthTotal(key, 0, 0))
        total.contacts += 1
        total.minutes += note.duration_minutes or 0
    return ContactLog(contacts, sorted(months.values(), key=lambda month: month.month, reverse=True))


def note_corrections(session: Session, note_ids) -> dict[int, Correction]:
    return corrections.corrected_ids(session, "note", note_ids)
