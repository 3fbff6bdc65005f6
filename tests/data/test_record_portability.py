"""Export and import carry the record's new parts: structured note fields, signatures, addenda,
corrections (naming the imported copies of their entries) and households (both databases)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from casetui.data.domain.errors import ValidationError
from casetui.data.services import cases, client_record, clients, corrections, households, notes, portability


def test_a_record_with_corrections_addenda_and_a_household_round_trips(session, today):
    client = clients.create_client(session, {"first_name": "Juno", "last_name": "Perrault"}, today)
    case = cases.open_case(session, client.id, today - timedelta(days=30))
    dap = notes.new_note(
        session,
        case.id,
        {
            "occurred_on": (today - timedelta(days=2)).isoformat(),
            "kind": "video",
            "note_format": "dap",
            "section_data": "Rent letter",
            "section_assessment": "Calm",
            "section_plan": "Call Friday",
            "start_time": "10:15",
            "place": "Video call",
            "participants": "Client",
        },
        today,
        sign=True,
    )
    notes.add_addendum(session, dap.id, "The landlord agreed.")
    wrong = notes.add_note(session, case.id, occurred_on=today, kind="phone", text="Not her", today=today)
    corrections.mark_in_error(session, "note", wrong.id, "Another client's call")
    cases.change_stage(session, case.id, "assessment", "Booked", today)
    households.add_member(session, client.id, name="Kit Perrault", relationship="sibling", today=today)

    exported = json.loads(json.dumps(portability.export_data(session, client.id)))
    (new_id,) = portability.import_data(session, exported, today)

    record = client_record.client_record(session, new_id, today)
    by_text = {note.text: note for note in record.notes}
    copy = by_text["Data: Rent letter\n\nAssessment: Calm\n\nPlan: Call Friday"]
    assert copy.id != dap.id
    assert (copy.note_format, copy.sections["plan"], copy.start_time, copy.late_entry) == (
        "dap",
        "Call Friday",
        "10:15",
        True,
    )
    assert copy.signed_at is not None
    assert [a.text for a in record.addenda[copy.id]] == ["The landlord agreed."]
    wrong_copy = by_text["Not her"]
    assert record.correction("note", wrong_copy.id).reason == "Another client's call"
    assert record.correction("note", wrong.id) is None  # the original's correction stays with the original
    assert [(row.member.name, row.relationship) for row in record.household] == [("Kit Perrault", "Brother or sister")]
    assert record.household_size == 2
    assert notes.last_contact_on(session, record.case.id) == copy.occurred_on  # the call in error does not count


def test_a_correction_naming_no_entry_of_the_record_is_refused(session, today):
    client = clients.create_client(session, {"first_name": "Juno", "last_name": "Perrault"}, today)
    cases.open_case(session, client.id, today)
    exported = json.loads(json.dumps(portability.export_data(session, client.id)))
    exported["clients"][0]["corrections"] = [
        {"entity": "note", "entity_id": 999, "reason": "x", "worker": "w", "marked_at": "2026-01-01T00:00:00+00:00"}
    ]
    with pytest.raises(ValidationError, match="names a note that is not in this client's record"):
        portability.import_data(session, exported, today)
