"""Notes as a legal record: drafts and signing, addenda by the author, late entries, DAP/SOAP
sections, contact details and the contact log's monthly totals (both databases)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from casetui.data.domain.errors import ValidationError
from casetui.data.services import cases, clients, corrections, notes, settings
from casetui.data.storage.models import AuditEvent, Note, NoteAddendum


@pytest.fixture
def case(session, today):
    client = clients.create_client(session, {"first_name": "Tamsin", "last_name": "Quarle"}, today)
    return cases.open_case(session, client.id, today - timedelta(days=400))


def phone(session, case, today, **extra):
    values = {"occurred_on": today.isoformat(), "kind": "phone", "text": "Called about rent", **extra}
    return notes.new_note(session, case.id, values, today)


def test_a_note_is_a_draft_until_signed_then_read_only(session, case, today):
    note = phone(session, case, today)
    assert note.signed_at is None and note.written_on == today
    notes.update_note(
        session, note.id, {"occurred_on": today.isoformat(), "kind": "phone", "text": "Called about the rent"}, today
    )
    assert session.get(Note, note.id).text == "Called about the rent"
    notes.sign_note(session, note.id)
    assert session.get(Note, note.id).signed_at is not None
    with pytest.raises(ValidationError, match="signed and cannot be changed"):
        notes.update_note(session, note.id, {"occurred_on": today.isoformat(), "kind": "phone", "text": "x"}, today)
    with pytest.raises(ValidationError, match="signed and cannot be changed"):
        notes.sign_note(session, note.id)
    with pytest.raises(ValidationError, match="signed and cannot be changed"):
        notes.discard_draft(session, note.id)
    assert session.get(Note, note.id).text == "Called about the rent"
    actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "note")).all()]
    assert actions == ["create", "update", "sign"]


def test_only_the_author_edits_signs_or_adds_to_a_note(session, case, today):
    note = phone(session, case, today)
    session.info["worker"] = "a colleague"
    with pytest.raises(ValidationError, match=r"Only the note's author \(test-worker\) may sign"):
        notes.sign_note(session, note.id)
    session.info["worker"] = "test-worker"
    notes.sign_note(session, note.id)
    session.info["worker"] = "a colleague"
    with pytest.raises(ValidationError) as info:
        notes.add_addendum(session, note.id, "She also asked about food")
    assert "Only the note's author (test-worker) may add an addendum" in info.value.errors["text"]
    session.info["worker"] = "test-worker"
    assert session.exec(select(NoteAddendum)).all() == []


def test_addenda_are_dated_kept_in_order_and_need_text(session, case, today):
    note = phone(session, case, today)
    with pytest.raises(ValidationError, match="still a draft"):
        notes.add_addendum(session, note.id, "Too early")
    notes.sign_note(session, note.id)
    with pytest.raises(ValidationError, match="Addendum is required"):
        notes.add_addendum(session, note.id, "  ")
    first = notes.add_addendum(session, note.id, "The landlord called back.")
    second = notes.add_addendum(session, note.id, "Rent plan agreed.")
    assert [a.id for a in notes.addenda_of(session, [note.id])[note.id]] == [first.id, second.id]
    assert first.worker == "test-worker" and first.written_at is not None
    assert session.get(Note, note.id).text == "Called about rent"  # the note itself never changes


def test_a_note_in_error_takes_no_addendum_and_no_edit(session, case, today):
    note = phone(session, case, today)
    corrections.mark_in_error(session, "note", note.id, "Wrong client")
    with pytest.raises(ValidationError, match="entered in error"):
        notes.update_note(session, note.id, {"occurred_on": today.isoformat(), "kind": "phone", "text": "x"}, today)


def test_a_late_entry_keeps_both_dates_and_cannot_be_in_the_future(session, case, today):
    late = phone(session, case, today, occurred_on=(today - timedelta(days=3)).isoformat())
    assert late.late_entry and (late.occurred_on, late.written_on) == (today - timedelta(days=3), today)
    assert not phone(session, case, today).late_entry
    with pytest.raises(ValidationError) as info:
        phone(session, case, today, occurred_on=(today + timedelta(days=1)).isoformat())
    assert info.value.errors == {"occurred_on": "Contact date cannot be in the future."}


def test_dap_and_soap_sections_are_each_required_and_composed(session, case, today):
    values = {"occurred_on": today.isoformat(), "kind": "visit", "note_format": "dap", "section_data": "Rent due"}
    with pytest.raises(ValidationError) as info:
        notes.new_note(session, case.id, values, today)
    assert info.value.errors == {
        "section_assessment": "Assessment is required.",
        "section_plan": "Plan is required.",
    }
    values.update(section_assessment="Worried but engaged", section_plan="Call the landlord Friday")
    note = notes.new_note(session, case.id, values, today)
    assert note.sections == {
        "data": "Rent due",
        "assessment": "Worried but engaged",
        "plan": "Call the landlord Friday",
    }
    assert note.text == "Data: Rent due\n\nAssessment: Worried but engaged\n\nPlan: Call the landlord Friday"
    soap = notes.add_note(
        session,
        case.id,
        occurred_on=today,
        kind="video",
        today=today,
        note_format="soap",
        sections={"subjective": "Tired", "objective": "On time", "assessment": "Stable", "plan": "Review"},
        start_time="9.05",
        place="Video call",
        participants="Client, sister",
        duration_minutes="30",
    )
    assert (soap.start_time, soap.place, soap.participants, soap.duration_minutes) == (
        "09:05",
        "Video call",
        "Client, sister",
        30,
    )


def test_bad_contact_details_are_refused_beside_their_fields(session, case, today):
    with pytest.raises(ValidationError) as info:
        notes.new_note(
            session,
            case.id,
            {"occurred_on": "", "kind": "fax", "text": "", "start_time": "25:00", "note_format": "poem"},
            today,
        )
    assert set(info.value.errors) == {"occurred_on", "kind", "text", "start_time", "note_format"}
    assert info.value.errors["start_time"] == "Start time is a time of day like 14:30."
    assert session.exec(select(Note)).all() == []


def test_the_agency_default_format(session):
    assert notes.default_format(session) == "narrative"
    settings.set_value(session, "default_note_format", "soap")
    assert notes.default_format(session) == "soap"
    settings.set_value(session, "default_note_format", "sonnet")
    assert notes.default_format(session) == "narrative"  # an unknown value reads as the default


def test_contact_log_filters_and_monthly_totals(session, case, today):
    day = date(2026, 1, 10)
    for occurred, kind, minutes in (
        (day, "phone", 20),
        (day - timedelta(days=1), "visit", 60),
        (day - timedelta(days=35), "phone", 15),
        (day - timedelta(days=36), "note", 30),  # a case note: no contact
    ):
        notes.add_note(
            session, case.id, occurred_on=occurred, kind=kind, text="x", duration_minutes=minutes, today=today
        )
    wrong = notes.add_note(session, case.id, occurred_on=day, kind="phone", text="x", duration_minutes=90, today=today)
    corrections.mark_in_error(session, "note", wrong.id, "Another client's call")
    log = notes.contact_log(session, case.id)
    assert [(m.month, m.contacts, m.minutes) for m in log.months] == [("2026-01", 2, 80), ("2025-12", 1, 15)]
    assert log.total_minutes == 95
    phones = notes.contact_log(session, case.id, kind="phone", start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert [(n.occurred_on, n.duration_minutes) for n in phones.contacts] == [(day, 20)]
    with pytest.raises(ValidationError, match="on or after its start"):
        notes.contact_log(session, case.id, start=day, end=day - timedelta(days=1))


def test_drafts_may_be_discarded_and_that_is_audited(session, case, today):
    note = phone(session, case, today)
    notes.discard_draft(session, note.id)
    assert session.get(Note, note.id) is None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "delete")).one().entity == "note"


def test_notes_already_in_an_older_file_count_as_signed_when_written(tmp_path):
    """They could never be edited before: after the migration they stay read-only."""
    import sqlite3
    from contextlib import closing

    from casetui.data.storage.database import open_database
    from casetui.data.storage.migrations import __file__ as migrations_init

    old = tmp_path / "old.db"
    baseline = (Path(migrations_init).parent / "v0001_baseline.sql").read_text()
    with closing(sqlite3.connect(old)) as conn, conn:
        conn.executescript(baseline)
        conn.execute("INSERT INTO casetui_meta VALUES ('application', 'casetui'), ('schema_version', '1')")
        conn.execute(
            "INSERT INTO client (first_name, last_name, interpreter_needed, veteran, populations, created_at,"
            " updated_at, version) VALUES ('Ada', 'Sampleton', 0, 0, '[]', '2025-01-01', '2025-01-01', 1)"
        )
        conn.execute(
            "INSERT INTO case_file (client_id, program, worker, stage, opened_on, safety_flag, created_at, updated_at,"
            " version) VALUES (1, 'General', 'w', 'engagement', '2025-01-01', 0, '2025-01-01', '2025-01-01', 1)"
        )
        conn.execute(
            "INSERT INTO note (case_id, occurred_on, kind, text, worker, created_at)"
            " VALUES (1, '2025-01-02', 'phone', 'Called', 'w', '2025-01-03 09:00:00.000000')"
        )
    database = open_database(str(old), worker="w")
    with database.transaction() as session:
        note = session.get(Note, 1)
        assert (note.note_format, note.written_on, note.late_entry) == ("narrative", date(2025, 1, 3), True)
        assert note.signed_at is not None
        with pytest.raises(ValidationError, match="signed and cannot be changed"):
            notes.update_note(session, 1, {"occurred_on": "2025-01-02", "kind": "phone", "text": "x"}, date(2025, 2, 1))
    database.dispose()
