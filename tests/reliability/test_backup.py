"""Backups: consistent while a writer is busy, owner-only, rotated daily, restored only after
verification, and the replaced file is kept."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from contextlib import closing
from datetime import date, timedelta

import pytest
from sqlmodel import select

from casetui import config
from casetui.cli import main, make_app
from casetui.data.domain.errors import DatabaseError
from casetui.data.services import notes, settings
from casetui.data.storage import backup, migrations
from casetui.data.storage.database import open_database
from casetui.data.storage.models import Case
from tests.conftest import TODAY
from tests.helpers import digest


def open_case_id(session) -> int:
    return session.exec(select(Case.id).where(Case.closed_on.is_(None))).first()


def mode(path) -> int:
    return os.stat(path).st_mode & 0o777


def note_count(path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT count(*) FROM note").fetchone()[0]


def test_backup_while_a_writer_is_busy_is_consistent_and_owner_only(demo_db, demo_path, tmp_path):
    with demo_db.transaction() as session:
        case_id = open_case_id(session)
    stop = threading.Event()
    written = []

    def write():
        while not stop.is_set():
            with demo_db.transaction() as session:
                written.append(
                    notes.add_note(session, case_id, occurred_on=TODAY, kind="note", text="busy", today=TODAY).id
                )

    writer = threading.Thread(target=write)
    writer.start()
    try:
        copies = [backup.backup_file(demo_path, tmp_path / f"copy{i}.db") for i in range(5)]
    finally:
        stop.set()
        writer.join()
    assert written, "the writer never ran alongside the backups"
    for copy in copies:
        assert mode(copy) == 0o600
        assert backup.verify(copy) == migrations.SCHEMA_VERSION
        with closing(sqlite3.connect(copy)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # consistent snapshot: every note in the copy has its audit row
            assert (
                conn.execute(
                    "SELECT count(*) FROM note n WHERE NOT EXISTS (SELECT 1 FROM audit_event a "
                    "WHERE a.entity='note' AND a.entity_id = CAST(n.id AS TEXT))"
                    " AND n.text='busy'"
                ).fetchone()[0]
                == 0
            )
    assert note_count(copies[-1]) >= note_count(copies[0])


def test_cli_backup_goes_to_the_backups_folder_by_default(demo_path, capsys):
    assert main(["--db", str(demo_path), "backup"]) == 0
    made = list(config.backups_dir().glob("*.db"))
    assert len(made) == 1 and mode(made[0]) == 0o600
    assert str(made[0]) in capsys.readouterr().out
    assert note_count(made[0]) == note_count(demo_path)


def test_backup_refuses_to_overwrite_its_source(demo_path):
    with pytest.raises(DatabaseError):
        backup.backup_file(demo_path, demo_path)


def test_automatic_backups_once_a_day_keeping_the_newest_n(demo_path, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for offset in range(5):
        assert backup.auto_backup(demo_path, folder, keep=3, today=TODAY + timedelta(days=offset)) is not None
        assert backup.auto_backup(demo_path, folder, keep=3, today=TODAY + timedelta(days=offset)) is None
    kept = backup.auto_backups(folder, demo_path)
    assert [p.name.split("-auto-")[1][:8] for p in kept] == [f"{TODAY + timedelta(days=d):%Y%m%d}" for d in (2, 3, 4)]
    assert all(mode(p) == 0o600 for p in kept)


def test_app_start_takes_the_daily_backup_with_the_configured_count(demo_path, demo_db):
    with demo_db.transaction() as session:
        settings.set_value(session, "backup_count", "2")
    for _ in range(2):
        app = make_app(str(demo_path), today=TODAY, auto_backup=True)
        app.database.dispose()
    made = backup.auto_backups(config.backups_dir(), demo_path)
    assert len(made) == 1  # at most once a day
    for offset in (1, 2, 3):
        backup.auto_backup(demo_path, config.backups_dir(), keep=2, today=date.today() + timedelta(days=offset))
    assert len(backup.auto_backups(config.backups_dir(), demo_path)) == 2


def test_restore_verifies_then_replaces_and_keeps_the_replaced_file(demo_path, tmp_path, capsys):
    good = backup.backup_file(demo_path, tmp_path / "good.db")
    database = open_database(str(demo_path), worker="w")
    with database.transaction() as session:
        notes.add_note(
            session, open_case_id(session), occurred_on=TODAY, kind="note", text="after the backup", today=TODAY
        )
    database.dispose()
    before = note_count(demo_path)
    assert main(["--db", str(demo_path), "restore", str(good)]) == 0
    assert note_count(demo_path) == before - 1
    kept = list(config.backups_dir().glob("*before-restore*.db"))
    assert len(kept) == 1 and note_count(kept[0]) == before and mode(kept[0]) == 0o600
    assert mode(demo_path) == 0o600
    open_database(str(demo_path)).dispose()


@pytest.mark.parametrize("damage", ["corrupt", "not_casetui", "newer", "not_sqlite", "missing"])
def test_restore_refuses_a_bad_backup_and_changes_nothing(demo_path, tmp_path, damage, capsys):
    bad = tmp_path / "bad.db"
    if damage == "corrupt":
        backup.backup_file(demo_path, bad)
        data = bytearray(bad.read_bytes())
        data[4096 * 3 : 4096 * 6] = os.urandom(4096 * 3)
        bad.write_bytes(bytes(data))
    elif damage == "not_casetui":
        with closing(sqlite3.connect(bad)) as conn:
            conn.execute("CREATE TABLE recipes (name TEXT)")
            conn.commit()
    elif damage == "newer":
        backup.backup_file(demo_path, bad)
        with closing(sqlite3.connect(bad)) as conn:
            conn.execute("UPDATE casetui_meta SET value='999' WHERE key='schema_version'")
            conn.commit()
    elif damage == "not_sqlite":
        bad.write_text("not a database at all\n" * 100)
    before = digest(demo_path)
    assert main(["--db", str(demo_path), "restore", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert digest(demo_path) == before
    assert not list(config.backups_dir().glob("*before-restore*"))


def test_a_backup_is_one_file_and_checking_it_leaves_nothing_beside_it(demo_path, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    made = backup.backup_file(demo_path, folder)
    assert backup.verify(made) == migrations.SCHEMA_VERSION
    assert [p.name for p in folder.iterdir()] == [made.name]  # no -wal, -shm or temporary file


def test_backup_of_a_missing_or_empty_file_says_so_and_creates_nothing(tmp_path, capsys):
    for made in ("missing", "empty"):
        path = tmp_path / f"{made}.db"
        if made == "empty":
            path.touch()
        assert main(["--db", str(path), "backup", str(tmp_path)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and ("does not exist" if made == "missing" else "is empty") in err
    assert [p.name for p in tmp_path.iterdir()] == ["empty.db"]


# --- whole-file swaps and the processes that have the file open (issue 14) -----------------


def test_restore_is_refused_while_casetui_has_the_file_open(demo_path, tmp_path, capsys):
    good = backup.backup_file(demo_path, tmp_path / "good.db")
    database = open_database(str(demo_path), worker="w")  # as an open app holds it
    before = digest(demo_path)
    assert main(["--db", str(demo_path), "restore", str(good)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has" in err and "open: close it, then run restore again" in err, err
    assert digest(demo_path) == before
    assert not list(config.backups_dir().glob("*before-restore*"))
    database.dispose()  # closed: now it may
    assert main(["--db", str(demo_path), "restore", str(good)]) == 0


def test_restore_is_refused_while_another_program_has_the_file_open(demo_path, tmp_path, capsys):
    good = backup.backup_file(demo_path, tmp_path / "good.db")
    read_fd, write_fd = os.pipe()  # the child says it has the file open
    hold_fd, release_fd = os.pipe()  # the child holds it until the parent lets go
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child: the sqlite3 shell or a database browser, holding it open
        try:
            conn = sqlite3.connect(demo_path)
            conn.execute("SELECT count(*) FROM note").fetchone()
            os.write(write_fd, b"open\n")
            os.read(hold_fd, 1)
        finally:
            os._exit(0)
    try:
        os.close(write_fd)
        os.close(hold_fd)
        assert os.read(read_fd, 5) == b"open\n"
        assert main(["--db", str(demo_path), "restore", str(good)]) == 1
        assert "open: close it, then run restore again" in capsys.readouterr().err
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(read_fd)
        os.close(release_fd)


def test_an_interrupted_backup_leaves_nothing_after_the_next_one(demo_path):
    folder = config.backups_dir()
    leftover = folder / f".{demo_path.stem}-20260101-120000.db.partial"  # as a killed backup leaves it
    backup.backup_file(demo_path, leftover)
    leftover.rename(folder / leftover.name)
    (folder / f"{leftover.name}-journal").write_bytes(b"x")
    assert main(["--db", str(demo_path), "backup"]) == 0
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
    assert len(list(folder.glob("*.db"))) == 1


def test_a_killed_swap_leaves_nothing_beside_the_file_after_the_next_open(demo_path):
    leftover = demo_path.with_name(f".{demo_path.name}.partial")
    shutil.copyfile(demo_path, leftover)  # a plaintext copy half-way through a restore
    migration = demo_path.with_name(f".{demo_path.name}.schema3-20260101-120000.bak.partial")
    shutil.copyfile(demo_path, migration)
    database = open_database(str(demo_path))
    assert not leftover.exists() and not migration.exists()
    second = open_database(str(demo_path))  # a second window: nothing to sweep, and no waiting
    second.dispose()
    database.dispose()


def test_temporary_files_are_owner_only_and_removed_on_failure(demo_path, tmp_path, monkeypatch):
    seen = []
    real = backup.crypto.backup_into

    def failing(source, dest, passphrase=None):
        seen.append((dest, mode(dest)))
        real(source, dest, passphrase)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup.crypto, "backup_into", failing)
    with pytest.raises(DatabaseError, match="No backup was made"):  # the source named, never the temporary
        backup.backup_file(demo_path, tmp_path / "out.db")
    [(temporary, temporary_mode)] = seen
    assert temporary.parent == tmp_path and temporary_mode == 0o600
    # Nothing but the source (with SQLite's own -wal and -shm) and its lock file.
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(demo_path.name)] == []


def test_copy_accepts_what_an_interrupted_copy_left_and_then_succeeds(demo_path, tmp_path, capsys):
    for leftover in ("zero-bytes", "schema-only"):
        dest = tmp_path / f"{leftover}.db"
        if leftover == "zero-bytes":
            dest.touch()
        else:  # created, and killed before any row was copied
            open_database(str(dest), worker="copy").dispose()
        assert main(["copy", str(demo_path), str(dest)]) == 0, capsys.readouterr().err
        assert note_count(dest) == note_count(demo_path)
        assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
    assert main(["copy", str(demo_path), str(dest)]) == 1  # now it holds data: refused
    assert "already holds casetui data" in capsys.readouterr().err
