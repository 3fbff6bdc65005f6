"""Opening, creating, refusing and migrating database files (real SQLite files)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from casetui import config
from casetui.data.domain.errors import DatabaseError
from casetui.data.storage import files, migrations
from casetui.data.storage import sqlcipher as crypto
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


# --- DDL in real transactions: a failure at any step leaves the file as it was ------------


def _version_one_file(path: Path) -> Path:
    """A casetui file as version one wrote it, with one synthetic client and an audit row."""
    with closing(sqlite3.connect(path)) as conn, conn:
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
        conn.execute("PRAGMA journal_mode = WAL")
    return path


def _version_of(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT value FROM casetui_meta WHERE key = 'schema_version'").fetchone()[0]


def _columns(path: Path, table: str) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}


def _fail_at_step(monkeypatch, version: int) -> None:
    def step_fails(conn):
        raise RuntimeError(f"synthetic failure in step {version}")

    monkeypatch.setitem(migrations.STEPS, version, step_fails)


def test_a_migration_failing_after_an_alter_table_leaves_the_old_file(tmp_path, db_path, monkeypatch):
    old = _version_one_file(tmp_path / "old.db")
    _fail_at_step(monkeypatch, 4)  # step 3 (ALTER TABLE instrument_score ADD COLUMN) has run by then
    with pytest.raises(DatabaseError):
        open_database(str(old))
    # Before DDL ran in a transaction, step 3's column stayed: every later open said "duplicate column".
    assert _version_of(old) == "1"
    assert "difficulty" not in _columns(old, "instrument_score")
    monkeypatch.undo()
    database = open_database(str(old))
    assert database.schema_version() == migrations.SCHEMA_VERSION
    database.dispose()
    assert _schema(old) == _schema(db_path)


def test_a_failed_first_creation_leaves_a_file_that_is_created_next_time(tmp_path, db_path, monkeypatch):
    from casetui.data.storage import db_objects

    def install_fails(conn):
        raise RuntimeError("synthetic failure after the tables were created")

    monkeypatch.setattr(db_objects, "install", install_fails)
    new = tmp_path / "new.db"
    with pytest.raises(DatabaseError):
        open_database(str(new))
    assert files.inspect(new).new, files.inspect(new).message
    monkeypatch.undo()
    database = open_database(str(new))
    assert database.created and database.schema_version() == migrations.SCHEMA_VERSION
    database.dispose()
    assert _schema(new) == _schema(db_path)


def _half_created(path: Path, source: Path) -> Path:
    """What an older casetui left when killed after creating its tables, before stamping them."""
    shutil.copy(source, path)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("DELETE FROM casetui_meta")
    return path


def test_a_file_half_created_by_an_older_casetui_is_finished(tmp_path, db_path):
    half = _half_created(tmp_path / "half.db", db_path)
    assert files.inspect(half).new, files.inspect(half).message
    database = open_database(str(half))
    assert database.schema_version() == migrations.SCHEMA_VERSION
    database.dispose()
    assert _schema(half) == _schema(db_path)


def test_a_file_half_created_with_version_one_tables_is_finished(tmp_path, db_path):
    half = tmp_path / "half1.db"
    statements = BASELINE.read_text().split(";")
    with closing(sqlite3.connect(half)) as conn:
        for statement in statements[: len(statements) // 2]:  # killed halfway through the tables
            conn.execute(statement)
    database = open_database(str(half))
    database.dispose()
    assert _schema(half) == _schema(db_path)  # the old shape is not kept: instrument_score has difficulty


def test_a_file_with_casetui_tables_and_rows_but_no_stamp_is_still_refused(tmp_path, db_path):
    odd = _half_created(tmp_path / "odd.db", db_path)
    with closing(sqlite3.connect(odd)) as conn, conn:
        conn.execute("INSERT INTO setting VALUES ('someone', 'wrote this')")
    before = digest(odd)
    with pytest.raises(DatabaseError, match="not a casetui database"):
        open_database(str(odd))
    assert digest(odd) == before


def test_another_programs_empty_tables_are_still_refused(tmp_path):
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE client (id INTEGER)")  # one name alike, one not
        conn.execute("CREATE TABLE recipes (name TEXT)")
    before = digest(other)
    with pytest.raises(DatabaseError, match="not a casetui database"):
        open_database(str(other))
    assert digest(other) == before


def test_the_half_created_check_knows_every_casetui_table(db_path):
    from sqlmodel import SQLModel

    with closing(sqlite3.connect(db_path)) as conn:
        made = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    baseline = set(re.findall(r"CREATE TABLE (\w+)", BASELINE.read_text()))
    assert made | baseline | set(SQLModel.metadata.tables) <= files.CASETUI_TABLES | files.SEARCH_TABLES
    assert set(SQLModel.metadata.tables) | baseline == files.CASETUI_TABLES  # no name of another program's


# --- migration backups --------------------------------------------------------------------


def test_repeated_failed_migrations_keep_one_backup(tmp_path, monkeypatch):
    old = _version_one_file(tmp_path / "old.db")
    _fail_at_step(monkeypatch, 3)
    for _attempt in range(3):
        with pytest.raises(DatabaseError, match=r"old\.db\.schema1-"):  # the message names the copy
            open_database(str(old))
    assert len(list(tmp_path.glob("old.db.schema1-*.bak"))) == 1
    monkeypatch.undo()
    open_database(str(old)).dispose()
    backups = list(tmp_path.glob("*.bak"))
    assert len(backups) == 1 and backups[0].name.startswith("old.db.schema1-")


def test_a_file_changed_since_its_backup_gets_a_new_one(tmp_path, monkeypatch):
    old = _version_one_file(tmp_path / "old.db")
    _fail_at_step(monkeypatch, 3)
    with pytest.raises(DatabaseError):
        open_database(str(old))
    with closing(sqlite3.connect(old)) as conn, conn:  # an older casetui kept writing to it meanwhile
        conn.execute("INSERT INTO setting VALUES ('written', 'by version one')")
    monkeypatch.undo()
    open_database(str(old)).dispose()
    (backup,) = tmp_path.glob("old.db.schema1-*.bak")  # one per schema version: the newest
    with closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("SELECT value FROM setting WHERE key = 'written'").fetchone() == ("by version one",)


def test_migration_backups_are_rotated(tmp_path, monkeypatch):
    from casetui.data.storage import database as database_module

    old = _version_one_file(tmp_path / "old.db")
    leftovers = ["old.db.schema1-20240101-120000.bak", "old.db.schema2-aaaa.bak", "old.db.schema3-bbbb.bak"]
    for age, name in enumerate(leftovers):
        (tmp_path / name).write_bytes(b"an earlier copy")
        os.utime(tmp_path / name, (1_700_000_000 + age, 1_700_000_000 + age))
    (tmp_path / "other.db.schema1-cccc.bak").write_bytes(b"another database's copy")
    monkeypatch.setattr(database_module, "MIGRATION_BACKUPS_KEPT", 2)
    open_database(str(old)).dispose()
    kept = sorted(p.name for p in tmp_path.glob("*.bak"))
    assert len(kept) == 3 and "old.db.schema3-bbbb.bak" in kept and "other.db.schema1-cccc.bak" in kept
    assert [name for name in kept if name.startswith("old.db.schema1-")] != [leftovers[0]]


@pytest.mark.skipif(not crypto.available(), reason="sqlcipher3 is not installed: no encrypted file to migrate")
def test_the_migration_backup_of_an_encrypted_file_is_encrypted(tmp_path):
    from casetui.data.storage import backup

    old = _version_one_file(tmp_path / "old.db")
    backup.encrypt_file(old, "synthetic passphrase")
    open_database(str(old), passphrase="synthetic passphrase").dispose()
    (copy,) = tmp_path.glob("old.db.schema1-*.bak")
    assert crypto.is_encrypted(copy) and b"Sampleton" not in copy.read_bytes()
    assert files.inspect(copy, "synthetic passphrase").version == 1


# --- ordinary work under the new transactions --------------------------------------------


def test_ddl_in_a_failed_transaction_is_rolled_back(db_path):
    database = open_database(str(db_path))
    with pytest.raises(RuntimeError), database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE scratch (n INTEGER)"))
        raise RuntimeError("the step after it failed")
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'")).scalar() == 0
    database.dispose()


def test_a_reader_never_waits_for_a_writer(db_path):
    writer, reader = open_database(str(db_path), worker="w"), open_database(str(db_path), worker="r")
    try:
        with writer.transaction() as session:
            session.exec(text("INSERT INTO setting VALUES ('pending', 'x')"))  # holds the write lock
            with reader.transaction() as read:  # WAL: reads the last commit at once, no busy wait
                assert read.exec(text("SELECT count(*) FROM setting WHERE key = 'pending'")).one()[0] == 0
    finally:
        writer.dispose()
        reader.dispose()


def test_read_then_write_succeeds_after_another_commit(db_path):
    first, second = open_database(str(db_path), worker="a"), open_database(str(db_path), worker="b")
    try:
        with first.transaction() as session:
            session.exec(text("SELECT count(*) FROM setting")).one()
            with second.transaction() as other:  # commits between the first's read and its write
                other.exec(text("INSERT INTO setting VALUES ('second', 'x')"))
            session.exec(text("INSERT INTO setting VALUES ('first', 'y')"))
        with first.transaction() as session:
            assert session.exec(text("SELECT count(*) FROM setting WHERE key IN ('first', 'second')")).one()[0] == 2
    finally:
        first.dispose()
        second.dispose()


def test_a_new_file_cut_short_in_its_switch_to_wal_is_created(tmp_path, db_path):
    """A kill while a new file switched to WAL (a write of its own, with a rollback journal) left
    its first page and a hot journal: a read-only look cannot roll it back, and said "damaged"."""
    new = tmp_path / "new.db"
    with closing(sqlite3.connect(new)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")  # the page as the cut-short write left it
    journal = bytes.fromhex("d9d505f920a163d7") + (0).to_bytes(4, "big") + bytes.fromhex("6aac15fb")
    journal += (0).to_bytes(4, "big") + (512).to_bytes(4, "big") + (4096).to_bytes(4, "big")
    Path(f"{new}-journal").write_bytes(journal.ljust(512, b"\0"))  # the database was 0 pages before it
    assert files.inspect(new).new, files.inspect(new).message
    database = open_database(str(new))
    assert database.created and database.schema_version() == migrations.SCHEMA_VERSION
    database.dispose()
    assert _schema(new) == _schema(db_path)
    assert not Path(f"{new}-journal").exists()


def _at_once(count: int, work) -> list:
    """Run ``work`` in ``count`` threads released together; their results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as exc:  # reported below, with the others'
            results[index] = exc

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _open_and_write(path: Path, index: int) -> str:
    database = open_database(str(path), worker=f"w{index}")
    try:
        with database.transaction() as session:
            session.exec(text("INSERT INTO setting VALUES (:k, 'x')").bindparams(k=f"w{index}"))
    finally:
        database.dispose()
    return "ok"


@pytest.mark.parametrize("kind", ["creation", "migration"])
def test_two_casetuis_creating_or_migrating_one_file_at_once_both_keep_their_writes(tmp_path, kind):
    for round_ in range(4):
        path = tmp_path / f"{kind}{round_}.db"
        if kind == "migration":
            _version_one_file(path)
        assert _at_once(2, lambda index, path=path: _open_and_write(path, index)) == ["ok", "ok"]
        with closing(sqlite3.connect(path)) as conn:
            assert {row[0] for row in conn.execute("SELECT key FROM setting")} == {"w0", "w1"}
        assert len(list(tmp_path.glob(f"{path.name}.schema*.bak"))) == (kind == "migration")
