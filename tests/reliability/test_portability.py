"""JSON export of one client or all, and import reading it back record for record."""

from __future__ import annotations

import json
import os
import tracemalloc

import pytest
from sqlmodel import select

from casetui.cli import main
from casetui.data.domain import limits
from casetui.data.domain.errors import ValidationError
from casetui.data.services import portability
from casetui.data.storage.database import open_database
from casetui.data.storage.files import SCHEMA_VERSION
from casetui.data.storage.models import Case, Client, Consent, CoordinationContact

# ids differ between files; links are checked apart
LINKS = {"id", "consent_id", "service_id", "series_id", "rescheduled_to_id"}


def comparable(value):
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in LINKS}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def test_round_trip_keeps_every_record(demo_path, db_path, tmp_path):
    exported = tmp_path / "all.json"
    assert main(["--db", str(demo_path), "export", "--format", "json", str(exported)]) == 0
    assert os.stat(exported).st_mode & 0o777 == 0o600
    original = json.loads(exported.read_text())
    assert original["format"] == portability.FORMAT and len(original["clients"]) >= 25
    parts = {
        key: sum(len(case[key]) for c in original["clients"] for case in c["cases"])
        for key in ("notes", "goals", "assessments", "referrals", "stage_changes")
    }
    assert all(parts.values()), f"the demo export lacks some parts: {parts}"

    assert main(["--db", str(db_path), "import", str(exported)]) == 0
    again = tmp_path / "again.json"
    assert main(["--db", str(db_path), "export", str(again)]) == 0
    round_tripped = json.loads(again.read_text())
    assert comparable(round_tripped["clients"]) == comparable(original["clients"])
    # coordination contacts point at the imported copy of the same consent
    database = open_database(str(db_path))
    with database.transaction() as session:
        for contact in session.exec(select(CoordinationContact).where(CoordinationContact.consent_id.is_not(None))):
            consent = session.get(Consent, contact.consent_id)
            assert consent.client_id == session.get(Case, contact.case_id).client_id
    database.dispose()


