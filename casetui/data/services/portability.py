"""JSON export and import of clients' full records (the format is described in docs/export-format.md).

An export holds each client with their consents, household members, corrections (entries
marked entered in error) and every case, and under each case its stage changes, assessments
(needs, instrument scores), goals (revisions, objectives, progress), referrals, notes (with
their addenda), coordination contacts, discharges, document log and intake drafts. Import adds the records as new rows (new ids) in one transaction; it never merges
with or overwrites existing clients. The audit trail itself is not exported.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pydantic
from sqlalchemy import Text
from sqlmodel import Session, SQLModel, select

from casetui.data.domain import agenda_vocab, clock, limits, vocab
from casetui.data.domain.errors import ValidationError
from casetui.data.domain.instruments import INSTRUMENTS
from casetui.data.services import clients
from casetui.data.services.discharge import CONTACT_METHODS
from casetui.data.storage import audit_log as audit
from casetui.data.storage import files
from casetui.data.storage.models import (
    Appointment,
    AppointmentSeries,
    Assessment,
    AssessmentNeed,
    Case,
    Client,
    Consent,
    CoordinationContact,
    Correction,
    Discharge,
    Document,
    Goal,
    GoalRevision,
    HouseholdMember,
    InstrumentScore,
    IntakeDraft,
    Note,
    NoteAddendum,
    Objective,
    ProgressEntry,
    Referral,
    Service,
    StageChange,
    Task,
)

FORMAT = "casetui-export"
FORMAT_VERSION = 1

# (key in the file, model, column pointing at the parent)
CASE_PARTS: list[tuple[str, type[SQLModel], str]] = [
    ("stage_changes", StageChange, "case_id"),
    ("notes", Note, "case_id"),
    ("referrals", Referral, "case_id"),
    ("coordination_contacts", CoordinationContact, "case_id"),
    ("discharges", Discharge, "case_id"),
    ("documents", Document, "case_id"),
    ("intake_drafts", IntakeDraft, "case_id"),
    # after referrals: a task names a goal or referral of its case
    ("appointments", Appointment, "case_id"),
    ("tasks", Task, "case_id"),
]
ASSESSMENT_PARTS = [("needs", AssessmentNeed, "assessment_id"), ("instrument_scores", InstrumentScore, "assessment_id")]
GOAL_PARTS = [
    ("revisions", GoalRevision, "goal_id"),
    ("objectives", Objective, "goal_id"),
    ("progress", ProgressEntry, "goal_id"),
]
NOTE_PARTS = [("addenda", NoteAddendum, "note_id")]
# Tables whose rows a correction may name (corrections.KINDS): their ids in the file are mapped
# to the new ones, so each correction still names its entry.
_CORRECTABLE = {"note", "progress_entry", "referral", "consent", "assessment", "goal", "stage_change"}


# --- export ------------------------------------------------------------------------------


def _plain(obj: SQLModel, parent_key: str | None) -> dict:
    """A record as JSON values; ``id`` is kept only to link records inside the file."""
    data = obj.model_dump(mode="python", exclude={parent_key} if parent_key else set())
    out = {}
    for name, value in data.items():
        if isinstance(value, datetime):
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        elif isinstance(value, (date, time)):
            value = value.isoformat()
        out[name] = value
    return out


def _children(session: Session, parts, parent_id: int) -> dict[str, list[dict]]:
    result = {}
    for key, model, parent_key in parts:
        rows = session.exec(select(model).where(getattr(model, parent_key) == parent_id).order_by(model.id)).all()
        result[key] = [_plain(row, parent_key) for row in rows]
    return result


def export_client(session: Session, client: Client) -> dict:
    record = _plain(client, None)
    record["consents"] = [
        _plain(c, "client_id")
        for c in session.exec(select(Consent).where(Consent.client_id == client.id).order_by(Consent.id))
    ]
    record["cases"] = []
    for case in session.exec(select(Case).where(Case.client_id == client.id).order_by(Case.id)):
        case_record = _plain(case, "client_id")
        case_record["assessments"] = []
        for assessment in session.exec(select(Assessment).where(Assessment.case_id == case.id).order_by(Assessment.id)):
            case_record["assessments"].append(
                {**_plain(assessment, "case_id"), **_children(session, ASSESSMENT_PARTS, assessment.id)}
            )
        case_record["goals"] = [
            {**_plain(goal, "case_id"), **_children(session, GOAL_PARTS, goal.id)}
            for goal in session.exec(select(Goal).where(Goal.case_id == case.id).order_by(Goal.id))
        ]
        case_record.update(_children(session, CASE_PARTS, case.id))
        _add_series(session, case_record["appointments"])
        for note in case_record["notes"]:
            note.update(_children(session, NOTE_PARTS, note["id"]))
        record["cases"].append(case_record)
    record["household"] = [
        _plain(m, "client_id")
        for m in session.exec(
            select(HouseholdMember).where(HouseholdMember.client_id == client.id).order_by(HouseholdMember.id)
        )
    ]
    record["corrections"] = [
        _plain(c, "client_id")
        for c in session.exec(select(Correction).where(Correction.client_id == client.id).order_by(Correction.id))
    ]
    return record


def _add_series(session: Session, appointments: list[dict]) -> None:
    """A recurring appointment carries its series' rule ("series"), so an import keeps the series."""
    found: dict[int, dict] = {}
    for appointment in appointments:
        series_id = appointment.get("series_id")
        if series_id is not None:
            if series_id not in found:
                found[series_id] = _plain(session.get(AppointmentSeries, series_id), None)
            appointment["series"] = found[series_id]


