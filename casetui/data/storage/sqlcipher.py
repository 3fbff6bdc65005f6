"""Encryption at rest: SQLCipher (the optional ``encryption`` extra).

An encrypted casetui file is an SQLCipher 4 database keyed with the worker's passphrase. It
opens through SQLAlchemy's ``sqlite+pysqlcipher`` driver (``sqlcipher3-binary``); the passphrase
is never written anywhere. Encrypting a plain file in place is ``backup.encrypt_file``; the idle
lock's PIN is ``services/lock.py``.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from casetui.data.domain.errors import DatabaseError

SQLITE_HEADER = b"SQLite format 3\x00"
INSTALL_HINT = "Install the encryption extra: pip install 'casetui[encryption]'."


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


def connect(path: Path, passphrase: str | None = None, *, timeout: float = 5.0, read_only: bool = False):
    """A DB-API connection to a plain (no passphrase) or encrypted file, with the key applied;
    ``read_only``: one that cannot write to it.

    A wrong passphrase raises ``DatabaseError`` with a clear message.
    """
    target, uri = (f"{Path(path).resolve().as_uri()}?mode=ro", True) if read_only else (str(path), False)
    if not passphrase:
        return sqlite3.connect(target, timeout=timeout, uri=uri)
    conn = _driver().connect(target, timeout=timeout, uri=uri)
    try:
        # SQLCipher logs decryption failures to stderr; casetui reports them in one line itself.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_quote(passphrase)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception:
        conn.close()
        raise DatabaseError(
            f"Wrong passphrase for {path} (or it is not a casetui database). Nothing was changed."
        ) from None
    return conn


def backup_into(source: Path, dest: Path, passphrase: str | None = None) -> None:
    """Copy ``source`` into the empty file ``dest`` with SQLite's online backup API (consistent
    even while the app writes), keyed alike. The copy is one self-contained file (a rollback
    journal, not WAL): reading it later leaves no -wal or -shm beside it."""
    with closing(connect(source, passphrase)) as src, closing(connect(dest, passphrase)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
