"""Opening, creating, refusing and migrating database files (real SQLite files)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from casetui import config
from casetui.data.domain.errors import DatabaseError
from casetui.data.storage import migrations
from casetui.data.storage.database import open_database
from tests.helpers import digest

BASELINE = Path(migrations.__file__).parent / "v0001_baseline.sql"


def test_new_file_is_owner_only_with_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "new.db"
    database = open_database(str(path))
    assert os.stat(path).st_mode & 0o777 == 0o600
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    assert database.schema_version() == migrations.SCHEMA_VERSION
    database.dispose()


def test_default_location_is_private(isolated_home):
    path = config.default_db_path()
    assert str(path).startswith(str(isolated_home))
    assert os.stat(path.parent).st_mode & 0o777 == 0o700
    open_database(str(path)).dispose()
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_db_env_var_and_flag_choose_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("CASETUI_DB", str(tmp_path / "env.db"))
    assert config.resolve_db(None) == str(tmp_path / "env.db")
    assert config.resolve_db(str(tmp_path / "flag.db")) == str(tmp_path / "flag.db")


def test_refuses_a_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("Dear diary, this is not a database.\n" * 20)
    before = digest(path)
    with pytest.raises(DatabaseError, match="not a casetui database"):
        open_database(str(path))
    assert digest(path) == before


def test_refuses_an_sqlite_file_of_another_program(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.execute("INSERT INTO recipes VALUES ('soup')")
    before = digest(path)
    with pytest.raises(DatabaseError, match="not a casetui database"):
        open_database(str(path))
    assert digest(path) == before
    assert not list(tmp_path.glob("*.bak"))


def test_refuses_a_corrupt_file(db_path):
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page, keep the header
    db_path.write_bytes(bytes(data))
    before = digest(db_path)
    with pytest.raises(DatabaseError, match="damaged"):
        open_database(str(db_path))
    assert digest(db_path) == before


def test_refuses_a_file_from_a_newer_casetui(db_path):
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE casetui_meta SET value = ? WHERE key = 'schema_version'", (str(migrations.SCHEMA_VERSION + 1),)
        )
    before = digest(db_path)
    with pytest.raises(DatabaseError, match="newer casetui"):
        open_database(str(db_path))
    assert digest(db_path) == before


def test_refuses_a_folder(tmp_path):
    with pytest.raises(DatabaseError, match="folder"):
        open_database(str(tmp_path))


def _schema(path: Path) -> dict[str, set[str]]:
    """Tables with their columns, plus index and trigger names: the shape to compare."""
    with sqlite3.connect(path) as conn:
        shape: dict[str, set[str]] = {}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"):
            shape[f"table {name}"] = {row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')}
        for kind, name in conn.execute("SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger')"):
            shape.setdefault(kind, set()).add(name)
        return shape


def test_a_version_one_file_is_backed_up_and_migrated(tmp_path, db_path):
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.executescript(BASELINE.read_text())
        conn.execute("INSERT INTO casetui_meta VALUES ('application', 'casetui'), ('schema_version', '1')")
        conn.execute(
            "INSERT INTO client (first_name, last_name, interpreter_needed, veteran, populations, created_at,"
            " updated_at, version) VALUES ('Ada', 'Sampleton', 0, 0, '[]', '2025-01-01', '2025-01-01', 1)"
        )
        conn.execute(
            "INSERT INTO audit_event (at, worker, action, entity, fields) VALUES"
            " ('2025-01-01', 'w', 'create', 'client', '[]')"
        )
    database = open_database(str(old))
    assert database.schema_version() == migrations.SCHEMA_VERSION
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT last_name FROM client")).scalar_one() == "Sampleton"
    database.dispose()
    backups = list(tmp_path.glob("old.db.schema1-*.bak"))
    assert len(backups) == 1 and os.stat(backups[0]).st_mode & 0o777 == 0o600
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT value FROM casetui_meta WHERE key='schema_version'").fetchone() == ("1",)
    # The migrated file has exactly the shape of a file created today.
    assert _schema(old) == _schema(db_path)
    # And version 2's guarantee holds: audit rows cannot be changed.
    with sqlite3.connect(old) as conn, pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
        conn.execute("UPDATE audit_event SET worker = 'someone else'")


def test_audit_rows_cannot_be_deleted(db_path):
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO audit_event (at, worker, action, entity, fields) VALUES"
            " ('2025-01-01', 'w', 'create', 'client', '[]')"
        )
        with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
            conn.execute("DELETE FROM audit_event")
