"""Opening a casetui database: an SQLite file by default, or any SQLAlchemy URL.

``open_database`` checks what it is given before it writes anything (``files.inspect``): a
file that is not SQLite, a damaged file, an SQLite file of another program or one written by a
newer casetui is refused with a ``DatabaseError`` and left untouched. An older casetui file is
backed up and migrated; a new one (only where the caller allows it) is created owner-only (0600).
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlmodel import Session, SQLModel

from casetui.data.domain.errors import DatabaseError
from casetui.data.storage import (
    db_objects,
    file_lock,
    files,
    migrations,
    models,  # noqa: F401  (registers every table on SQLModel.metadata)
)

APP_ID = files.APP_ID
BUSY_TIMEOUT_MS = 5000


class Database:
    """An open, checked, current database: an engine plus the name used for audit rows."""

    def __init__(self, engine: Engine, url: str, worker: str, path: Path | None, encrypted: bool = False):
        self.engine = engine
        self.url = url
        self.worker = worker
        self.path = path  # the file, for SQLite; None for a server
        self.encrypted = encrypted  # an SQLCipher file, opened with a passphrase
        self.created = False  # open_database made it just now
        # Transactions committed here that changed a record: a screen showing records reads them
        # again on its return only if this moved. The audit trail alone (a record opened) is no
        # change; a colleague's change on a shared server is read by the screen's refresh key.
        self.changes = 0
        self._changes_lock = threading.Lock()

    def check_passphrase(self, passphrase: str) -> bool:
        """Whether ``passphrase`` opens this encrypted file (the idle lock asks for it again)."""
        from casetui.data.storage import sqlcipher as crypto

        try:
            crypto.connect(self.path, passphrase).close()
        except DatabaseError:
            return False
        return self.encrypted

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work, owned by the caller (a screen's worker, a CLI command): services
        only flush; the block commits when it ends and rolls everything back if it raises."""
        interface = _interface_on_event_loop()
        if interface:
            raise RuntimeError(
                f"{interface} opened a database transaction on the event loop: screens ask services through "
                "ServiceCalls.call_service (casetui/screens/service_calls.py), which runs them in a thread"
            )
        session = Session(self.engine, expire_on_commit=False)
        session.info["worker"] = self.worker
        try:
            yield session
            session.commit()
            if session.info.get("changed"):
                with self._changes_lock:
                    self.changes += 1
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT value FROM casetui_meta WHERE key='schema_version'")).scalar_one())

    def dispose(self) -> None:
        self.engine.dispose()
        if getattr(self, "file_lock", None) is not None:  # set by file_lock.held_while_open
            self.file_lock.release()


@event.listens_for(Session, "after_flush")
def _note_changed_records(session: Session, _context) -> None:
    # Before the flush is done, new/dirty/deleted still hold what it wrote.
    written = itertools.chain(session.new, session.dirty, session.deleted)
    if any(not isinstance(row, models.AuditEvent) for row in written):
        session.info["changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_changed_by_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["changed"] = True


def _interface_on_event_loop() -> str | None:
    """The casetui interface module asking for a transaction on a running event loop, or None.

    The interface must never wait on the database (an agency's server may be a slow link away).
    Tests and the command line may open transactions wherever they like; only casetui's own
    interface modules (screens, widgets, the app) are held to it.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return None
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") in ("contextlib", __name__):
        frame = frame.f_back
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    if module.startswith("casetui.") and not module.startswith("casetui.data."):
        return module
    return None


def to_url(target: str) -> str:
    """A path becomes an SQLite URL; an SQLAlchemy URL is kept as given, except that a plain
    ``postgresql://`` (or ``postgres://``) URL uses psycopg 3, the driver casetui installs."""
    if "://" in target:
        scheme, rest = target.split("://", 1)
        if scheme in ("postgresql", "postgres"):
            return f"postgresql+psycopg://{rest}"
        return target
    path = Path(target).expanduser()
    return f"sqlite:///{path.resolve()}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def describe(target: str) -> str:
    """The database named for messages, without any password."""
    url = to_url(target)
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
        event.listen(engine, "handle_error", _explain_failure)
        return engine
    connect_args = {}
    if make_url(url).get_backend_name() == "postgresql":
        # Datetimes are stored as UTC whatever the server's time zone (columns hold no zone).
        connect_args["options"] = "-c timezone=UTC"
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)
    event.listen(engine, "handle_error", _explain_failure)
    return engine


# --- failures in plain words -------------------------------------------------------------


def _plain_reason(exc: Exception) -> str | None:
    """A sentence for the failures people meet (locked, read-only, full disk), else None."""
    message = str(exc).lower()
    if "locked" in message or "busy" in message:
        return "is locked by another program (another casetui or a backup tool): close it and try again"
    if "readonly" in message or "read-only" in message:
        return "is read-only: casetui needs to write there (check the file's and folder's permissions)"
    if "disk is full" in message:
        return "cannot grow: the disk is full. Free some space and try again"
    if "malformed" in message or "not a database" in message:
        return "is damaged: restore a backup with 'casetui restore FILE'"
    return None


