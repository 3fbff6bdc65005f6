"""The audit trail reads in words: sentences, labels for every field, the record's reasons, and
a filter by action (both databases)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import SQLModel

from casetui.data.services import audit, audit_words, cases, clients, corrections, notes
from casetui.data.storage.models import AuditEvent

AUDITED_TABLES = (
    "client",
    "case_file",
    "note",
    "note_addendum",
    "goal",
    "objective",
    "progress_entry",
    "referral",
    "consent",
    "assessment",
    "discharge",
    "coordination_contact",
    "document",
    "service",
    "stage_change",
    "household_member",
    "appointment",
    "appointment_series",
    "task",
)


def test_every_field_of_every_audited_record_has_a_label():
    missing = set()
    for table in AUDITED_TABLES:
        for column in SQLModel.metadata.tables[table].columns:
            if column.name not in ("id", "version") and column.name not in audit_words.FIELD_LABELS:
                missing.add(f"{table}.{column.name}")
    assert not missing


def test_sentences_for_actions_and_fields():
    def event(action, entity, fields=()):
        return AuditEvent(worker="w", action=action, entity=entity, fields=list(fields))

    assert audit_words.what(event("update", "discharge", ["finalized_at", "summary_text"])) == (
        "Discharge summary made final"
    )
    assert audit_words.fields_in_words(event("update", "discharge", ["finalized_at", "summary_text"])) == (
        "made final, summary"
    )
    assert audit_words.what(event("entered_in_error", "progress_entry", ["reason"])) == (
        "Progress entry marked entered in error"
    )
    assert audit_words.what(event("sign", "note")) == "Note signed"
    assert audit_words.what(event("reopen", "case")) == "Case reopened"
    assert audit_words.field_label("PHQ-9") == "PHQ-9"


def test_reasons_come_from_the_record_and_the_action_filter(session, today):
    client = clients.create_client(session, {"first_name": "Ines", "last_name": "Varrow"}, today)
    case = cases.open_case(session, client.id, today - timedelta(days=10))
    cases.change_stage(session, case.id, "assessment", "Intake booked for Monday", today)
    note = notes.add_note(session, case.id, occurred_on=today, kind="phone", text="Called", today=today)
    corrections.mark_in_error(session, "note", note.id, "Wrong client's phone call")
    rows = audit_words.in_words(session, audit.query(session, client_ids=[client.id]))
    by_what = {row.what: row for row in rows}
    assert by_what["Note marked entered in error"].reason == "Wrong client's phone call"
    assert by_what["Case moved to another stage"].reason == "Intake booked for Monday"
    assert "contact date" in by_what["Note created"].fields.split(", ")
    only = audit.query(session, client_ids=[client.id], action=corrections.ACTION)
    assert [event.entity for event, _name in only] == ["note"]
    # The trail itself still holds no values: the reason is not in it.
    assert all("Wrong client" not in " ".join(event.fields) for event, _name in only)