def test_one_client_only(demo_db, tmp_path):
    with demo_db.transaction() as session:
        client = session.exec(select(Client).order_by(Client.id.desc())).first()
        data = portability.export_data(session, client.id)
    assert [c["last_name"] for c in data["clients"]] == [client.last_name]
    assert data["clients"][0]["cases"], "the client's cases were not exported"


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"format": "something-else"}',
        '{"format": "casetui-export", "format_version": 99, "clients": []}',
        '{"format": "casetui-export", "format_version": 1, "clients": [{"first_name": "", "last_name": "X"}]}',
        '{"format": "casetui-export", "format_version": 1, "clients": [{"first_name": "A", "last_name": "B", '
        '"cases": [{"opened_on": "not a date"}]}]}',
        '{"format": "casetui-export", "format_version": 1, "clients": [{"first_name": "A", "last_name": "B", '
        '"cases": "oops"}]}',
    ],
)
def test_a_bad_file_is_refused_whole_and_writes_nothing(db_path, tmp_path, content, capsys):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["--db", str(db_path), "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    database = open_database(str(db_path))
    with database.transaction() as session:
        assert session.exec(select(Client)).all() == []
    database.dispose()


def test_import_is_all_or_nothing(db_path, today):
    good = {"first_name": "Ima", "last_name": "Portable", "cases": []}
    bad = {"first_name": "Nota", "last_name": "Date", "date_of_birth": "31/31/1999"}
    data = {"format": portability.FORMAT, "format_version": 1, "clients": [good, bad]}
    database = open_database(str(db_path))
    with pytest.raises(ValidationError, match="Client 2"), database.transaction() as session:
        portability.import_data(session, data, today)
    with database.transaction() as session:
        assert session.exec(select(Client)).all() == []
    database.dispose()


# --- validation: each refusal is one sentence and writes nothing -----------------------------------


def export_of(*clients, **header) -> dict:
    return {
        "format": portability.FORMAT,
        "format_version": 1,
        "schema_version": SCHEMA_VERSION,
        **header,
        "clients": list(clients),
    }


def person(**fields) -> dict:
    return {"first_name": "Ima", "last_name": "Sample", **fields}


def a_case(**parts) -> dict:
    return {"opened_on": "2025-11-03", "stage": "planning", **parts}


def refused(db_path, tmp_path, capsys, data) -> str:
    """Import ``data`` with the command line; return its one-line message, having checked nothing was written."""
    path = tmp_path / "import.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    assert main(["--db", str(db_path), "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "Error" not in err, err
    database = open_database(str(db_path))
    with database.transaction() as session:
        assert session.exec(select(Client)).all() == []
    database.dispose()
    return err.strip()


@pytest.mark.parametrize(
    "data, message",
    [
        (
            export_of(person(cases=[a_case(stage="nonexistent_stage")])),
            "Client 1, case 1: stage 'nonexistent_stage' is not one of engagement, assessment, planning,",
        ),
        (export_of(person(date_of_birth="2099-05-02")), "Client 1: Date of birth cannot be in the future."),
        (export_of(person(household_size=-5)), "Client 1: Household size must be at least 1."),
        (export_of(person(gender="martian")), "Client 1: Gender"),
        (
            export_of(
                person(), person(cases=[a_case(notes=[{"occurred_on": "2026-01-12", "text": "x", "kind": "fax"}])])
            ),
            "Client 2, case 1, notes: kind 'fax' is not one of visit, phone, video, text, email, collateral, note.",
        ),
        (
            export_of(
                person(
                    cases=[
                        a_case(
                            goals=[
                                {
                                    "statement": "s",
                                    "start_on": "2026-01-01",
                                    "due_on": "2026-06-01",
                                    "direction": "sideways",
                                }
                            ]
                        )
                    ]
                )
            ),
            "Client 1, case 1, goal: direction 'sideways' is not one of",
        ),
        (
            export_of(person(cases=[a_case(notes=[{"occurred_on": "2026-01-12", "text": "x" * 20_001}])])),
            "Client 1, case 1, notes: text is too long (20,001 characters; at most 20,000).",
        ),
        (export_of(person(pronouns="x" * 33)), "Client 1: pronouns is too long (at most 32 characters)."),
        (
            export_of(person(favourite_colour="teal")),
            "Client 1: unknown field 'favourite_colour'; nothing was imported.",
        ),
        (
            export_of(person(favourite_colour="teal"), schema_version=SCHEMA_VERSION + 1),
            f"This export comes from a newer casetui (database schema {SCHEMA_VERSION + 1}; this casetui has schema"
            f" {SCHEMA_VERSION}); upgrade casetui to import it.",
        ),
        (export_of(person(), schema_version="4"), "The export's schema_version is not a whole number."),
    ],
    ids=[
        "stage",
        "birth-2099",
        "household",
        "gender",
        "note-kind",
        "goal-direction",
        "long-note",
        "pronouns",
        "unknown-field",
        "newer-schema",
        "schema-text",
    ],
)
def test_a_value_the_app_would_refuse_is_refused_on_import(db_path, tmp_path, capsys, data, message):
    assert message in refused(db_path, tmp_path, capsys, data)


def test_an_older_schema_may_carry_columns_this_casetui_dropped(db_path, today):
    data = export_of(person(fax_number="555 0100"), schema_version=SCHEMA_VERSION - 1)
    database = open_database(str(db_path))
    with database.transaction() as session:
        [new_id] = portability.import_data(session, data, today)
        assert session.get(Client, new_id).last_name == "Sample"
    database.dispose()


def test_deep_nesting_is_refused_without_a_recursion_error(db_path, tmp_path, capsys, today):
    deep = '{"format": "casetui-export", "format_version": 1, "clients": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    assert "nested more than 32 levels deep" in refused(db_path, tmp_path, capsys, deep)
    # Values built in memory are walked without recursion too.
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    data = export_of(person(cases=[a_case(intake_drafts=[{"data": {"answers": nested}}])]))
    with pytest.raises(ValidationError, match="nested more than 32 levels deep"):
        portability.import_data(None, data, today)


def test_a_50_mb_note_is_refused_before_the_file_is_read_whole(db_path, tmp_path, capsys):
    path = tmp_path / "huge-note.json"
    note = {"occurred_on": "2026-01-12", "text": "Called about the rent letter. " * 1_750_000}
    path.write_text(json.dumps(export_of(person(cases=[a_case(notes=[note])]))))
    assert path.stat().st_size > 50_000_000
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError, match="holds a text longer than 200,000 characters"):
            portability.read_json(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"{peak / 1e6:.0f} MB held to refuse a 50 MB file"
    assert "holds a text longer than" in refused(db_path, tmp_path, capsys, path.read_text())


def test_a_file_over_the_size_limit_is_refused_unread(db_path, tmp_path, capsys):
    path = tmp_path / "big.json"
    with open(path, "wb") as handle:
        handle.truncate(limits.MAX_FILE_BYTES + 1)  # sparse: its size alone refuses it
    with pytest.raises(ValidationError, match=r"big.json is 100 MB; an import file can be at most 100 MB"):
        portability.read_json(path)
