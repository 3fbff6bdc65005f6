"""Opening a casetui database: an SQLite file by default, or any SQLAlchemy URL.

``open_database`` checks what it is given before it writes anything: a file that is not
SQLite, a corrupt file, an SQLite file of another program or one written by a newer casetui is
refused with a ``DatabaseError`` and left untouched. An older casetui file is backed up and
migrated; a new one is created owner-only (0600).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlmodel import Session, SQLModel

from casetui.data import db_objects, migrations
from casetui.data import models  # noqa: F401  (registers every table on SQLModel.metadata)
from casetui.data.errors import DatabaseError

APP_ID = "casetui"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000


class Database:
    """An open, checked, current database: an engine plus the name used for audit rows."""

    def __init__(self, engine: Engine, url: str, worker: str, path: Path | None):
        self.engine = engine
        self.url = url
        self.worker = worker
        self.path = path  # the file, for SQLite; None for a server

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        """A new session; every service writes in one transaction and commits it itself."""
        session = Session(self.engine, expire_on_commit=False)
        session.info["worker"] = self.worker
        return session

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT value FROM casetui_meta WHERE key='schema_version'")).scalar_one())

    def dispose(self) -> None:
        self.engine.dispose()


def to_url(target: str) -> str:
    """A path becomes an SQLite URL; an SQLAlchemy URL is kept as given."""
    if "://" in target:
        return target
    path = Path(target).expanduser()
    return f"sqlite:///{path.resolve()}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _describe(url: str) -> str:
    """The database named for messages, without any password."""
    path = sqlite_path(url)
    return str(path) if path else make_url(url).render_as_string(hide_password=True)


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    # FULL: an acknowledged write survives a power cut, not only a crash. Writes are few.
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def make_engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        # hide_parameters: error messages must never carry client data into logs or tracebacks.
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


# --- checks before anything is written ---------------------------------------------------


def _inspect_sqlite_file(path: Path) -> tuple[set[str], dict[str, str]]:
    """Table names and casetui_meta of an existing SQLite file, opened read-only."""
    with open(path, "rb") as handle:
        header = handle.read(16)
    if header != SQLITE_HEADER:
        raise DatabaseError(
            f"{path} is not a casetui database (it is not an SQLite file, or it is encrypted). "
            "It was left untouched."
        )
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            meta = {}
            if "casetui_meta" in tables:
                meta = dict(conn.execute("SELECT key, value FROM casetui_meta").fetchall())
            return tables, meta
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc):
            raise DatabaseError(f"{path} is locked by another program. Close it and try again.") from None
        raise DatabaseError(
            f"{path} is damaged and cannot be read ({exc}). It was left untouched; "
            "restore a backup with 'casetui restore FILE'."
        ) from None


def _inspect_server(engine: Engine) -> tuple[set[str], dict[str, str]]:
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        meta = {}
        if "casetui_meta" in tables:
            meta = dict(conn.execute(text("SELECT key, value FROM casetui_meta")).fetchall())
        return tables, meta


def _check_meta(where: str, tables: set[str], meta: dict[str, str]) -> int | None:
    """The schema version of an existing casetui database, or None for an empty one."""
    if not tables:
        return None
    if "casetui_meta" not in tables or meta.get("application") != APP_ID:
        raise DatabaseError(f"{where} is not a casetui database (it holds other tables). It was left untouched.")
    try:
        version = int(meta["schema_version"])
    except (KeyError, ValueError):
        raise DatabaseError(f"{where} has no readable casetui schema version; it was left untouched.") from None
    if version > migrations.SCHEMA_VERSION:
        raise DatabaseError(
            f"{where} was written by a newer casetui (schema {version}; this one knows up to "
            f"{migrations.SCHEMA_VERSION}). Upgrade casetui to open it. It was left untouched."
        )
    return version


# --- create, back up, migrate ------------------------------------------------------------


def _create_private_file(path: Path) -> None:
    if not path.parent.exists():
        raise DatabaseError(f"The folder {path.parent} does not exist.")
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _stamp(conn, version: int) -> None:
    conn.execute(text("DELETE FROM casetui_meta WHERE key IN ('application', 'schema_version')"))
    conn.execute(
        text("INSERT INTO casetui_meta (key, value) VALUES ('application', :app), ('schema_version', :v)"),
        {"app": APP_ID, "v": str(version)},
    )


def create_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        SQLModel.metadata.create_all(conn)
        db_objects.install(conn)
        _stamp(conn, migrations.SCHEMA_VERSION)


def backup_sqlite(source: Path, dest: Path) -> Path:
    """Copy a live SQLite file with the online backup API (consistent even while in use)."""
    fd = os.open(dest, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(dest)) as dst:
        src.backup(dst)
    os.chmod(dest, 0o600)
    return dest


def _migrate(engine: Engine, path: Path | None, from_version: int) -> Path | None:
    backup = None
    if path is not None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = backup_sqlite(path, path.with_name(f"{path.name}.schema{from_version}-{stamp}.bak"))
    with engine.begin() as conn:
        migrations.upgrade(conn, from_version)
        db_objects.install(conn)
        _stamp(conn, migrations.SCHEMA_VERSION)
    return backup


def open_database(target: str, *, worker: str = "unknown", create: bool = True) -> Database:
    """Open (creating or migrating as needed) the database at a path or SQLAlchemy URL."""
    url = to_url(target)
    path = sqlite_path(url)
    where = _describe(url)
    if path is not None:
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file.")
        if path.exists() and path.stat().st_size > 0:
            if not os.access(path, os.R_OK):
                raise DatabaseError(f"{path} cannot be read: check its permissions.")
            tables, meta = _inspect_sqlite_file(path)
            if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
                raise DatabaseError(
                    f"{path} is read-only (or its folder is): casetui needs to write there. Nothing was changed."
                )
        else:
            if not create:
                raise DatabaseError(f"{path} does not exist.")
            tables, meta = set(), {}
            _create_private_file(path)
    engine = make_engine(url)
    try:
        if path is None:
            tables, meta = _inspect_server(engine)
        version = _check_meta(where, tables, meta)
        if version is None:
            create_schema(engine)
        elif version < migrations.SCHEMA_VERSION:
            _migrate(engine, path, version)
    except DatabaseError:
        engine.dispose()
        raise
    except Exception as exc:  # a server that refuses us, a disk that is full, ...
        engine.dispose()
        raise DatabaseError(f"Could not open {where}: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    return Database(engine, url, worker, path)