def export_data(session: Session, client_id: int | None = None) -> dict:
    """One client's full record (``client_id``) or every client's; the export is audited."""
    from casetui.data.storage import migrations

    if client_id is not None:
        chosen = [clients.get_client(session, client_id)]
    else:
        chosen = list(session.exec(select(Client).order_by(Client.id)))
    records = [export_client(session, client) for client in chosen]
    for client in chosen:
        audit.record(session, "export", "client", client.id, client_id=client.id)
    session.flush()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": migrations.SCHEMA_VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "clients": records,
    }


def write_json(data: dict, path: Path) -> Path:
    """Write owner-only (0600), via a temporary file renamed into place."""
    path = Path(path).expanduser()
    if not path.parent.is_dir():
        raise ValidationError("path", f"The folder {path.parent} does not exist.")
    return files.private_write(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


# --- import ------------------------------------------------------------------------------

# The client fields ``clients.clean_client_fields`` checks as the client form does.
_CLIENT_CHECKED = {
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "household_size",
    "populations",
    *clients._TEXT_FIELDS,  # preferred name, pronouns, language, address, household notes ...
}


def read_json(path: Path) -> dict:
    """The parsed file, once its size, nesting and longest text are known to be within limits
    (checked block by block first, so a huge file is refused without being held in memory)."""
    path = Path(path).expanduser()
    try:
        limits.check_json_file(path)
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (FileNotFoundError, NotADirectoryError):
        raise ValidationError("path", f"{path} does not exist.") from None
    except IsADirectoryError:
        raise ValidationError("path", f"{path} is a folder; name the JSON export file.") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError("path", f"{path} is not a casetui JSON export (it is not valid JSON).") from None
    return data


def _check_header(data) -> tuple[list, bool]:
    """The client records, and whether unknown keys are errors (a file of this schema or newer)."""
    from casetui.data.storage import migrations

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError("format", "This file is not a casetui JSON export.")
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValidationError(
            "format_version", "This export was written by a newer casetui; upgrade casetui to import it."
        )
    schema = data.get("schema_version", migrations.SCHEMA_VERSION)
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise ValidationError("schema_version", "The export's schema_version is not a whole number.")
    if schema > migrations.SCHEMA_VERSION:
        # Its records may hold fields this casetui has no column for: importing would drop them.
        raise ValidationError(
            "schema_version",
            f"This export comes from a newer casetui (database schema {schema}; this casetui has schema"
            f" {migrations.SCHEMA_VERSION}); upgrade casetui to import it.",
        )
    records = data.get("clients")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValidationError("clients", "The export's list of clients is missing or malformed.")
    limits.check_values(records)
    return records, schema == migrations.SCHEMA_VERSION


# Coded columns and the codes they accept (None is accepted where the column is optional).
_CODES: dict[type[SQLModel], dict[str, dict]] = {
    Case: {"stage": vocab.STAGES},
    StageChange: {"from_stage": vocab.STAGES, "to_stage": vocab.STAGES},
    Assessment: {"kind": {"intake": "Intake", "reassessment": "Reassessment"}},
    AssessmentNeed: {"domain": vocab.DOMAINS},
    InstrumentScore: {"instrument": INSTRUMENTS},
    Goal: {
        "direction": vocab.GOAL_DIRECTIONS,
        "actor": vocab.GOAL_ACTORS,
        "lifecycle_status": vocab.GOAL_LIFECYCLE,
        "achievement_status": vocab.GOAL_ACHIEVEMENT,
    },
    Referral: {"status": vocab.REFERRAL_STATUSES, "domain": vocab.DOMAINS},
    Note: {"kind": vocab.NOTE_KINDS, "note_format": vocab.NOTE_FORMATS},
    HouseholdMember: {"relationship": vocab.HOUSEHOLD_RELATIONSHIPS},
    Correction: {"entity": {code: code for code in _CORRECTABLE}},
    Consent: {"scope": vocab.CONSENT_SCOPES},
    CoordinationContact: {"method": CONTACT_METHODS},
    Discharge: {"reason": vocab.DISCHARGE_REASONS},
    Appointment: {"kind": agenda_vocab.APPOINTMENT_KINDS, "status": agenda_vocab.APPOINTMENT_STATUSES},
    Task: {"priority": agenda_vocab.TASK_PRIORITIES},
}
# Long texts: the most the app's own forms accept (a discharge summary is rendered, so longer).
TEXT_LIMIT = 20_000
_TEXT_LIMITS = {(Discharge, "summary_text"): limits.MAX_TEXT}
# Keys that hold a record's children rather than columns.
_NESTED = {
    Client: {"consents", "cases", "household", "corrections"},
    Note: {key for key, _, _ in NOTE_PARTS},
    Case: {"assessments", "goals", *(key for key, _, _ in CASE_PARTS)},
    Assessment: {key for key, _, _ in ASSESSMENT_PARTS},
    Goal: {key for key, _, _ in GOAL_PARTS},
    Appointment: {"series"},
}


def _check_record(model: type[SQLModel], record: dict, where: str, strict: bool) -> None:
    """What column types alone do not say: known keys, codes and the length of long texts."""
    if strict:
        unknown = [key for key in record if key not in model.model_fields and key not in _NESTED.get(model, ())]
        if unknown:
            raise ValidationError("file", f"{where}: unknown field '{str(unknown[0])[:60]}'; nothing was imported.")
    for name, codes in _CODES.get(model, {}).items():
        value = record.get(name)
        if value is not None and (not isinstance(value, str) or value not in codes):
            shown = str(value)[:60]
            raise ValidationError("file", f"{where}: {name} '{shown}' is not one of {', '.join(codes)}.")
    for name, column in model.__table__.c.items():
        value = record.get(name)
        if isinstance(value, str) and isinstance(column.type, Text) and not getattr(column.type, "length", None):
            limit = _TEXT_LIMITS.get((model, name), TEXT_LIMIT)
            if len(value) > limit:
                raise ValidationError(
                    "file", f"{where}: {name} is too long ({len(value):,} characters; at most {limit:,})."
                )


def _build(model: type[SQLModel], record, where: str, strict: bool, **links) -> SQLModel:
    if not isinstance(record, dict):
        raise ValidationError("file", f"{where} is not a record.")
    _check_record(model, record, where, strict)
    # Only the model's own columns: nested lists (and, from an older schema, dropped columns) are not.
    values = {k: v for k, v in record.items() if k != "id" and k in model.model_fields}
    values.update(links)
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "record"
        if error["type"] == "string_too_long":
            raise ValidationError(
                "file", f"{where}: {field} is too long (at most {error['ctx']['max_length']} characters)."
            ) from None
        raise ValidationError("file", f"{where}: {field} is not valid.") from None


def _list(record: dict, key: str, where: str) -> list:
    value = record.get(key, [])
    if not isinstance(value, list):
        raise ValidationError("file", f"{where}: {key} must be a list.")
    return value


def _add(session: Session, obj: SQLModel, record: dict | None = None, ids: dict | None = None) -> SQLModel:
    session.add(obj)
    session.flush()  # parents get their ids before children refer to them
    if ids is not None and record is not None and obj.__tablename__ in _CORRECTABLE:
        ids[(obj.__tablename__, record.get("id"))] = obj.id
    return obj


def import_data(session: Session, data, today: date) -> list[int]:
    """Add every client in an export as a new client; returns their new ids. All or nothing: an
    error leaves the caller's transaction to roll back."""
    records, strict = _check_header(data)
    client_ids: dict = {}  # a household member's link to a client earlier in the same file
    new_ids = []
    for number, record in enumerate(records, 1):
        new_id = _import_client(session, record, today, f"Client {number}", strict, client_ids)
        client_ids[record.get("id")] = new_id
        new_ids.append(new_id)
    session.flush()
    return new_ids


def _import_client(session: Session, record: dict, today: date, where: str, strict: bool, client_ids: dict) -> int:
    # The client form's own rules (names required, no birth date in the future, household 1-30).
    try:
        clients.clean_client_fields({k: v for k, v in record.items() if k in _CLIENT_CHECKED}, today)
    except ValidationError as exc:
        raise ValidationError("file", f"{where}: {exc}") from None
    client = _add(session, _build(Client, record, where, strict))
    ids: dict = {}  # (table, id in the file) -> new id, for the corrections
    consent_ids = {}
    for consent in _list(record, "consents", where):
        row = _add(session, _build(Consent, consent, f"{where}, consent", strict, client_id=client.id), consent, ids)
        consent_ids[consent.get("id")] = row.id
    services = set(session.exec(select(Service.id)).all())
    for case_number, case_record in enumerate(_list(record, "cases", where), start=1):
        case_where = f"{where}, case {case_number}"
        case = _add(session, _build(Case, case_record, case_where, strict, client_id=client.id))
        for assessment in _list(case_record, "assessments", case_where):
            row = _add(
                session,
                _build(Assessment, assessment, f"{case_where}, assessment", strict, case_id=case.id),
                assessment,
                ids,
            )
            _import_parts(session, assessment, ASSESSMENT_PARTS, row.id, f"{case_where}, assessment", strict)
        # ids in the file -> new ids, for the records that name them
        goal_ids, referral_ids, series_ids, appointment_ids = {}, {}, {}, {}
        moved: list[tuple[Appointment, object]] = []
        for goal in _list(case_record, "goals", case_where):
            row = _add(session, _build(Goal, goal, f"{case_where}, goal", strict, case_id=case.id), goal, ids)
            goal_ids[goal.get("id")] = row.id
            _import_parts(session, goal, GOAL_PARTS, row.id, f"{case_where}, goal", strict, ids)
        for key, model, parent_key in CASE_PARTS:
            for part in _list(case_record, key, case_where):
                if not isinstance(part, dict):
                    raise ValidationError("file", f"{case_where}, {key} is not a record.")
                links = {parent_key: case.id}
                if model is Referral and part.get("service_id") not in services:
                    links["service_id"] = None  # the directory differs; the copied names remain
                if model is CoordinationContact:
                    links["consent_id"] = consent_ids.get(part.get("consent_id"))
                if model is Appointment:
                    clock.check_zone(part.get("time_zone"), "file")
                    links.update(client_id=client.id, series_id=None, rescheduled_to_id=None)
                    old_series = part.get("series_id")
                    if old_series is not None and isinstance(part.get("series"), dict):
                        if old_series not in series_ids:
                            series = _build(AppointmentSeries, part["series"], f"{case_where}, series", strict)
                            series_ids[old_series] = _add(session, series).id
                        links["series_id"] = series_ids[old_series]
                if model is Task:
                    links.update(
                        client_id=client.id,
                        goal_id=goal_ids.get(part.get("goal_id")),
                        referral_id=referral_ids.get(part.get("referral_id")),
                    )
                if model is Note and not strict and "signed_at" not in part:
                    # From an older casetui, where notes could not be edited: signed when written.
                    links["signed_at"] = part.get("created_at")
                row = _add(session, _build(model, part, f"{case_where}, {key}", strict, **links), part, ids)
                if model is Note:
                    _import_parts(session, part, NOTE_PARTS, row.id, f"{case_where}, note", strict)
                if model is Referral:
                    referral_ids[part.get("id")] = row.id
                if model is Appointment:
                    appointment_ids[part.get("id")] = row.id
                    if part.get("rescheduled_to_id") is not None:
                        moved.append((row, part["rescheduled_to_id"]))
        for row, old_target in moved:  # the new appointment comes later in the file
            row.rescheduled_to_id = appointment_ids.get(old_target)
            session.add(row)
    for member in _list(record, "household", where):
        if not isinstance(member, dict):
            raise ValidationError("file", f"{where}, household is not a record.")
        link = client_ids.get(member.get("member_client_id"))  # None: that client is not in this file
        _add(
            session,
            _build(HouseholdMember, member, f"{where}, household", strict, client_id=client.id, member_client_id=link),
        )
    for number, correction in enumerate(_list(record, "corrections", where), start=1):
        if not isinstance(correction, dict):
            raise ValidationError("file", f"{where}, correction {number} is not a record.")
        entry = ids.get((correction.get("entity"), correction.get("entity_id")))
        built = _build(
            Correction,
            correction,
            f"{where}, correction {number}",
            strict,
            client_id=client.id,
            entity_id=entry if entry is not None else -1,
        )
        if entry is None:
            raise ValidationError(
                "file", f"{where}, correction {number}: it names a {built.entity} that is not in this client's record."
            )
        _add(session, built)
    audit.record(
        session,
        "import",
        "client",
        client.id,
        client_id=client.id,
        fields=[k for k in record if k not in ("id", "consents", "cases", "household", "corrections")],
    )
    return client.id


def _import_parts(
    session: Session, record: dict, parts, parent_id: int, where: str, strict: bool, ids: dict | None = None
) -> None:
    for key, model, parent_key in parts:
        for part in _list(record, key, where):
            _add(session, _build(model, part, f"{where}, {key}", strict, **{parent_key: parent_id}), part, ids)
