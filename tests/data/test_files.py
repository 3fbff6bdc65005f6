"""The one file inspection (every state, one message each, nothing written) and the owner-only
atomic writer, on real files."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from casetui.data.domain.errors import DatabaseError
from casetui.data.storage import files, migrations
from casetui.data.storage import sqlcipher as crypto
from casetui.data.storage.files import Kind

BASELINE = Path(migrations.__file__).parent / "v0001_baseline.sql"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file in the folder with a digest of its bytes: what an inspection must not change.
    SQLite's own -wal and -shm beside a WAL file are left out: any reader opens them (the WAL
    stays empty, as the assertion checks)."""
    sidecars = [p for p in folder.iterdir() if p.name.endswith(("-wal", "-shm"))]
    assert all(p.stat().st_size == 0 for p in sidecars if p.name.endswith("-wal"))
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.iterdir()
        if p.is_file() and p not in sidecars
    }


def names_in(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT last_name FROM client")]


def set_version(path: Path, version: str) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE casetui_meta SET value = ? WHERE key = 'schema_version'", (version,))
        conn.commit()


def make(kind: str, folder: Path, demo_path: Path) -> Path:
    """A file in the state ``kind``, in ``folder``."""
    path = folder / f"{kind}.db"
    if kind in ("current", "older", "newer", "no version", "damaged"):
        shutil.copy(demo_path, path)
    if kind == "older":
        set_version(path, "3")
    elif kind == "newer":
        set_version(path, str(files.SCHEMA_VERSION + 1))
    elif kind == "no version":
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("DELETE FROM casetui_meta WHERE key = 'schema_version'")
            conn.commit()
    elif kind == "damaged":
        data = bytearray(path.read_bytes())
        data[100:4096] = b"\xff" * 3996  # the schema page, header kept
        path.write_bytes(bytes(data))
    elif kind == "empty":
        path.touch()
    elif kind == "folder":
        path.mkdir()
    elif kind == "text":
        path.write_text("Dear diary, this is not a database.\n" * 20)
    elif kind == "other program":
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("CREATE TABLE recipes (name TEXT)")
            conn.execute("INSERT INTO recipes VALUES ('soup')")
            conn.commit()
    elif kind == "version one":
        with closing(sqlite3.connect(path)) as conn:
            conn.executescript(BASELINE.read_text())
            conn.execute("INSERT INTO casetui_meta VALUES ('application', 'casetui'), ('schema_version', '1')")
            conn.commit()
    return path


STATES = {
    "current": (Kind.CURRENT, "is a casetui database"),
    "older": (Kind.OLDER, "older schema (3); opening it upgrades it"),
    "version one": (Kind.OLDER, "older schema (1)"),
    "newer": (Kind.NEWER, f"newer casetui (schema {files.SCHEMA_VERSION + 1}; this one knows up to"),
    "no version": (Kind.DAMAGED, "no readable casetui schema version"),
    "damaged": (Kind.DAMAGED, "is damaged and cannot be read"),
    "missing": (Kind.MISSING, "does not exist. Check the path; nothing was created."),
    "empty": (Kind.EMPTY, "is empty: it holds no casetui data"),
    "folder": (Kind.FOLDER, "is a folder, not a database file"),
    "text": (Kind.FOREIGN, "is not a casetui database (it is not an SQLite file)"),
    "other program": (Kind.FOREIGN, "is not a casetui database (it holds another program's tables)"),
}


@pytest.mark.parametrize("kind", list(STATES))
def test_each_state_has_its_own_message_and_nothing_is_written(kind, demo_path, tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    path = make(kind, folder, demo_path)
    before = snapshot(folder)
    state = files.inspect(path)
    expected_kind, words = STATES[kind]
    assert state.kind == expected_kind and words in state.message, state.message
    assert str(path) in state.message and state.message.count("\n") == 0
    assert snapshot(folder) == before  # not a byte changed, nothing created beside it
    assert not any(name in state.message for name in names_in(demo_path))
    if state.usable:
        assert state.require() is state
    else:
        with pytest.raises(DatabaseError, match="^" + str(path).replace(".", r"\.")):
            state.require()


def test_only_what_holds_nothing_may_be_made_new(demo_path, tmp_path):
    new = {kind for kind in STATES if files.inspect(make(kind, tmp_path, demo_path)).new}
    assert new == {"missing", "empty"}
    assert files.inspect(tmp_path / "missing.db").require(create=True).kind == Kind.MISSING
    with pytest.raises(DatabaseError, match="does not exist"):
        files.inspect(tmp_path / "missing.db").require()


def test_a_missing_folder_is_named(tmp_path):
    state = files.inspect(tmp_path / "nowhere" / "casetui.db")
    assert state.kind == Kind.MISSING and f"the folder {tmp_path / 'nowhere'} does not exist" in state.message


def test_the_integrity_check_finds_a_damaged_data_page(demo_path):
    with closing(sqlite3.connect(demo_path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'note'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(demo_path.read_bytes())
    data[(root - 1) * page_size : root * page_size] = b"\x07" * page_size
    demo_path.write_bytes(bytes(data))
    assert files.inspect(demo_path).kind == Kind.CURRENT  # the quick look reads the schema only
    state = files.inspect(demo_path, integrity=True)
    assert state.kind == Kind.DAMAGED and "is damaged" in state.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes whatever the permissions say")
def test_unreadable_and_read_only_files(demo_path, tmp_path):
    os.chmod(demo_path, 0o400)
    assert files.inspect(demo_path).kind == Kind.READ_ONLY
    assert files.inspect(demo_path).require(read=True).version == files.SCHEMA_VERSION
    with pytest.raises(DatabaseError, match="read-only"):
        files.inspect(demo_path).require()
    os.chmod(demo_path, 0o000)
    assert files.inspect(demo_path).kind == Kind.UNREADABLE


@pytest.mark.skipif(not crypto.available(), reason="sqlcipher3 is not installed")
def test_an_encrypted_file_needs_its_passphrase(demo_path):
    from casetui.data.storage import backup

    backup.encrypt_file(demo_path, "correct horse battery")
    before = snapshot(demo_path.parent)
    missing = files.inspect(demo_path)
    assert missing.kind == Kind.ENCRYPTED and "give its passphrase (CASETUI_PASSPHRASE)" in missing.message
    wrong = files.inspect(demo_path, "not it at all")
    assert wrong.kind == Kind.WRONG_PASSPHRASE and "Wrong passphrase" in wrong.message
    right = files.inspect(demo_path, "correct horse battery", integrity=True)
    assert right.kind == Kind.CURRENT and right.encrypted
    assert snapshot(demo_path.parent) == before


def test_a_server_database_is_judged_by_the_same_rules():
    assert files.state_of("server", set(), {}).new
    assert files.state_of("server", {"recipes"}, {}).kind == Kind.FOREIGN
    newer = {"application": "casetui", "schema_version": str(files.SCHEMA_VERSION + 1)}
    assert files.state_of("server", {"casetui_meta"}, newer).kind == Kind.NEWER


def test_the_migrations_reach_the_schema_the_inspection_knows():
    assert max(migrations.STEPS) == migrations.SCHEMA_VERSION == files.SCHEMA_VERSION


def test_private_write_is_owner_only_and_whole(tmp_path, monkeypatch):
    os.umask(0o022)  # a loose umask: the file is owner-only all the same
    try:
        target = files.private_write(tmp_path / "export.json", "{}\n")
    finally:
        os.umask(0o077)
    assert target.read_text() == "{}\n" and os.stat(target).st_mode & 0o777 == 0o600
    assert files.private_write(target, b"second") and target.read_bytes() == b"second"

    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        files.private_write(target, "third, never whole")
    assert target.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]  # no temporary file left behind


def test_replacing_leaves_the_target_alone_when_the_block_fails(tmp_path):
    target = tmp_path / "backup.db"
    target.write_bytes(b"the old backup")
    with pytest.raises(RuntimeError), files.replacing(target) as temporary:
        assert temporary.parent == tmp_path and os.stat(temporary).st_mode & 0o777 == 0o600
        temporary.write_bytes(b"half")
        raise RuntimeError("the check failed")
    assert target.read_bytes() == b"the old backup" and [p.name for p in tmp_path.iterdir()] == ["backup.db"]
