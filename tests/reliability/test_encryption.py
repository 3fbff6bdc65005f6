"""Encryption at rest with SQLCipher (the optional ``encryption`` extra)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest

from casetui import config
from casetui.cli import main, make_app
from casetui.data.domain.errors import DatabaseError
from casetui.data.storage import backup
from casetui.data.storage import sqlcipher as crypto
from casetui.data.storage.database import open_database
from tests.conftest import TODAY

pytestmark = pytest.mark.skipif(
    not crypto.available(),
    reason="sqlcipher3 is not installed: "
    "pip install 'casetui[encryption]' (sqlcipher3-binary) to test encryption at rest",
)

PASSPHRASE = "correct horse battery"


def client_names(path) -> list[bytes]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0].encode() for row in conn.execute("SELECT last_name FROM client")]


def files_hold(folder, names) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_file() and any(n in p.read_bytes() for n in names)]


def counts(path, passphrase=None) -> dict:
    with closing(crypto.connect(path, passphrase)) as conn:
        return backup._counts(conn)


def test_encrypt_in_place_leaves_no_plaintext_and_keeps_every_row(demo_path, monkeypatch, capsys):
    names = client_names(demo_path)
    before = counts(demo_path)
    monkeypatch.setenv("CASETUI_PASSPHRASE", PASSPHRASE)
    assert main(["--db", str(demo_path), "encrypt"]) == 0
    assert crypto.is_encrypted(demo_path)
    assert counts(demo_path, PASSPHRASE) == before
    assert files_hold(demo_path.parent, names) == [], "client names are readable in a file's bytes"
    assert os.stat(demo_path).st_mode & 0o777 == 0o600
    # The app opens it with the passphrase from the environment, and writes stay encrypted
    app = make_app(str(demo_path), today=TODAY)
    assert app.database.encrypted
    with app.database.transaction() as session:
        from casetui.data.services import clients

        clients.create_client(session, {"first_name": "Quintessa", "last_name": "Zzyzxencrypted"}, TODAY)
    app.database.dispose()
    assert files_hold(demo_path.parent, [b"Zzyzxencrypted", *names]) == []


def test_plain_copy_only_when_asked(demo_path, tmp_path, monkeypatch):
    monkeypatch.setenv("CASETUI_PASSPHRASE", PASSPHRASE)
    copy = tmp_path / "keep" / "plain.db"
    copy.parent.mkdir()
    assert main(["--db", str(demo_path), "encrypt", "--plain-copy", str(copy)]) == 0
    assert not crypto.is_encrypted(copy) and backup.verify(copy)
    assert os.stat(copy).st_mode & 0o777 == 0o600


def test_wrong_or_missing_passphrase_is_one_clear_line(demo_path, monkeypatch):
    backup.encrypt_file(demo_path, PASSPHRASE)
    env = {**os.environ, "CASETUI_PASSPHRASE": "not the passphrase"}
    result = subprocess.run(
        [sys.executable, "-m", "casetui", "--db", str(demo_path), "export", "x.json"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Wrong passphrase" in result.stderr, result.stderr
    with pytest.raises(DatabaseError, match="Wrong passphrase"):
        open_database(str(demo_path), passphrase="also wrong")
    with pytest.raises(DatabaseError, match="encrypted"):
        open_database(str(demo_path))


def test_backups_of_an_encrypted_file_stay_encrypted_and_restore(demo_path, tmp_path, monkeypatch):
    names = client_names(demo_path)
    backup.encrypt_file(demo_path, PASSPHRASE)
    monkeypatch.setenv("CASETUI_PASSPHRASE", PASSPHRASE)
    assert main(["--db", str(demo_path), "backup"]) == 0
    app = make_app(str(demo_path), today=TODAY, auto_backup=True)
    app.database.dispose()
    made = list(config.backups_dir().glob("*.db"))
    assert len(made) == 2
    assert all(crypto.is_encrypted(p) for p in made)
    assert files_hold(config.backups_dir(), names) == []
    with pytest.raises(DatabaseError):
        backup.verify(made[0])  # no passphrase: refused, not read as plaintext
    assert main(["--db", str(demo_path), "restore", str(made[0])]) == 0
    assert crypto.is_encrypted(demo_path)
    assert files_hold(config.backups_dir(), names) == []


def test_encrypting_twice_or_a_damaged_file_is_refused(demo_path, db_path):
    backup.encrypt_file(demo_path, PASSPHRASE)
    with pytest.raises(DatabaseError, match="already encrypted"):
        backup.encrypt_file(demo_path, PASSPHRASE)
    data = bytearray(db_path.read_bytes())
    data[4096:8192] = b"\xff" * 4096
    db_path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError):
        backup.encrypt_file(db_path, PASSPHRASE)
    assert not crypto.is_encrypted(db_path)
