"""Copy a whole casetui database into an empty one: SQLite to PostgreSQL, or back, or alike.

Tables are copied parents first (foreign-key order), in one transaction on the destination.
Before that transaction commits, every table is read back from the destination and compared
with the source by row count and by a checksum of its values, so a copy that does not match
is rolled back and leaves the destination as empty as it was. The source is read in one
snapshot, so a copy taken while someone works is consistent. Nothing is printed or logged
about the rows themselves: the result holds table names, counts and checksums only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Integer, Table, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url
from sqlmodel import SQLModel

from casetui.data.domain.errors import DatabaseError
from casetui.data.storage import (
    file_lock,
    files,
    models,  # noqa: F401  (registers every table)
)
from casetui.data.storage.database import Database, open_database

BATCH_ROWS = 1000
META_TABLE = "casetui_meta"
STAMP_KEYS = ("application", "schema_version")  # written by the destination when it was created


@dataclass(frozen=True)
class TableCopy:
    """One table's copy: rows read from the source and found in the destination, and checksums."""

    table: str
    source_rows: int
    dest_rows: int
    source_checksum: str
    dest_checksum: str

    @property
    def verified(self) -> bool:
        return self.source_rows == self.dest_rows and self.source_checksum == self.dest_checksum


def tables_in_copy_order() -> list[Table]:
    """Every casetui table, each after the tables its foreign keys point to."""
    return list(SQLModel.metadata.sorted_tables)


def _canonical(value) -> str:
    """One spelling of a value whichever database it came back from."""
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


class _Checksum:
    """Order-independent: the two databases may sort text keys differently."""

    def __init__(self):
        self.rows = 0
        self.total = 0

    def add(self, row) -> None:
        line = "\x1f".join(_canonical(value) for value in row)
        self.total = (self.total + int.from_bytes(hashlib.sha256(line.encode()).digest(), "big")) % (1 << 256)
        self.rows += 1

    @property
    def hexdigest(self) -> str:
        return f"{self.total:064x}"


def _rows(conn: Connection, table: Table):
    query = select(table)
    if table.name == META_TABLE:
        query = query.where(table.c.key.not_in(STAMP_KEYS))
    return conn.execute(query.order_by(*table.primary_key.columns), execution_options={"yield_per": BATCH_ROWS})


def _checksum(conn: Connection, table: Table) -> _Checksum:
    checksum = _Checksum()
    for row in _rows(conn, table):
        checksum.add(row)
    return checksum


def _require_empty(conn: Connection, where: str) -> None:
    for table in tables_in_copy_order():
        query = select(func.count()).select_from(table)
        if table.name == META_TABLE:
            query = query.where(table.c.key.not_in(STAMP_KEYS))
        if conn.execute(query).scalar_one():
            raise DatabaseError(
                f"{where} already holds casetui data (table {table.name}). Copy only into a new, "
                "empty database; nothing was changed."
            )


def _require_no_rows(conn, where: str) -> None:
    """``_require_empty`` for a file read with the standard library (its exclusive lock is held)."""
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in (table.name for table in tables_in_copy_order() if table.name in present):
        query = f'SELECT count(*) FROM "{table}"'
        if table == META_TABLE:
            query += " WHERE key NOT IN ('application', 'schema_version')"
        if conn.execute(query).fetchone()[0]:
            raise DatabaseError(
                f"{where} already holds casetui data (table {table}). Copy only into a new, "
                "empty database; nothing was changed."
            )


def describe(database: Database) -> str:
    """The database named for people: its file, or its URL without the password."""
    return str(database.path) if database.path else make_url(database.url).render_as_string(hide_password=True)


def _snapshot(conn: Connection) -> Connection:
    """Read every table as of one moment, even while others write."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")  # the driver would otherwise read each table separately
        return conn
    return conn.execution_options(isolation_level="REPEATABLE READ")


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL hands out ids from sequences: start them after the copied rows."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and isinstance(keys[0].type, Integer) and keys[0].autoincrement in (True, "auto"):
            column = keys[0].name
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f"COALESCE((SELECT MAX({column}) FROM {table.name}), 0) + 1, false)"
                ),
                {"table": table.name, "column": column},
            )


def copy_database(source: Database, dest: Database) -> list[TableCopy]:
    """Copy every row of ``source`` into the empty ``dest``; return per-table counts and checksums.

    Raises ``DatabaseError`` (and writes nothing) when ``dest`` already holds data, is the
    source itself, or when any table fails to verify.
    """
    if source.url == dest.url or (source.path is not None and source.path == dest.path):
        raise DatabaseError("The source and the destination are the same database; nothing was copied.")
    if source.schema_version() != dest.schema_version():
        raise DatabaseError("The two databases have different casetui schemas; open both with this casetui first.")
    tables = tables_in_copy_order()
    results: list[TableCopy] = []
    with source.engine.connect() as src, dest.engine.connect() as dst:
        src = _snapshot(src)
        with dst.begin():
            _require_empty(dst, describe(dest))
            source_sums = {}
            for table in tables:
                checksum = _Checksum()
                batch: list[dict] = []
                for row in _rows(src, table):
                    checksum.add(row)
                    batch.append(dict(row._mapping))
                    if len(batch) >= BATCH_ROWS:
                        dst.execute(table.insert(), batch)
                        batch = []
                if batch:
                    dst.execute(table.insert(), batch)
                source_sums[table.name] = checksum
            _reset_sequences(dst, tables)
            for table in tables:  # read back inside the transaction: a mismatch rolls it all back
                copied, found = source_sums[table.name], _checksum(dst, table)
                results.append(TableCopy(table.name, copied.rows, found.rows, copied.hexdigest, found.hexdigest))
            failed = [result.table for result in results if not result.verified]
            if failed:
                raise DatabaseError(f"The copy did not verify (tables: {', '.join(failed)}); nothing was written.")
        src.rollback()
    return results


def copy_to_file(source: Database, dest: Path) -> list[TableCopy]:
    """``copy_database`` into the SQLite file ``dest``: a new file, an empty one, or a casetui
    file holding no data (what an interrupted copy or creation leaves).

    The copy is made in a temporary file beside ``dest`` and renamed onto it only once it has
    verified, under ``dest``'s exclusive lock: a copy killed half-way leaves ``dest`` as it was
    (the temporary file is removed by the next copy or open), so the same command can simply be
    run again.
    """
    dest = Path(dest).expanduser()
    if source.path is not None and source.path.resolve() == dest.resolve():
        raise DatabaseError("The source and the destination are the same database; nothing was copied.")
    with file_lock.exclusive(dest, "copy"):
        state = files.inspect(dest)
        if not state.new:
            state.require()  # a folder, another program's file, a damaged one: named, untouched
            with files.reading(dest) as (_state, conn):
                _require_no_rows(conn, str(dest))
        with files.replacing(dest) as temporary:
            copy = open_database(str(temporary), worker="copy", create=True)
            try:
                results = copy_database(source, copy)
                with copy.engine.connect() as conn:  # one self-contained file before the rename
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                copy.dispose()
                file_lock.lock_file_of(temporary).unlink(missing_ok=True)
    return results


def verify_same(first: Database, second: Database) -> list[TableCopy]:
    """Counts and checksums of every table in two databases, side by side (for checks and tests)."""
    results = []
    with first.engine.connect() as one, second.engine.connect() as two:
        for table in tables_in_copy_order():
            a, b = _checksum(one, table), _checksum(two, table)
            results.append(TableCopy(table.name, a.rows, b.rows, a.hexdigest, b.hexdigest))
    return results
