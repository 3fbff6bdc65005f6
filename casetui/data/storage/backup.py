"""Backups of a casetui SQLite file: on demand, automatic rotation, and verified restore.

Copies use SQLite's online backup API, so they are consistent even while the app (or another
writer) has the file open. A backup of an encrypted file is itself encrypted with the same
passphrase. Every file written here is owner-only (0600).
"""

from __future__ import annotations

import shutil
from contextlib import closing
from datetime import date, datetime
from pathlib import Path

from casetui.data.domain.errors import DatabaseError, ValidationError
from casetui.data.storage import files, sqlcipher
from casetui.data.storage import sqlcipher as crypto

AUTO_MARK = "-auto-"


def backup_file(source: Path, dest: Path, passphrase: str | None = None) -> Path:
    """Copy ``source`` to ``dest`` (a file, or a folder to put a dated file in); return the file.

    The copy is written beside its destination under a temporary name, checked, then renamed,
    so a failure never leaves a half-written backup under the real name.
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
    try:
        with files.replacing(dest) as temporary:
            crypto.backup_into(source, temporary, passphrase)
            verify(temporary, passphrase)
    except Exception:  # sqlite3's, sqlcipher3's or casetui's, or a full disk: name the source, never the temporary
        raise DatabaseError(files.copy_failed(source, dest, passphrase)) from None
    return dest


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


def restore(backup: Path, target: Path, keep_folder: Path, *, passphrase: str | None = None) -> Path | None:
    """Replace ``target`` with a verified copy of ``backup``.

    ``backup`` is verified before anything is touched. The file being replaced is first kept in
    ``keep_folder`` (a backup-API copy when it is readable, else its raw bytes); that copy's
    path is returned (None when there was no file to replace). casetui must be closed on
    ``target`` while this runs.
    """
    backup, target = Path(backup).expanduser(), Path(target)
    verify(backup, passphrase)
    if backup.resolve() == target.resolve():
        raise DatabaseError("That backup is the database itself; nothing to restore.")
    if not target.parent.is_dir():
        raise DatabaseError(f"The folder {target.parent} does not exist.")
    if target.is_dir():
        files.inspect(target).require()  # says it is a folder
    kept = None
    if target.exists() and target.stat().st_size > 0:
        kept = Path(keep_folder) / f"{target.stem}-before-restore-{datetime.now():%Y%m%d-%H%M%S}.db"
        try:
            backup_file(target, kept, passphrase)
        except DatabaseError:
            # A damaged or differently keyed file is still someone's data: keep its bytes as they are.
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{target}{suffix}").exists():
                    shutil.copyfile(f"{target}{suffix}", files.private_empty_file(f"{kept}{suffix}"))
    passphrase = passphrase if crypto.is_encrypted(backup) else None
    with files.replacing(target) as temporary:
        crypto.backup_into(backup, temporary, passphrase)
        verify(temporary, passphrase)
        # A stale WAL beside the new file would be replayed into it: it belongs to the old file.
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    return kept


def encrypt_file(path: Path, passphrase: str, *, plain_copy: Path | None = None) -> dict[str, int]:
    """Encrypt a plain casetui file in place: new encrypted file, verify row counts, atomic swap.

    Returns the row count of each table. Nothing plaintext stays behind except ``plain_copy``
    when the caller asks for one. The file must not be open in casetui meanwhile.
    """
    path = Path(path)
    if not passphrase or len(passphrase) < 8:
        raise ValidationError("passphrase", "The passphrase must be at least 8 characters long.")
    if sqlcipher.is_encrypted(path):
        raise DatabaseError(f"{path} is already encrypted (or is not an SQLite file). Nothing was changed.")
    verify(path)  # a damaged or foreign file is refused before anything is written
    sqlcipher3 = sqlcipher._driver()
    if plain_copy is not None:
        backup_file(path, Path(plain_copy))
    with files.replacing(path) as temporary:
        with closing(sqlcipher3.connect(str(path))) as conn:
            conn.execute("PRAGMA journal_mode = WAL")  # the app's mode; lets a late reader in
            counts = _counts(conn)
            conn.execute(f"ATTACH DATABASE ? AS encrypted KEY {sqlcipher._quote(passphrase)}", (str(temporary),))
            conn.execute("SELECT sqlcipher_export('encrypted')")
            conn.execute("DETACH DATABASE encrypted")
        with closing(sqlcipher.connect(temporary, passphrase)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok" or _counts(conn) != counts:
                raise DatabaseError(f"The encrypted copy of {path} did not match it; nothing was changed.")
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return counts


def _counts(conn) -> dict[str, int]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
