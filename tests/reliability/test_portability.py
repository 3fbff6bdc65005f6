"""JSON export of one client or all, and import reading it back record for record."""

from __future__ import annotations

import json
import os

import pytest
from sqlmodel import select

from casetui.cli import main
from casetui.data.domain.errors import ValidationError
from casetui.data.services import portability
from casetui.data.storage.database import open_database
from casetui.data.storage.models import Case, Client, Consent, CoordinationContact

LINKS = {"id", "consent_id", "service_id"}  # ids differ between files; links are checked apart


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
