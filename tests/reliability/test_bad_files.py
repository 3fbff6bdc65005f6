"""Bad files: damaged, read-only, locked by another writer, or full. Each gives one clear
message and loses nothing that was saved."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import event
from sqlmodel import select

from casetui.cli import main
from casetui.data.domain.errors import DatabaseError
from casetui.data.services import notes
from casetui.data.storage.database import Database, make_engine, open_database
from casetui.data.storage.models import Case
from tests.conftest import TODAY
from tests.helpers import digest


def saved_state(path) -> tuple[str, int, int]:
    with closing(sqlite3.connect(path)) as conn:
        return (
            conn.execute("PRAGMA integrity_check").fetchone()[0],
            conn.execute("SELECT count(*) FROM note").fetchone()[0],
            conn.execute("SELECT count(*) FROM audit_event").fetchone()[0],
        )


def open_case_id(database) -> int:
    with database.transaction() as session:
        return session.exec(select(Case.id).where(Case.closed_on.is_(None))).first()


def add_note(database, text="A note typed by the worker"):
    with database.transaction() as session:
        return notes.add_note(session, open_case_id(database), occurred_on=TODAY, kind="note", text=text, today=TODAY)


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_damaged_data_page_is_reported_and_left_alone(demo_path, tmp_path, capsys):
    with closing(sqlite3.connect(demo_path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name='note'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(demo_path.read_bytes())
    start = (root - 1) * page_size
    data[start : start + page_size] = b"\x07" * page_size
    demo_path.write_bytes(bytes(data))
    before = digest(demo_path)
    assert main(["--db", str(demo_path), "export", str(tmp_path / "out.json")]) == 1
    assert "damaged" in one_line(capsys)
    assert digest(demo_path) == before
    assert not (tmp_path / "out.json").exists()


def test_a_damaged_schema_is_refused_before_opening(demo_path, tmp_path, capsys):
    data = bytearray(demo_path.read_bytes())
    data[100:4096] = b"\xff" * 3996
    demo_path.write_bytes(bytes(data))
    before = digest(demo_path)
    assert main(["--db", str(demo_path), "export", str(tmp_path / "out.json")]) == 1
    assert "damaged" in one_line(capsys)
    assert digest(demo_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files; the read-only connection test covers it")
def test_a_read_only_file_is_refused(demo_path, capsys):
    os.chmod(demo_path, 0o400)
    before = digest(demo_path)
    assert main(["--db", str(demo_path), "import", str(demo_path)]) == 1
    assert "read-only" in one_line(capsys)
    assert digest(demo_path) == before


def test_a_write_to_a_read_only_database_says_so(demo_path, demo_db):
    before = saved_state(demo_path)
    read_only = Database(make_engine(f"sqlite:///file:{demo_path}?mode=ro&uri=true"), "", "w", demo_path)
    with pytest.raises(DatabaseError, match="read-only") as caught:
        add_note(read_only)
    assert "Traceback" not in str(caught.value) and "INSERT" not in str(caught.value)
    read_only.dispose()
    assert saved_state(demo_path) == before


def test_a_file_locked_by_another_writer_says_so_then_works(demo_path, demo_db, monkeypatch):
    before = saved_state(demo_path)
    other = sqlite3.connect(demo_path, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with demo_db.engine.connect() as conn:  # a shorter wait than the app's 5 s keeps the test quick
            conn.exec_driver_sql("PRAGMA busy_timeout = 300")
        monkeypatch.setattr("casetui.data.storage.database.BUSY_TIMEOUT_MS", 300)
        locked = open_database(str(demo_path), worker="w")
        with pytest.raises(DatabaseError, match="locked by another program"):
            add_note(locked)
    finally:
        other.rollback()
        other.close()
    assert saved_state(demo_path) == before
    add_note(locked, "typed again once the other program let go")  # nothing stuck: the retry saves
    assert saved_state(demo_path)[1] == before[1] + 1
    locked.dispose()


def test_a_full_disk_says_so_and_keeps_what_was_saved(demo_path):
    database = open_database(str(demo_path), worker="w")
    add_note(database, "saved before the disk filled")
    before = saved_state(demo_path)

    @event.listens_for(database.engine, "connect")
    def no_room(dbapi_connection, _record):  # the file may not grow: as if the disk were full
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    database.engine.dispose()  # reconnect with the limit
    saved = 0
    with pytest.raises(DatabaseError, match="disk is full"):
        for _ in range(50):  # free pages inside the file take a few notes first
            add_note(database, "A long note. " * 1500)
            saved += 1
    database.dispose()
    integrity, note_count, audit_count = saved_state(demo_path)
    assert integrity == "ok" and (note_count, audit_count) == (before[1] + saved, before[2] + saved)
    reopened = open_database(str(demo_path), worker="w")
    add_note(reopened, "space again")
    reopened.dispose()
