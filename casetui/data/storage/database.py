"""Opening a casetui database: an SQLite file by default, or any SQLAlchemy URL.

``open_database`` checks what it is given before it writes anything (``files.inspect``): a
file that is not SQLite, a damaged file, an SQLite file of another program or one written by a
newer casetui is refused with a ``DatabaseError`` and left untouched. An older casetui file is
backed up and migrated; a new one (only where the caller allows it) is created owner-only (0600).

On SQLite every change, DDL included, is made inside a real transaction (``_take_over_begin``):
a migration or a first creation cut short by a kill, an error or a full disk leaves the file as
it was before it, which the next open migrates or creates again.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
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
    # casetui, not the driver, begins transactions (``_begin_before_writing``): the driver's own
    # control never begins one before DDL, so a CREATE or ALTER TABLE stayed even when rolled back.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    # FULL: an acknowledged write survives a power cut, not only a crash. Writes are few.
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


# Statements that only read, or that control transactions themselves (copy takes a read snapshot
# with its own BEGIN); everything else is a change.
# VACUUM, ATTACH and DETACH: SQLite refuses them inside a transaction.
_NO_BEGIN = (
    "SELECT",
    "PRAGMA",
    "EXPLAIN",
    "BEGIN",
    "COMMIT",
    "END",
    "ROLLBACK",
    "RELEASE",
    "VACUUM",
    "ATTACH",
    "DETACH",
)


def _begin_before_writing(conn, cursor, statement, parameters, _context, _executemany):
    """SQLite: ``BEGIN IMMEDIATE`` before a transaction's first change (DDL or DML).

    The SQLAlchemy documentation's recipe (pysqlite, "Transactional DDL") emits BEGIN when
    SQLAlchemy begins. Here it waits for the first change, so that reading stays as WAL lets
    it, never waiting on a writer, and IMMEDIATE so that a transaction that read first takes
    the write lock through the busy timeout: a deferred BEGIN that reads, then writes after
    another process committed fails at once (SQLITE_BUSY_SNAPSHOT) instead of waiting.
    """
    dbapi_connection = cursor.connection
    if not dbapi_connection.in_transaction and not statement.lstrip()[:8].upper().startswith(_NO_BEGIN):
        dbapi_connection.execute("BEGIN IMMEDIATE")
    return statement, parameters


def make_engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        # hide_parameters: error messages must never carry client data into logs or tracebacks.
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _begin_before_writing, retval=True)
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
    if "disk is full" in message or "no space left" in message:
        return "cannot grow: the disk is full. Free some space and try again"
    if "malformed" in message or "not a database" in message:
        return "is damaged: restore a backup with 'casetui restore FILE'"
    return None


NEARLY_FULL_BYTES = 4 << 20


def _nearly_full(folder: Path) -> bool:
    try:
        info = os.statvfs(folder)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < NEARLY_FULL_BYTES


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


# The copies taken before upgrades that are kept beside a file: the newest three, one per schema
# version (a copy of the file as it was before each of its last upgrades), enough to step back
# over a bad upgrade without piling up a full-size copy at every upgrade or retried upgrade.
MIGRATION_BACKUPS_KEPT = 3


# The file a new database is made in, beside it, named for the process and thread making it
# (two casetuis may create the same file at the same moment): ".NAME.PID-THREAD.creating".
_CREATING = ".creating"


def _sweep_creations(path: Path) -> None:
    """Remove what an interrupted creation of ``path`` left (its process is gone): one page each."""
    made = re.compile(re.escape(f".{path.name}.") + r"(\d+)-\d+" + re.escape(_CREATING) + r"(-journal|-wal|-shm)?")
    try:
        leftovers = [(entry, made.fullmatch(entry.name)) for entry in path.parent.iterdir()]
    except OSError:
        return
    for entry, match in leftovers:
        if match and not _alive(int(match[1])):
            entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def _create_private_file(path: Path, passphrase: str | None, *, replace: bool) -> None:
    """A new, empty, owner-only SQLite file in WAL mode (keyed with ``passphrase``), made beside
    ``path`` and then put there: the switch to WAL, a write of its own outside any later
    transaction, is never found half-done. ``replace``: what is there (no bytes, or a first
    page cut short and its journal) holds nothing to lose; else it is put there only if
    nothing is, so a second casetui creating the same file at that moment keeps the first's."""
    from casetui.data.storage import sqlcipher as crypto

    if not path.parent.exists():
        raise DatabaseError(f"The folder {path.parent} does not exist.")
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}{_CREATING}")
    temporary.unlink(missing_ok=True)
    os.close(os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
    try:
        os.chmod(temporary, 0o600)
        with closing(crypto.connect(temporary, passphrase)) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
        fd = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if not replace:
            try:
                os.link(temporary, path)  # never over a file another casetui made meanwhile
            except FileExistsError:
                return  # the schema is created in theirs, under the write lock
            except OSError:  # a filesystem without hard links
                replace = True
        if replace:
            for suffix in ("-journal", "-wal", "-shm"):  # a stale journal would be played into the new file
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            os.replace(temporary, path)
        files._fsync_folder(path.parent)
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)


