"""What a database file is, and how casetui writes its other files.

``inspect(path)`` is the one answer to "is this a casetui file I can open?": every command, the
full opening (``database.open_database``), backups, restores and the first paint ask it. It
never writes to the file and never reads client data: only the file's header, SQLite's list of
tables and ``casetui_meta``. Each state it finds has one message naming the cause and the fix.

``private_write`` (and ``replacing`` beneath it) is how casetui writes any other file: owner-only
(0600), through a temporary file beside the target that is renamed into place, so the target is
whole or untouched.

Only the standard library is imported here: the first paint inspects the file before
SQLAlchemy has loaded.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from casetui.data.domain.errors import DatabaseError

# The schema this casetui writes; ``migrations`` steps up to it (a test checks they agree). Kept
# here, not there, because the migrations import SQLAlchemy.
SCHEMA_VERSION = 7
APP_ID = "casetui"
SQLITE_HEADER = b"SQLite format 3\x00"
TIMEOUT_S = 5.0
UNTOUCHED = "It was left untouched."
CUT_SHORT = "its first write was cut short"  # an EMPTY file's detail: made again from nothing

# Every table a casetui file has held (any schema version), so a file an older casetui left
# half-created can be told from another program's: keep in step with the models (a test checks).
CASETUI_TABLES = frozenset(
    """assessment assessment_need audit_event case_file casetui_meta client consent contact coordination_contact
    discharge document goal goal_revision instrument_score intake_draft location note objective organization phone
    progress_entry referral service service_at_location setting stage_change directory_term service_schedule
    correction note_addendum household_member""".split()
)
CASETUI_TABLES |= frozenset(("appointment", "appointment_series", "task"))  # the appointments' schema step
# The directory's search indexes (FTS5 tables and theirs): they hold bookkeeping rows even when empty.
SEARCH_TABLES = frozenset(
    f"{index}{part}"
    for index in ("service_fts", "service_title_fts", "directory_term_trigram")
    for part in ("", "_config", "_content", "_data", "_docsize", "_idx")
)


class Kind(StrEnum):
    MISSING = "missing"
    EMPTY = "empty"  # zero bytes, or SQLite with no tables: nothing to lose
    UNFINISHED = "unfinished"  # casetui's tables, empty and unstamped: a first creation was cut short
    FOLDER = "folder"
    UNREADABLE = "unreadable"
    FOREIGN = "foreign"  # not SQLite, or another program's SQLite
    DAMAGED = "damaged"
    LOCKED = "locked"
    ENCRYPTED = "encrypted"  # needs its passphrase (or SQLCipher)
    WRONG_PASSPHRASE = "wrong passphrase"
    OLDER = "older"  # a casetui file of an older schema: backed up and migrated when opened
    CURRENT = "current"
    NEWER = "newer"
    READ_ONLY = "read-only"  # a casetui file (older or current) casetui may not write to


@dataclass(frozen=True)
class FileState:
    """What ``inspect`` found. ``version``: the casetui schema, for a casetui file."""

    where: str  # the file (or server) as messages name it
    kind: Kind
    version: int | None = None
    encrypted: bool = False
    detail: str = ""  # the cause in SQLite's words, or which of two causes it was

    @property
    def new(self) -> bool:
        """Nothing is there to lose: a new database may be created here (by the few that do)."""
        return self.kind in (Kind.MISSING, Kind.EMPTY, Kind.UNFINISHED)

    @property
    def usable(self) -> bool:
        """A casetui file this casetui opens (an older one after a backup and a migration)."""
        return self.kind in (Kind.OLDER, Kind.CURRENT)

    @property
    def readable(self) -> bool:
        """A casetui file this casetui can read, e.g. to back it up, written to or not."""
        # A READ_ONLY state without a version is a file SQLite could not even read there.
        return self.usable or (self.kind == Kind.READ_ONLY and self.version is not None)

    @property
    def message(self) -> str:
        where, detail = self.where, self.detail
        if self.kind == Kind.MISSING:
            if detail:
                return f"{where} does not exist: the folder {detail} does not exist either. Check the path."
            return f"{where} does not exist. Check the path; nothing was created."
        if self.kind == Kind.EMPTY:
            return (
                f"{where} is empty: it holds no casetui data. Check the path, or restore a backup with "
                "'casetui restore FILE'; nothing was created."
            )
        if self.kind == Kind.UNFINISHED:
            return (
                f"{where} was left half-created by an interrupted casetui: its tables hold no data. "
                "Opening it with casetui finishes it."
            )
        if self.kind == Kind.FOLDER:
            return f"{where} is a folder, not a database file. Give the path of the file inside it."
        if self.kind == Kind.UNREADABLE:
            return f"{where} cannot be read: check its permissions (and its folder's). {UNTOUCHED}"
        if self.kind == Kind.FOREIGN:
            return f"{where} is not a casetui database ({detail}). Check the path. {UNTOUCHED}"
        if self.kind == Kind.DAMAGED:
            return (
                f"{where} is damaged and cannot be read ({detail}). {UNTOUCHED} "
                "Restore a backup with 'casetui restore FILE'."
            )
        if self.kind == Kind.LOCKED:
            return f"{where} is locked by another program. Close it and try again. {UNTOUCHED}"
        if self.kind == Kind.ENCRYPTED:
            return f"{where} is encrypted: {detail or 'give its passphrase (CASETUI_PASSPHRASE)'}. {UNTOUCHED}"
        if self.kind == Kind.WRONG_PASSPHRASE:
            return f"Wrong passphrase for {where} (or it is not a casetui database). Nothing was changed."
        if self.kind == Kind.NEWER:
            return (
                f"{where} was written by a newer casetui (schema {self.version}; this one knows up to "
                f"{SCHEMA_VERSION}). Upgrade casetui to open it. {UNTOUCHED}"
            )
        if self.kind == Kind.READ_ONLY:
            return read_only_message(where, self.detail, readable=self.version is not None)
        if self.kind == Kind.OLDER:
            return f"{where} is a casetui database of an older schema ({self.version}); opening it upgrades it."
        return f"{where} is a casetui database (schema {self.version})."

    def require(self, *, create: bool = False, read: bool = False) -> FileState:
        """This state if it is usable (``create``: or new; ``read``: or readable), else its
        message as a ``DatabaseError``."""
        if self.usable or (create and self.new) or (read and self.readable):
            return self
        raise DatabaseError(self.message)


def inspect(path, passphrase: str | None = None, *, integrity: bool = False) -> FileState:
    """What the file at ``path`` is; ``integrity`` also reads every page (slower: backups)."""
    with reading(path, passphrase, integrity=integrity) as (state, _conn):
        return state


@contextmanager
def reading(
    path, passphrase: str | None = None, *, integrity: bool = False
) -> Iterator[tuple[FileState, sqlite3.Connection | None]]:
    """``inspect``, and for a readable casetui file a read-only connection inside one read
    transaction: what is read through it is the file the inspection saw (the first paint)."""
    path = Path(path).expanduser()
    where = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        yield FileState(where, Kind.MISSING, detail="" if path.parent.is_dir() else str(path.parent)), None
        return
    except NotADirectoryError:
        yield FileState(where, Kind.MISSING, detail=str(path.parent)), None
        return
    except PermissionError:
        yield FileState(where, Kind.UNREADABLE), None
        return
    if stat.S_ISDIR(info.st_mode):
        yield FileState(where, Kind.FOLDER), None
        return
    if not stat.S_ISREG(info.st_mode):
        yield FileState(where, Kind.FOREIGN, detail="it is not a regular file"), None
        return
    if info.st_size == 0:
        yield FileState(where, Kind.EMPTY), None
        return
    try:
        with open(path, "rb") as handle:
            first_page = handle.read(CIPHER_PAGE)
    except PermissionError:
        yield FileState(where, Kind.UNREADABLE), None
        return
    encrypted = not first_page.startswith(SQLITE_HEADER)
    if encrypted:
        cause = not_encrypted_because(first_page, info.st_size)
        if cause == "damaged":
            yield FileState(where, Kind.DAMAGED, detail="its SQLite header is overwritten"), None
            return
        if cause:
            yield FileState(where, Kind.FOREIGN, detail=cause), None
            return
        if not passphrase:
            yield FileState(where, Kind.ENCRYPTED), None
            return
        from casetui.data.storage import sqlcipher as crypto

        if not crypto.available():
            yield FileState(where, Kind.ENCRYPTED, detail=f"opening it needs SQLCipher. {crypto.INSTALL_HINT}"), None
            return
        try:
            conn = crypto.connect(path, passphrase, timeout=TIMEOUT_S, read_only=True)
        except DatabaseError:
            yield FileState(where, Kind.WRONG_PASSPHRASE), None
            return
    else:
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=TIMEOUT_S)
        except sqlite3.Error as exc:
            yield _read_only_cause(path, state_of_error(where, exc)), None
            return
    with closing(conn):
        state = _inspect_connection(where, conn, integrity=integrity, encrypted=encrypted)
        if state.kind == Kind.DAMAGED and cut_short_when_empty(path, first_page[: len(SQLITE_HEADER)], info.st_size):
            state = FileState(where, Kind.EMPTY, detail=CUT_SHORT)
        state = _read_only_cause(path, state)
        if state.readable and state.kind != Kind.READ_ONLY and not _writable(path):
            state = FileState(where, Kind.READ_ONLY, state.version, encrypted, _unwritable_part(path))
        yield state, conn if state.readable else None


def cut_short_when_empty(path: Path, head: bytes, size: int) -> bool:
    """Whether a plain SQLite file is one whose first write was cut short: a rollback journal
    beside it (only a writer may roll it back, so a read-only look fails) and no more than its
    first page, which cannot hold a table. The switch of a new file to WAL writes that page."""
    journal = Path(f"{path}-journal")
    if head != SQLITE_HEADER or not journal.is_file() or journal.stat().st_size == 0:
        return False
    with open(path, "rb") as handle:
        handle.seek(16)
        page_size = int.from_bytes(handle.read(2), "big")
    return size <= (65536 if page_size == 1 else page_size or 512)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _unwritable_part(path: Path) -> str:
    return "folder" if not os.access(path.parent, os.W_OK) else "file"


def _read_only_cause(path: Path, state: FileState) -> FileState:
    """SQLite says "readonly" or "unable to open" when it cannot write beside a file it reads (a
    WAL file needs its -shm): a permission of the folder or file, not damage."""
    if state.kind in (Kind.DAMAGED, Kind.UNREADABLE) and not _writable(path):
        if state.kind == Kind.UNREADABLE and not os.access(path, os.R_OK):
            return state
        return FileState(state.where, Kind.READ_ONLY, None, state.encrypted, _unwritable_part(path))
    return state


def read_only_message(where: str, part: str, *, readable: bool) -> str:
    """``part``: "folder" or "file", the one casetui may not write to."""
    whose = f"the folder {Path(where).parent}" if part == "folder" else where
    if readable:
        cause = f"{whose} is read-only for you, and casetui writes to the file as it works"
    else:
        cause = f"{whose} is read-only for you, and SQLite must write beside the file even to read it"
    return (
        f"{where} cannot be opened: {cause}. The file itself is not damaged. Ask for write permission on "
        f"{whose} (or copy the file to a folder you can write to) and try again. Nothing was changed."
    )


def copy_failed(source, dest, passphrase: str | None = None, error: Exception | None = None) -> str:
    """Why a copy of ``source`` (a backup) failed or failed its check, naming the source and
    never the temporary file: the source is read again, every page."""
    folder = Path(dest).expanduser().parent
    full = error is not None and ("disk is full" in str(error).lower() or getattr(error, "errno", None) == errno.ENOSPC)
    if full:
        return f"No backup was made: the disk is full at {folder}. Free some space there and try again; {source} was left untouched."
    state = inspect(source, passphrase, integrity=True)
    if not state.readable:
        return f"No backup was made. {state.message}"
    return (
        f"No backup was made: the copy of {state.where} did not read back whole at {Path(dest).expanduser()} "
        f"(the disk there may be full or failing). {state.where} was left untouched; try another destination."
    )


# SQLCipher 4's page size (casetui never changes it): an encrypted casetui file is whole pages.
CIPHER_PAGE = 4096
# What other common files begin with, to name them instead of asking for a passphrase.
SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (or an office document)",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "a program",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\xd0\xcf\x11\xe0": "an old office document",
    b"7z\xbc\xaf": "a 7-Zip archive",
}


def not_encrypted_because(first_page: bytes, size: int) -> str | None:
    """Why a file without the SQLite header is not an SQLCipher file (None: it may be one).

    An SQLCipher file is whole 4096-byte pages that look random from the first byte on. Random
    bytes of whole pages look the same: only a passphrase can tell those apart."""
    if _damaged_sqlite_header(first_page):
        return "damaged"
    for signature, what in SIGNATURES.items():
        if first_page.startswith(signature):
            return f"it is {what}"
    if all(32 <= byte < 127 or byte in b"\t\n\r" for byte in first_page[:16]):
        return "it is not an SQLite file"
    if size % CIPHER_PAGE:
        return "it is not an SQLite file"
    if b"\x00" * 32 in first_page or len(set(first_page)) < 64:  # ciphertext has no runs, every byte value
        return "it is not an SQLite file"
    return None


def _damaged_sqlite_header(page: bytes) -> bool:
    """A plain SQLite file whose first 16 bytes are overwritten: the rest of its header is intact
    (payload fractions 64/32/32, file format 1 or 2), which random bytes match once in 2^40."""
    return len(page) >= 24 and page[21:24] == b"\x40\x20\x20" and page[18] in (1, 2) and page[19] in (1, 2)


def _inspect_connection(where: str, conn, *, integrity: bool, encrypted: bool) -> FileState:
    try:
        conn.execute("BEGIN")  # one snapshot for the inspection and whatever reads after it
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        meta = dict(conn.execute("SELECT key, value FROM casetui_meta").fetchall()) if "casetui_meta" in tables else {}
        if integrity:
            found = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if found != "ok":
                return FileState(where, Kind.DAMAGED, detail=f"integrity check: {found.splitlines()[0]}")
        if unfinished(tables, meta, lambda table: conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()):
            return FileState(where, Kind.UNFINISHED, encrypted=encrypted)
    except Exception as exc:  # sqlite3's or sqlcipher3's errors: malformed, not a database, locked
        return state_of_error(where, exc)
    state = state_of(where, tables, meta)
    return FileState(where, state.kind, state.version, encrypted, state.detail)


def state_of_error(where: str, exc: Exception) -> FileState:
    """The state an SQLite error reading the file reveals (locked, unreadable, damaged)."""
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "locked" in reason or "busy" in reason:
        return FileState(where, Kind.LOCKED)
    if "unable to open" in reason:  # e.g. its folder forbids the shared-memory file beside it
        return FileState(where, Kind.UNREADABLE)
    return FileState(where, Kind.DAMAGED, detail=reason)


def unfinished(tables: set[str], meta: dict[str, str], has_rows: Callable[[str], object]) -> bool:
    """Whether an SQLite file holds what a first creation cut short by an older casetui left
    (its DDL was not in a transaction): only casetui's tables, no stamp, no row in any of them.
    ``has_rows(table)``: whether that table holds a row. Nothing is there to lose."""
    names = {table for table in tables if not table.startswith("sqlite_")}
    if not names or meta or not names <= CASETUI_TABLES | SEARCH_TABLES:
        return False
    return not any(has_rows(table) for table in sorted(names - SEARCH_TABLES))


def state_of(where: str, tables: set[str], meta: dict[str, str]) -> FileState:
    """The state of a database from its table names and ``casetui_meta`` (a server's too)."""
    if not tables:
        return FileState(where, Kind.EMPTY)
    if "casetui_meta" not in tables or meta.get("application") != APP_ID:
        return FileState(where, Kind.FOREIGN, detail="it holds another program's tables")
    try:
        version = int(meta["schema_version"])
    except (KeyError, ValueError):
        return FileState(where, Kind.DAMAGED, detail="it has no readable casetui schema version")
    if version > SCHEMA_VERSION:
        return FileState(where, Kind.NEWER, version)
    return FileState(where, Kind.OLDER if version < SCHEMA_VERSION else Kind.CURRENT, version)


# --- writing files owner-only ------------------------------------------------------------


def private_empty_file(path) -> Path:
    """Create (or empty) ``path`` owner-only (0600), whatever the umask."""
    path = Path(path)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)  # 0600 even when the file was there before, or the umask is odd
    return path


@contextmanager
def replacing(path) -> Iterator[Path]:
    """A new, empty, owner-only temporary file beside ``path`` for the block to fill. If the
    block ends without an error the file is flushed to disk and renamed onto ``path`` (which is
    then whole, never half-written); otherwise it is removed and ``path`` is as it was."""
    path = Path(path).expanduser()
    temporary = path.with_name(f".{path.name}.partial")
    temporary.unlink(missing_ok=True)  # left by a crash; O_EXCL then never writes through a link
    os.close(os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
    try:
        os.chmod(temporary, 0o600)
        yield temporary
        for suffix in ("-wal", "-shm", "-journal"):  # an SQLite file's own, named for the temporary
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
        fd = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(fd)  # on disk before the rename makes it the real file
        finally:
            os.close(fd)
        os.replace(temporary, path)
        _fsync_folder(path.parent)
    finally:
        temporary.unlink(missing_ok=True)


def private_write(path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` owner-only, whole or not at all."""
    path = Path(path).expanduser()
    with replacing(path) as temporary:
        temporary.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some systems cannot open a folder: the rename is atomic all the same
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
