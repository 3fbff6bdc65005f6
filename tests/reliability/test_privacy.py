"""Privacy: owner-only files whatever the umask, and no client data in errors or crash reports."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from sqlmodel import select

from casetui import config
from casetui.cli import make_app
from casetui.data.services import audit, clients, documents, notes, portability
from casetui.data.storage import backup
from casetui.data.storage import sqlcipher as crypto
from casetui.data.storage.database import open_database
from casetui.data.storage.models import Case
from tests.conftest import TODAY

SECRET_NAME = "Zanzibarova"


@pytest.fixture
def open_umask():
    """A permissive umask, so only casetui's own care makes files private."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def loose_files(*folders: Path) -> list[str]:
    found = []
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file() and path.stat().st_mode & 0o077:
                found.append(f"{path.name} {oct(path.stat().st_mode & 0o777)}")
    return found


def test_every_file_casetui_writes_is_owner_only(tmp_path, open_umask, today):
    work = tmp_path / "work"
    work.mkdir()
    path = work / "casetui.db"
    database = open_database(str(path), worker="w")
    with database.transaction() as session:
        client = clients.create_client(session, {"first_name": "Pria", "last_name": SECRET_NAME}, today)
        from casetui.data.services import cases

        case = cases.open_case(session, client.id, today)
        notes.add_note(session, case.id, occurred_on=today, kind="note", text="x", today=today)
        assert Path(f"{path}-wal").exists(), "expected a WAL file to check"
        portability.write_json(portability.export_data(session), work / "export.json")
        audit.export_csv(session, work / "audit.csv")
    backup.backup_file(path, work / "copy.db")
    backup.auto_backup(path, config.backups_dir(), keep=2, today=today)
    database.dispose()  # a restore is refused while the file is open
    backup.restore(work / "copy.db", path, config.backups_dir())
    documents.save("# a document", work / "docs" / "summary.md")
    if crypto.available():
        backup.encrypt_file(work / "copy.db", "long passphrase", plain_copy=work / "plain.db")
    assert loose_files(work, config.data_dir()) == []


def test_a_database_error_shows_no_client_data(demo_path, tmp_path):
    """A write that fails inside SQLite (here a trigger) must not echo the row's values."""
    with closing(sqlite3.connect(demo_path)) as conn:
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON client BEGIN SELECT RAISE(ABORT, 'refused'); END")
        conn.commit()
    export = tmp_path / "in.json"
    export.write_text(
        json.dumps(
            {
                "format": "casetui-export",
                "format_version": 1,
                "clients": [{"first_name": "Pria", "last_name": SECRET_NAME, "phone": "555-0142", "cases": []}],
            }
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "casetui", "--db", str(demo_path), "import", str(export)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CASETUI_DEBUG": ""},
    )
    assert result.returncode == 1
    assert SECRET_NAME not in result.stderr + result.stdout and "555-0142" not in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr


async def test_a_crash_report_shows_no_client_data(demo_path, capsys):
    app = make_app(str(demo_path), today=TODAY)
    with app.database.transaction() as session:
        case_id = session.exec(select(Case.id)).first()
        client = clients.get_client(session, session.get(Case, case_id).client_id)

    def explode():
        client_record = client  # a local holding a client, as any screen handler has
        raise RuntimeError(f"internal error {id(client_record)}")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.call_later(explode)
            await pilot.pause()
    captured = capsys.readouterr()
    report = captured.out + captured.err
    assert "unexpected RuntimeError" in report
    assert client.last_name not in report and client.first_name not in report
    app.database.dispose()


def test_engines_hide_sql_parameters(database):
    assert database.engine.hide_parameters
