"""Backups of a casetui SQLite file: on demand, automatic rotation, and verified restore.

Copies use SQLite's online backup API, so they are consistent even while the app (or another
writer) has the file open. A backup of an encrypted file is itself encrypted with the same
passphrase. Every file written here is owner-only (0600).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterable
from contextlib import closing, nullcontext
from datetime import date, datetime
from pathlib import Path

from casetui.data.domain.errors import DatabaseError, ValidationError
from casetui.data.storage import file_lock, files, sqlcipher
from casetui.data.storage import sqlcipher as crypto

AUTO_MARK = "-auto-"
# A copy that failed with less room than this beyond the file's size failed for want of space.
FULL_DISK_MARGIN = 1024 * 1024


def _free_space(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def backup_file(source: Path, dest: Path, passphrase: str | None = None) -> Path:
    """Copy ``source`` to ``dest`` (a file, or a folder to put a dated file in); return the file.

    The copy is written beside its destination under a temporary name, checked, then renamed,
    so a failure never leaves a half-written backup under the real name; what an interrupted
    backup left there is removed first.
    """
    source, dest = Path(source), Path(dest).expanduser()
    state = files.inspect(source, passphrase).require(read=True)
    if dest.is_dir():
        dest = dest / f"{source.stem}-{datetime.now():%Y%m%d-%H%M%S}.db"
    if dest.resolve() == source.resolve():
        raise DatabaseError("A backup cannot replace the database it copies.")
    if not dest.parent.is_dir():
        raise DatabaseError(f"The folder {dest.parent} does not exist.")
    passphrase = passphrase if state.encrypted else None
    sweep_backups(dest.parent, source)
    room = _free_space(dest.parent)
    try:
        with _writing_into(dest.parent), files.replacing(dest) as temporary:
            crypto.backup_into(source, temporary, passphrase)
            verify(temporary, passphrase)
    except Exception as exc:  # sqlite3, sqlcipher3 or casetui, or a full disk: name the source, never the temporary
        error: Exception = exc
        if room is not None and room < source.stat().st_size + FULL_DISK_MARGIN:
            # SQLite may report a full disk only as an I/O error, or as a copy that reads back short
            error = OSError(errno.ENOSPC, "disk is full")
        raise DatabaseError(files.copy_failed(source, dest, passphrase, error)) from None
    return dest


def _writing_into(folder: Path):
    return file_lock.writing_into(folder) or nullcontext()


def sweep_backups(folder: Path, db_path: Path) -> list[Path]:
    """Remove the temporary files interrupted backups of ``db_path`` left in ``folder``."""
    return file_lock.sweep_folder(Path(folder), [f".{Path(db_path).stem}-*.partial*"])


def verify(path: Path, passphrase: str | None = None) -> int:
    """Check that ``path`` is an intact casetui database this casetui can open; its schema version.

    Raises ``DatabaseError`` with the inspection's message (``files.inspect``, every page read);
    never writes to the file.
    """
    return files.inspect(path, passphrase, integrity=True).require(read=True).version


def auto_backups(folder: Path, db_path: Path) -> list[Path]:
    """Automatic backups of ``db_path`` in ``folder``, oldest first (names sort by time)."""
    return sorted(Path(folder).glob(f"{Path(db_path).stem}{AUTO_MARK}*.db"))


def auto_backup(db_path: Path, folder: Path, *, keep: int, today: date, passphrase: str | None = None) -> Path | None:
    """Take today's automatic backup unless one exists; keep only the newest ``keep``.

    Returns the new backup, or None when today's was already taken (or ``keep`` is 0).
    """
    if keep <= 0:
        return None
    db_path, folder = Path(db_path), Path(folder)
    existing = auto_backups(folder, db_path)
    made = None
    if not any(f"{AUTO_MARK}{today:%Y%m%d}-" in p.name for p in existing):
        made = backup_file(
            db_path, folder / f"{db_path.stem}{AUTO_MARK}{today:%Y%m%d}-{datetime.now():%H%M%S}.db", passphrase
        )
        existing = auto_backups(folder, db_path)
    for old in existing[:-keep]:
        old.unlink(missing_ok=True)
    return made


def restore(
    backup: Path, target: Path, keep_folder: Path, *, passphrase: str | None = None, allow_plaintext: bool = False
) -> Path | None:
    """Replace ``target`` with a verified copy of ``backup``.

    ``backup`` is verified (with ``passphrase``, for an encrypted one) before anything is
    touched; a plaintext backup over an encrypted ``target`` is refused unless
    ``allow_plaintext``. The swap holds ``target``'s exclusive lock: it is refused while any
    casetui (or another program) has the file open. The file being replaced is first kept in
    ``keep_folder`` (a backup-API copy when it is readable, else its raw bytes); that copy's
    path is returned (None when there was no file to replace).
    """
    backup, target = Path(backup).expanduser(), Path(target)
    verify(backup, passphrase)
    if backup.resolve() == target.resolve():
        raise DatabaseError("That backup is the database itself; nothing to restore.")
    if not target.parent.is_dir():
        raise DatabaseError(f"The folder {target.parent} does not exist.")
    if target.is_dir():
        files.inspect(target).require()  # says it is a folder
    backup_encrypted = crypto.is_encrypted(backup)
    if files.inspect(target).kind == files.Kind.ENCRYPTED and not backup_encrypted and not allow_plaintext:
        raise DatabaseError(
            f"{backup} is not encrypted but {target} is: restoring it would leave client data readable by "
            "anyone with the file. Run restore again with --allow-plaintext if that is what you want (then "
            "encrypt it again). Nothing was changed."
        )
    with file_lock.exclusive(target, "restore"):
        kept = None
        if target.exists() and target.stat().st_size > 0:
            kept = _unused(Path(keep_folder) / f"{target.stem}-before-restore-{datetime.now():%Y%m%d-%H%M%S}.db")
            try:
                backup_file(target, kept, passphrase)
            except DatabaseError:
                # A damaged or differently keyed file is still someone's data: keep its bytes as they are.
                for suffix in ("", "-wal", "-shm"):
                    if Path(f"{target}{suffix}").exists():
                        shutil.copyfile(f"{target}{suffix}", files.private_empty_file(f"{kept}{suffix}"))
            _checkpoint(target, passphrase)
        passphrase = passphrase if backup_encrypted else None
        with files.replacing(target) as temporary:
            crypto.backup_into(backup, temporary, passphrase)
            verify(temporary, passphrase)
            # A stale WAL beside the new file would be replayed into it: it belongs to the old file
            # (emptied into it by the checkpoint above, and kept in ``kept``).
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
    return kept


def _unused(path: Path) -> Path:
    """``path``, or the same name with a number: two restores in one second keep two files."""
    number = 1
    candidate = path
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def _checkpoint(path: Path, passphrase: str | None = None) -> None:
    """Move what the WAL beside ``path`` holds into the file itself, so that removing the WAL
    before a swap loses nothing even if the swap is then interrupted. Best effort: a damaged or
    differently keyed file was kept byte for byte by the caller."""
    try:
        key = passphrase if crypto.is_encrypted(path) else None
        with closing(crypto.connect(path, key)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except Exception:  # sqlite3's or sqlcipher3's errors, or a wrong key
        pass


def encrypt_file(path: Path, passphrase: str, *, plain_copy: Path | None = None) -> dict[str, int]:
    """Encrypt a plain casetui file in place: new encrypted file, verify row counts, atomic swap.

    Returns the row count of each table. Nothing plaintext stays behind except ``plain_copy``
    when the caller asks for one (the copies casetui keeps are ``encrypt_copies``' work). The
    swap holds the file's exclusive lock: refused while any casetui has it open.
    """
    path = Path(path)
    if not passphrase or len(passphrase) < 8:
        raise ValidationError("passphrase", "The passphrase must be at least 8 characters long.")
    if sqlcipher.is_encrypted(path):
        raise DatabaseError(f"{path} is already encrypted (or is not an SQLite file). Nothing was changed.")
    with file_lock.exclusive(path, "encrypt"):
        verify(path)  # a damaged or foreign file is refused before anything is written
        if plain_copy is not None:
            backup_file(path, Path(plain_copy))
        _checkpoint(path)
        with files.replacing(path) as temporary:
            counts = _encrypt_into(path, temporary, passphrase)
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    return counts


def _encrypt_into(source: Path, temporary: Path, passphrase: str) -> dict[str, int]:
    """Write an encrypted copy of the plain ``source`` into the empty ``temporary``; verified."""
    sqlcipher3 = sqlcipher._driver()
    with closing(sqlcipher3.connect(str(source))) as conn:
        counts = _counts(conn)
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY {sqlcipher._quote(passphrase)}", (str(temporary),))
        # A temporary file, fsynced and verified before it is renamed: its own journal and syncs
        # would only slow the export (seconds, for a small file) and protect nothing.
        conn.execute("PRAGMA encrypted.journal_mode = OFF")
        conn.execute("PRAGMA encrypted.synchronous = OFF")
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute("DETACH DATABASE encrypted")
    with closing(sqlcipher.connect(temporary, passphrase)) as conn:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok" or _counts(conn) != counts:
            raise DatabaseError(f"The encrypted copy of {source} did not match it; nothing was changed.")
    return counts


# --- the copies casetui keeps, when the database is encrypted -----------------------------------

COMPANIONS = ("-wal", "-shm", "-journal")


def plaintext_copies(db_path: Path, backups_folder: Path, *, exclude: Iterable[Path] = ()) -> list[Path]:
    """The plaintext copies casetui keeps of ``db_path``: its backups in ``backups_folder``
    (manual, automatic, before a restore) and its migration backups beside it."""
    db_path = Path(db_path).expanduser()
    found = set(Path(backups_folder).glob(f"{db_path.stem}-*.db")) | set(db_path.parent.glob(f"{db_path.name}.*.bak"))
    skip = {Path(p).expanduser().resolve() for p in exclude}
    return sorted(p for p in found if p.is_file() and p.resolve() not in skip and _plaintext(p))


def _plaintext(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(files.SQLITE_HEADER)) == files.SQLITE_HEADER
    except OSError:
        return False


def encrypt_copies(
    db_path: Path,
    passphrase: str,
    backups_folder: Path,
    *,
    remove: bool = False,
    exclude: Iterable[Path] = (),
) -> tuple[list[Path], list[Path]]:
    """Encrypt (``remove``: delete) every ``plaintext_copies`` of ``db_path`` with its passphrase.

    Returns (the copies encrypted or removed, those that could not be encrypted: damaged or not
    casetui's, left as they were for the person to decide). Each copy is swapped whole, like the
    database, while the database's exclusive lock keeps casetui from writing beside it."""
    done: list[Path] = []
    left: list[Path] = []
    with file_lock.exclusive(db_path, "encrypt"), _writing_into(backups_folder):
        for copy in plaintext_copies(db_path, backups_folder, exclude=exclude):
            if remove:
                for suffix in ("", *COMPANIONS):
                    Path(f"{copy}{suffix}").unlink(missing_ok=True)
                done.append(copy)
                continue
            try:
                verify(copy)
                with files.replacing(copy) as temporary:
                    _encrypt_into(copy, temporary, passphrase)
                    for suffix in COMPANIONS:  # the copy's own journal, now inside the encrypted one
                        Path(f"{copy}{suffix}").unlink(missing_ok=True)
            except (DatabaseError, sqlite3.Error, sqlcipher._driver().Error):
                left.append(copy)
                continue
            done.append(copy)
    return done, left


def _counts(conn) -> dict[str, int]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
