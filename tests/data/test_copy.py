"""casetui copy: whole databases between SQLite and PostgreSQL, verified by counts and checksums."""

from __future__ import annotations

import sqlite3

import pytest
from sqlmodel import func, select

from casetui import cli
from casetui.data.domain.errors import DatabaseError
from casetui.data.services import clients
from casetui.data.storage import copy
from casetui.data.storage.database import open_database
from casetui.data.storage.models import AuditEvent, Client, Note

IMPORTANT = {"client", "case_file", "goal", "note", "referral", "service", "organization", "audit_event"}


def assert_identical(first, second) -> None:
    compared = copy.verify_same(first, second)
    assert [c.table for c in compared if not c.verified] == []
    rows = {c.table: c.source_rows for c in compared}
    assert all(rows[table] > 0 for table in IMPORTANT & set(rows)), rows


@pytest.fixture
def demo_source(demo_path):
    database = open_database(str(demo_path), worker="test-worker", create=False)
    yield database
    database.dispose()


@pytest.fixture
def empty_pg(pg_server):
    url = pg_server.create()
    yield url
    pg_server.drop(url)


def test_tables_are_copied_parents_first():
    order = [table.name for table in copy.tables_in_copy_order()]
    for table in copy.tables_in_copy_order():
        for key in table.foreign_keys:
            assert order.index(key.column.table.name) < order.index(table.name), (table.name, key.target_fullname)


def test_sqlite_to_postgresql_and_back_is_identical(demo_source, empty_pg, tmp_path, today):
    on_server = open_database(empty_pg, worker="copy")
    results = copy.copy_database(demo_source, on_server)
    assert all(result.verified for result in results)
    assert {r.table for r in results if r.dest_rows} >= IMPORTANT
    assert_identical(demo_source, on_server)

    back = open_database(str(tmp_path / "back.db"), worker="copy")
    copy.copy_database(on_server, back)
    assert_identical(demo_source, back)

    # The server hands out new ids after the copied ones, and the copy works as a casetui database.
    with on_server.transaction() as session:
        highest = session.exec(select(func.max(Client.id))).one()
        added = clients.create_client(session, {"first_name": "Wren", "last_name": "Afterwood"}, today)
        assert added.id > highest
        assert session.exec(select(AuditEvent).where(AuditEvent.client_id == added.id)).first() is not None
    on_server.dispose()
    back.dispose()


def test_sqlite_to_sqlite_copy_without_a_server(demo_source, tmp_path):
    dest = open_database(str(tmp_path / "copy.db"), worker="copy")
    results = copy.copy_database(demo_source, dest)
    assert sum(r.dest_rows for r in results) == sum(r.source_rows for r in results) > 0
    assert_identical(demo_source, dest)
    dest.dispose()


def test_refuses_a_destination_that_holds_data(demo_source, database, today):
    with database.transaction() as session:
        clients.create_client(session, {"first_name": "Ida", "last_name": "Inplace"}, today)
    with pytest.raises(DatabaseError, match="already holds casetui data"):
        copy.copy_database(demo_source, database)
    with database.transaction() as session:
        assert session.exec(select(func.count()).select_from(Client)).one() == 1
    with pytest.raises(DatabaseError, match="same database"):
        copy.copy_database(demo_source, demo_source)


def test_a_copy_that_does_not_verify_writes_nothing(demo_source, tmp_path):
    """A destination that alters what it is given (here a trigger) fails the checksum."""
    path = tmp_path / "tampered.db"
    dest = open_database(str(path), worker="copy")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TRIGGER garble AFTER INSERT ON note BEGIN UPDATE note SET text = 'changed' WHERE id = NEW.id; END"
        )
    with pytest.raises(DatabaseError, match=r"did not verify \(tables: note\)"):
        copy.copy_database(demo_source, dest)
    with dest.transaction() as session:
        assert session.exec(select(func.count()).select_from(Client)).one() == 0
        assert session.exec(select(func.count()).select_from(Note)).one() == 0
    dest.dispose()


def test_cli_copy_both_ways_prints_counts_but_no_client_details(demo_path, demo_source, empty_pg, tmp_path, capsys):
    with demo_source.transaction() as session:
        names = [c.last_name for c in session.exec(select(Client))]
    assert cli.main(["copy", str(demo_path), empty_pg.replace("postgresql+psycopg://", "postgresql://")]) == 0
    back = tmp_path / "back.db"
    assert cli.main(["copy", empty_pg, str(back)]) == 0
    out = capsys.readouterr().out
    assert out.count("Verified: every table has the same row count and checksum") == 2
    assert not any(name in out for name in names)
    final = open_database(str(back), create=False)
    assert_identical(demo_source, final)
    final.dispose()


def test_cli_copy_refuses_an_existing_file_and_leaves_no_half_copy(demo_path, tmp_path, capsys):
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"keep me")
    assert cli.main(["copy", str(demo_path), str(existing)]) == cli.EXIT_ERROR
    assert existing.read_bytes() == b"keep me"
    assert cli.main(["copy", str(tmp_path / "missing.db"), str(tmp_path / "new.db")]) == cli.EXIT_ERROR
    assert not (tmp_path / "missing.db").exists() and not (tmp_path / "new.db").exists()
    assert "does not exist" in capsys.readouterr().err


def test_cli_copy_into_a_new_file_says_where_it_created_it(demo_path, demo_source, tmp_path, capsys):
    empty = tmp_path / "empty.db"
    empty.touch()  # zero bytes holds nothing: a new database may go there
    for dest in (tmp_path / "new.db", empty):
        assert cli.main(["copy", str(demo_path), str(dest)]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"Created a new casetui database at {dest}\n") and "Verified:" in out
        copied = open_database(str(dest), create=False)
        assert_identical(demo_source, copied)
        copied.dispose()