def _explain_failure(context) -> None:
    """Engine hook: a locked, read-only, full or damaged database becomes a DatabaseError that
    says so in plain words (screens and the CLI show it), never SQL or values."""
    reason = _plain_reason(context.original_exception)
    if reason:
        where = describe(context.engine.url.render_as_string()) if context.engine is not None else "The database"
        raise DatabaseError(f"{where} {reason}. The change was not saved.")


def _inspect_server(engine: Engine) -> tuple[set[str], dict[str, str]]:
    with engine.connect() as conn:
        return _read_server(conn)


def _read_server(conn) -> tuple[set[str], dict[str, str]]:
    tables = set(inspect(conn).get_table_names())
    meta = {}
    if "casetui_meta" in tables:
        meta = dict(conn.execute(text("SELECT key, value FROM casetui_meta")).fetchall())
    return tables, meta


SCHEMA_LOCK_KEY = 0x636173657475  # "casetu": a PostgreSQL advisory lock of casetui's own


def _upgrade_server(engine: Engine, where: str) -> None:
    """Create or migrate a server database once, even when several workers start casetui at
    the same moment: the first takes the lock and does it, the others then find it done."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        version = _check_meta(where, *_read_server(conn))
        if version is None:
            SQLModel.metadata.create_all(conn)
        elif version < migrations.SCHEMA_VERSION:
            migrations.upgrade(conn, version)  # one transaction: all of it or none of it
        else:
            return
        db_objects.install(conn)
        _stamp(conn, migrations.SCHEMA_VERSION)


def _check_meta(where: str, tables: set[str], meta: dict[str, str]) -> int | None:
    """The schema version of an existing casetui server database, or None for an empty one."""
    state = files.state_of(where, tables, meta)
    if state.new:
        return None
    return state.require().version


# --- create, back up, migrate ------------------------------------------------------------


def _create_private_file(path: Path) -> None:
    if not path.parent.exists():
        raise DatabaseError(f"The folder {path.parent} does not exist.")
    files.private_empty_file(path)


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


def backup_sqlite(source: Path, dest: Path, passphrase: str | None = None) -> Path:
    """Copy a live SQLite file with the online backup API (consistent even while in use)."""
    from casetui.data.storage import sqlcipher as crypto

    with files.replacing(dest) as temporary:
        crypto.backup_into(source, temporary, passphrase)
    return dest


def _migrate(engine: Engine, path: Path | None, from_version: int, passphrase: str | None = None) -> Path | None:
    backup = None
    if path is not None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = backup_sqlite(path, path.with_name(f"{path.name}.schema{from_version}-{stamp}.bak"), passphrase)
    with engine.begin() as conn:
        migrations.upgrade(conn, from_version)
        db_objects.install(conn)
        _stamp(conn, migrations.SCHEMA_VERSION)
    return backup


@file_lock.held_while_open(lambda target: sqlite_path(to_url(target)))
def open_database(
    target: str, *, worker: str = "unknown", create: bool = True, passphrase: str | None = None
) -> Database:
    """Open (migrating as needed) the database at a path or SQLAlchemy URL; ``create``: a
    missing or empty file becomes a new database (``Database.created`` says so).

    The file is first inspected (``files.inspect``): anything but a casetui file this casetui
    can write (or, with ``create``, nothing at all) is refused with the inspection's message.
    With ``passphrase``, an encrypted (SQLCipher) file is opened, or a new file is created
    encrypted; an existing plain file is opened as it is.
    """
    url = to_url(target)
    path = sqlite_path(url)
    where = describe(url)
    created = False
    if path is not None:
        state = files.inspect(path, passphrase).require(create=create)
        if passphrase and (state.encrypted or state.new):
            from casetui.data.storage import sqlcipher as crypto

            if not crypto.available():
                raise DatabaseError(f"Encryption needs SQLCipher, which is not installed. {crypto.INSTALL_HINT}")
            url = crypto.url_for(path, passphrase)
        else:
            passphrase = None
        version = state.version
        if state.new:
            _create_private_file(path)
            created = True
    engine = make_engine(url)
    try:
        if path is None:
            version = _check_meta(where, *_inspect_server(engine))
            if version is None or version < migrations.SCHEMA_VERSION:
                _upgrade_server(engine, where)
        elif version is None:
            create_schema(engine)
        elif version < migrations.SCHEMA_VERSION:
            _migrate(engine, path, version, passphrase)
    except DatabaseError:
        engine.dispose()
        raise
    except Exception as exc:  # a server that refuses us, a disk that is full, ...
        engine.dispose()
        reason = _plain_reason(exc)
        if reason:
            raise DatabaseError(f"{where} {reason}. Nothing was changed.") from None
        raise DatabaseError(f"Could not open {where}: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    database = Database(engine, url, worker, path, encrypted=bool(passphrase))
    database.created = created
    return database
