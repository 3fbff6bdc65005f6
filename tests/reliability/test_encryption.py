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
from tests.helpers import digest

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


# --- encryption covers every copy (issue 14) ---------------------------------------------


def casetui_files(*extra) -> list:
    """Every file under casetui's folders (data, backups, settings, logs) and ``extra`` folders."""
    folders = {config.data_dir(), config.backups_dir(), config.config_dir(), config.log_dir(), *extra}
    return sorted({p for folder in folders for p in folder.rglob("*") if p.is_file()})


def test_encrypt_leaves_a_client_name_in_no_file_casetui_keeps(demo_path, tmp_path, monkeypatch, capsys):
    from casetui.data.services import clients

    unique = f"Zqvandermolen{os.getpid()}"
    database = open_database(str(demo_path))
    with database.transaction() as session:
        clients.create_client(session, {"first_name": "Ysolde", "last_name": unique}, TODAY)
    database.dispose()
    # Every kind of copy casetui keeps: manual, automatic, before a restore, a migration's.
    assert main(["--db", str(demo_path), "backup"]) == 0
    make_app(str(demo_path), today=TODAY, auto_backup=True).database.dispose()
    manual = next(config.backups_dir().glob("demo-2*.db"))
    assert main(["--db", str(demo_path), "restore", str(manual)]) == 0
    backup.backup_file(demo_path, demo_path.with_name(f"{demo_path.name}.schema3-20260101-120000.bak"))
    assert len(casetui_files(demo_path.parent)) >= 5
    assert [p for p in casetui_files(demo_path.parent) if unique.encode() in p.read_bytes()]

    monkeypatch.setenv("CASETUI_PASSPHRASE", PASSPHRASE)
    assert main(["--db", str(demo_path), "encrypt"]) == 0
    assert "Encrypted 4 unencrypted copies" in capsys.readouterr().out
    holding = [p for p in casetui_files(demo_path.parent) if unique.encode() in p.read_bytes()]
    assert holding == [], f"{unique} is readable in {holding}"
    for copy in config.backups_dir().glob("*.db"):  # each still a whole backup, with the passphrase
        assert backup.verify(copy, PASSPHRASE)
    # A new backup, automatic or manual, is encrypted too
    assert main(["--db", str(demo_path), "backup"]) == 0
    assert not [p for p in casetui_files(demo_path.parent) if unique.encode() in p.read_bytes()]


def test_copies_that_cannot_be_encrypted_are_named_and_removed_when_asked(demo_path, monkeypatch, capsys):
    monkeypatch.setenv("CASETUI_PASSPHRASE", PASSPHRASE)
    damaged = backup.backup_file(demo_path, config.backups_dir())
    data = bytearray(damaged.read_bytes())
    data[4096 * 2 : 4096 * 4] = b"\x00" * 8192
    damaged.write_bytes(bytes(data))
    assert main(["--db", str(demo_path), "encrypt"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(damaged) in err and "--remove-plain-copies" in err
    assert crypto.is_encrypted(demo_path) and damaged.exists()
    assert main(["--db", str(demo_path), "encrypt", "--remove-plain-copies"]) == 0
    assert not damaged.exists()
    assert main(["--db", str(demo_path), "encrypt"]) == 1  # nothing left to do
    assert "already encrypted, and so is every copy" in capsys.readouterr().err


def test_restoring_a_plaintext_backup_over_an_encrypted_file_needs_to_be_asked_for(
    demo_path, tmp_path, monkeypatch, capsys
):
    plain = backup.backup_file(demo_path, tmp_path / "plain.db")
    backup.encrypt_file(demo_path, PASSPHRASE)
    before = digest(demo_path)
    monkeypatch.setenv("CASETUI_PASSPHRASE", "a wrong passphrase")
    assert main(["--db", str(demo_path), "restore", str(plain)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--allow-plaintext" in err
    assert digest(demo_path) == before and not list(config.backups_dir().iterdir())
    assert main(["--db", str(demo_path), "restore", "--allow-plaintext", str(plain)]) == 0
    assert not crypto.is_encrypted(demo_path)
    [kept] = config.backups_dir().glob("*before-restore*")
    assert crypto.is_encrypted(kept)  # the replaced encrypted file is kept as it was: encrypted


def test_restore_checks_the_passphrase_of_an_encrypted_backup_before_touching_anything(demo_path, tmp_path, capsys):
    encrypted = backup.backup_file(demo_path, tmp_path / "copy.db")
    backup.encrypt_file(encrypted, PASSPHRASE)
    before = digest(demo_path)
    with pytest.raises(DatabaseError, match="Wrong passphrase"):
        backup.restore(encrypted, demo_path, config.backups_dir(), passphrase="not it at all")
    assert digest(demo_path) == before and not list(config.backups_dir().iterdir())


def test_encrypt_is_refused_while_casetui_has_the_file_open(demo_path, monkeypatch, capsys):
    monkeypatch.setenv("CASETUI_PASSPHRASE", PASSPHRASE)
    database = open_database(str(demo_path))
    before = digest(demo_path)
    assert main(["--db", str(demo_path), "encrypt"]) == 1
    assert "open: close it, then run encrypt again" in capsys.readouterr().err
    assert digest(demo_path) == before and not crypto.is_encrypted(demo_path)
    database.dispose()
