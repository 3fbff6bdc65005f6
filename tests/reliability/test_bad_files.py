"""Bad files: damaged, read-only, locked by another writer, or full. Each gives one clear
message and loses nothing that was saved."""

from __future__ import annotations

import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

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


# --- messages that name the real cause (issue 14) -------------------------------------------


def run_unprivileged(argv) -> tuple[int, str]:
    """``main(argv)`` as a user the permissions apply to: root ignores them, so as root a forked
    child drops to nobody (everything it needs is imported already)."""
    import io
    import pickle

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            err = io.StringIO()
            real = sys.stderr
            sys.stderr = err
            try:
                rc = main(argv)
            finally:
                sys.stderr = real
            os.write(write_end, pickle.dumps((rc, err.getvalue())))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


@pytest.fixture
def open_folder(tmp_path_factory):
    """A folder every user may enter (pytest's own are the owner's only)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="casetui-ro-"))
    folder.chmod(0o777)
    yield folder
    for sub in folder.rglob("*"):
        if sub.is_dir():
            sub.chmod(0o755)
    shutil.rmtree(folder)


def test_a_healthy_file_in_a_read_only_folder_is_called_read_only_not_damaged(demo_path, open_folder):
    import shutil

    folder = open_folder / "shared"
    folder.mkdir()
    shutil.copy(demo_path, folder / "cases.db")
    (folder / "cases.db").chmod(0o644)
    folder.chmod(0o555)
    before = digest(folder / "cases.db")
    for argv in (["backup", str(open_folder / "copy.db")], ["export", str(open_folder / "out.json")]):
        rc, err = run_unprivileged(["--db", str(folder / "cases.db"), *argv])
        assert rc == 1 and err.count("\n") == 1 and "Traceback" not in err, err
        assert "read-only" in err and str(folder) in err, err
        assert "damaged" not in err.replace("not damaged", "") and "restore" not in err, err
    assert digest(folder / "cases.db") == before


def test_a_backup_of_a_damaged_source_names_the_source_not_a_temporary_file(demo_path, tmp_path, capsys):
    with closing(sqlite3.connect(demo_path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name='note'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(demo_path.read_bytes())
    start = (root - 1) * page_size
    data[start : start + page_size] = b"\x07" * page_size  # copied page for page; the copy's check finds it
    demo_path.write_bytes(bytes(data))
    dest = tmp_path / "backups"
    dest.mkdir()
    assert main(["--db", str(demo_path), "backup", str(dest)]) == 1
    err = one_line(capsys)
    assert str(demo_path) in err and "damaged" in err and "No backup was made" in err
    assert ".partial" not in err and "unexpected" not in err
    assert list(dest.iterdir()) == []


def refuse_prompts(monkeypatch):
    import getpass

    def prompt(*_args):
        raise AssertionError("asked for a passphrase")

    monkeypatch.setattr(getpass, "getpass", prompt)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)


def test_a_plain_file_with_an_overwritten_header_is_damaged_not_encrypted(demo_path, tmp_path, capsys, monkeypatch):
    refuse_prompts(monkeypatch)
    data = bytearray(demo_path.read_bytes())
    data[:16] = bytes(range(200, 216))
    demo_path.write_bytes(bytes(data))
    assert main(["--db", str(demo_path), "backup", str(tmp_path / "copy.db")]) == 1
    err = one_line(capsys)
    assert "damaged" in err and "header" in err and "passphrase" not in err


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda path: path.symlink_to("/etc/passwd"), id="symlink-to-passwd"),
        pytest.param(lambda path: path.symlink_to(sys.executable), id="symlink-to-a-program"),
        pytest.param(lambda path: path.write_bytes(os.urandom(10_000)), id="random-bytes-not-whole-pages"),
        pytest.param(lambda path: path.write_bytes(b"PK\x03\x04" + os.urandom(8188)), id="zip"),
        pytest.param(lambda path: path.write_bytes(os.urandom(2048) + bytes(2048)), id="zeros-in-page-one"),
    ],
)
def test_files_that_are_not_casetui_are_refused_before_any_passphrase_prompt(make, tmp_path, capsys, monkeypatch):
    refuse_prompts(monkeypatch)
    target = tmp_path / "cases.db"
    make(target)
    for argv in (["backup", str(tmp_path / "copy.db")], ["export", str(tmp_path / "out.json")]):
        assert main(["--db", str(target), *argv]) == 1
        err = one_line(capsys)
        assert "not a casetui database" in err and "passphrase" not in err, err
