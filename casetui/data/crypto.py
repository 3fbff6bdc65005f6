"""Encryption at rest (SQLCipher, the optional ``encryption`` extra) and lock secrets.

An encrypted casetui file is an SQLCipher 4 database keyed with the worker's passphrase. It
opens through SQLAlchemy's ``sqlite+pysqlcipher`` driver (``sqlcipher3-binary``); the passphrase
is never written anywhere. For unencrypted files the idle lock uses a PIN or passphrase the
worker chose, kept in the settings only as a salted scrypt hash.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from sqlmodel import Session

from casetui.data.errors import DatabaseError, ValidationError

SQLITE_HEADER = b"SQLite format 3\x00"
INSTALL_HINT = "Install the encryption extra: pip install 'casetui[encryption]'."
LOCK_SECRET_KEY = "lock_secret_hash"

# scrypt cost: about 50 ms here, cheap for one unlock and costly for guessing a short PIN.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def available() -> bool:
    try:
        import sqlcipher3  # noqa: F401
    except ImportError:
        return False
    return True


def _driver():
    try:
        import sqlcipher3
    except ImportError:
        raise DatabaseError(f"This file is encrypted and SQLCipher is not installed. {INSTALL_HINT}") from None
    return sqlcipher3


def is_encrypted(path: Path) -> bool:
    """A non-empty file that does not start with the plain SQLite header (or is not SQLite at all)."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with open(path, "rb") as handle:
        return handle.read(16) != SQLITE_HEADER


def _quote(passphrase: str) -> str:
    # The same quoting SQLAlchemy's pysqlcipher dialect uses, so both derive the same key.
    return '"' + passphrase.replace('"', '""') + '"'


def url_for(path: Path, passphrase: str) -> str:
    """``sqlite+pysqlcipher://:PASSPHRASE@/path`` with the passphrase URL-quoted."""
    return f"sqlite+pysqlcipher://:{quote(passphrase, safe='')}@/{Path(path).resolve()}"


def connect(path: Path, passphrase: str | None = None, *, timeout: float = 5.0):
    """A DB-API connection to a plain (no passphrase) or encrypted file, with the key applied.

    A wrong passphrase raises ``DatabaseError`` with a clear message.
    """
    if not passphrase:
        return sqlite3.connect(str(path), timeout=timeout)
    conn = _driver().connect(str(path), timeout=timeout)
    try:
        # SQLCipher logs decryption failures to stderr; casetui reports them in one line itself.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_quote(passphrase)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception:
        conn.close()
        raise DatabaseError(f"Wrong passphrase for {path} (or it is not a casetui database). Nothing was changed.") from None
    return conn


def encrypt_file(path: Path, passphrase: str, *, plain_copy: Path | None = None) -> dict[str, int]:
    """Encrypt a plain casetui file in place: new encrypted file, verify row counts, atomic swap.

    Returns the row count of each table. Nothing plaintext stays behind except ``plain_copy``
    when the caller asks for one. The file must not be open in casetui meanwhile.
    """
    from casetui.data import backup  # backup imports crypto

    path = Path(path)
    if not passphrase or len(passphrase) < 8:
        raise ValidationError("passphrase", "The passphrase must be at least 8 characters long.")
    if is_encrypted(path):
        raise DatabaseError(f"{path} is already encrypted (or is not an SQLite file). Nothing was changed.")
    backup.verify(path)  # a damaged or foreign file is refused before anything is written
    sqlcipher3 = _driver()
    if plain_copy is not None:
        backup.backup_file(path, Path(plain_copy))
    temporary = path.with_name(f".{path.name}.encrypting")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        with closing(sqlcipher3.connect(str(path))) as conn:
            conn.execute("PRAGMA journal_mode = WAL")  # the app's mode; lets a late reader in
            counts = _counts(conn)
            conn.execute(f"ATTACH DATABASE ? AS encrypted KEY {_quote(passphrase)}", (str(temporary),))
            conn.execute("SELECT sqlcipher_export('encrypted')")
            conn.execute("DETACH DATABASE encrypted")
        with closing(connect(temporary, passphrase)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok" or _counts(conn) != counts:
                raise DatabaseError(f"The encrypted copy of {path} did not match it; nothing was changed.")
        _fsync(temporary)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(temporary, path)
        _fsync_dir(path.parent)
    finally:
        temporary.unlink(missing_ok=True)
    return counts


def _counts(conn) -> dict[str, int]:
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        _fsync(folder)
    except OSError:  # some platforms cannot open a folder; the rename is still atomic
        pass


# --- secrets for the idle lock -------------------------------------------------------------


def hash_secret(secret: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_secret(secret: str, stored: str) -> bool:
    try:
        kind, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    candidate = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate, bytes.fromhex(digest))


def has_lock_secret(session: Session) -> bool:
    from casetui.data.models import Setting

    return session.get(Setting, LOCK_SECRET_KEY) is not None


def set_lock_secret(session: Session, secret: str) -> None:
    """Keep a salted hash of the worker's lock PIN or passphrase (never the secret itself)."""
    from casetui.data import audit
    from casetui.data.models import Setting

    if not secret or len(secret.strip()) < 4:
        raise ValidationError("secret", "The lock PIN or passphrase must be at least 4 characters.")
    row = session.get(Setting, LOCK_SECRET_KEY) or Setting(key=LOCK_SECRET_KEY, value="")
    row.value = hash_secret(secret)
    session.add(row)
    audit.record(session, "update", "setting", LOCK_SECRET_KEY, fields=["value"])
    session.commit()


def check_lock_secret(session: Session, secret: str) -> bool:
    from casetui.data.models import Setting

    row = session.get(Setting, LOCK_SECRET_KEY)
    return row is not None and check_secret(secret, row.value)