def _stamp(conn, version: int) -> None:
    conn.execute(text("DELETE FROM casetui_meta WHERE key IN ('application', 'schema_version')"))
    conn.execute(
        text("INSERT INTO casetui_meta (key, value) VALUES ('application', :app), ('schema_version', :v)"),
        {"app": APP_ID, "v": str(version)},
    )


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One SQLite transaction holding the write lock from its first statement: what it reads is
    what it then changes (a second casetui opening the same file at that moment waits for it,
    then finds the work done). All of it is committed at the end, or none of it."""
    with engine.begin() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


def _read_sqlite(conn: Connection) -> tuple[set[str], dict[str, str]]:
    tables = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    meta = {}
    if "casetui_meta" in tables:
        meta = dict(conn.exec_driver_sql("SELECT key, value FROM casetui_meta").fetchall())
    return tables, meta


def _drop_leftovers(conn: Connection) -> None:
    """Remove what a cut-short first creation left (checked empty by ``files.unfinished``)."""
    rows = conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    for kind in ("trigger", "view"):
        for _type, name, _sql in (row for row in rows if row[0] == kind):
            conn.exec_driver_sql(f'DROP {kind.upper()} IF EXISTS "{name}"')
    virtual = [name for kind, name, sql in rows if kind == "table" and (sql or "").upper().startswith("CREATE VIRTUAL")]
    for name in virtual:  # drops its own shadow tables with it
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
    for name in sorted(_read_sqlite(conn)[0]):
        if not name.startswith("sqlite_"):
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')


def create_schema(engine: Engine) -> None:
    """Create the schema in a new SQLite file, or finish one an older casetui left half-created,
    in one transaction: cut short, it leaves the file as empty as it was."""
    where = describe(engine.url.render_as_string(hide_password=True))
    with _locked(engine) as conn:
        tables, meta = _read_sqlite(conn)
        if tables:
            holds_rows = lambda table: conn.exec_driver_sql(f'SELECT 1 FROM "{table}" LIMIT 1').first()  # noqa: E731
            if not files.unfinished(tables, meta, holds_rows):
                state = files.state_of(where, tables, meta)
                if state.kind == files.Kind.CURRENT:
                    return  # another casetui created it meanwhile
                raise DatabaseError(state.message)
            _drop_leftovers(conn)
        SQLModel.metadata.create_all(conn)
        db_objects.install(conn)
        _stamp(conn, migrations.SCHEMA_VERSION)


def _fingerprint(path: Path) -> str:
    """A digest of the file's bytes and its WAL's: equal digests, equal data."""
    digest = hashlib.blake2b(digest_size=8)
    for part in (path, Path(f"{path}-wal")):
        if part.exists():
            with open(part, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
    return digest.hexdigest()


def _checkpoint(path: Path, passphrase: str | None) -> None:
    """Move everything committed into the file itself (when no one else reads it), so equal data
    gives equal bytes from one try of an upgrade to the next."""
    from casetui.data.storage import sqlcipher as crypto

    with closing(crypto.connect(path, passphrase)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()  # busy: it is done partly, and that is fine


def _migration_backup(path: Path, from_version: int, passphrase: str | None) -> Path:
    """The copy of ``path`` taken before it is upgraded from ``from_version``, encrypted like it.

    Named by the schema version and a fingerprint of the file's bytes, so a retried upgrade of
    a file unchanged since (a failed upgrade changes nothing) reuses its copy instead of
    writing another full-size one; a file changed since (by an older casetui) gets a new one.
    Taken under the write lock: nothing changes the file meanwhile.
    """
    from casetui.data.storage import backup

    copy = path.with_name(f"{path.name}.schema{from_version}-{_fingerprint(path)}.bak")
    if not copy.exists():
        backup.backup_file(path, copy, passphrase)
    _rotate_migration_backups(path, copy)
    return copy


def _rotate_migration_backups(path: Path, made: Path) -> None:
    """Keep ``made`` and the newest other copies, one per schema version, ``MIGRATION_BACKUPS_KEPT`` in all."""
    name = re.compile(re.escape(path.name) + r"\.schema(\d+)-[^/]*\.bak")
    copies = [copy for copy in path.parent.iterdir() if name.fullmatch(copy.name)]
    copies.sort(key=lambda copy: (copy == made, copy.stat().st_mtime), reverse=True)
    versions: set[str] = set()
    for copy in copies:
        version = name.fullmatch(copy.name)[1]
        if version in versions or len(versions) >= MIGRATION_BACKUPS_KEPT:
            copy.unlink(missing_ok=True)
        else:
            versions.add(version)


def _migrate(engine: Engine, path: Path, from_version: int, passphrase: str | None = None) -> Path | None:
    """Back up, then upgrade the SQLite file at ``path``, all under one write lock: a second
    casetui opening it at that moment waits, then finds it upgraded. The copy's path (None when
    another casetui upgraded it meanwhile)."""
    _checkpoint(path, passphrase)
    copy = None
    try:
        with _locked(engine) as conn:
            version = int(_read_sqlite(conn)[1]["schema_version"])
            if version >= migrations.SCHEMA_VERSION:
                return None  # another casetui upgraded it meanwhile
            copy = _migration_backup(path, version, passphrase)
            migrations.upgrade(conn, version)
            db_objects.install(conn)
            _stamp(conn, migrations.SCHEMA_VERSION)
    except Exception as exc:
        reason = _plain_reason(exc)
        if reason:
            cause = f"it {reason}"
        else:
            cause = str(exc) if isinstance(exc, DatabaseError) else f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        kept = f" The copy taken before the upgrade is {copy}." if copy else ""
        raise DatabaseError(
            f"{path} could not be upgraded from schema {from_version}: {cause.rstrip('.')}. It was left as it "
            f"was; opening it again retries the upgrade.{kept}"
        ) from None
    return copy


def _make_file_for(path: Path, state: files.FileState, passphrase: str | None) -> None:
    """Make the file a new database is created in, unless one is there already.

    A file holding SQLite's header, even with no table, may be another casetui's creation under
    way: the schema is created in it, under the write lock, never over it.
    """
    if state.kind == files.Kind.MISSING:
        _create_private_file(path, passphrase, replace=False)
    elif state.detail == files.CUT_SHORT or path.stat().st_size == 0:
        _create_private_file(path, passphrase, replace=True)
    elif state.kind == files.Kind.EMPTY and passphrase and not state.encrypted:
        _create_private_file(path, passphrase, replace=True)  # no table and no key yet: made again, keyed


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
        _sweep_creations(path)
        state = files.inspect(path, passphrase)
        if state.kind == files.Kind.DAMAGED and _nearly_full(path.parent):
            # A full disk fails even a read-only look ("disk I/O error"): the file is likely sound.
            raise DatabaseError(f"{where} {_plain_reason(OSError('disk is full'))}. Nothing was changed.")
        state.require(create=create)
        # A half-created plain file is finished plain: a key cannot be put on a file with tables.
        if passphrase and (state.encrypted or state.kind in (files.Kind.MISSING, files.Kind.EMPTY)):
            from casetui.data.storage import sqlcipher as crypto

            if not crypto.available():
                raise DatabaseError(f"Encryption needs SQLCipher, which is not installed. {crypto.INSTALL_HINT}")
            url = crypto.url_for(path, passphrase)
        else:
            passphrase = None
        version = state.version
        created = state.new
    engine = make_engine(url)
    try:
        if created:
            _make_file_for(path, state, passphrase)
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
