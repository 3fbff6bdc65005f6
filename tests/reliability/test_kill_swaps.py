"""Whole-file swaps (restore, encrypt, copy) against live writers and SIGKILL.

A writer (a forked child, as another casetui window) writes a note every 0.1 s while restore
and encrypt run: each swap is refused while it has the file open, or happens between its
writes, and no acknowledged write is lost. Then each swap is killed at a random moment, many
times: the file always opens, holds every acknowledged write (the old file's or the new one's
whole), and no plaintext temporary file outlives the next command.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import time
from contextlib import closing

import pytest

from casetui import cli, config
from casetui.data.domain.errors import DatabaseError
from casetui.data.services import cases, notes
from casetui.data.storage import backup, copy, file_lock
from casetui.data.storage import sqlcipher as crypto
from casetui.data.storage.database import open_database
from tests.conftest import TODAY
from tests.helpers.children import fork_child, kill_child

pytestmark = pytest.mark.skipif(not crypto.available(), reason="sqlcipher3 is not installed (casetui[encryption])")

PASSPHRASE = "correct horse battery"
KILLS = 25


def _writer(path: str, hold: bool, out_fd: int) -> None:  # pragma: no cover - child
    """Write a note every 0.1 s, announcing each committed one by its unique text. ``hold``: keep
    the database open throughout (an app window); else open it for each write (a script)."""
    database = None
    number = 0
    while True:
        if database is None:
            database = open_database(path, worker="writer", passphrase=PASSPHRASE)
        with database.transaction() as session:
            case_id = cases.open_cases(session)[0][0].id
            text = f"writer-{os.getpid()}-{number}"
            notes.add_note(session, case_id, occurred_on=TODAY, kind="phone", text=text, today=TODAY)
        os.write(out_fd, f"{text}\n".encode())
        number += 1
        if not hold:
            database.dispose()
            database = None
        time.sleep(0.1)


def _start(target, *args) -> tuple[int, int]:
    return fork_child(lambda write_fd: target(*args, write_fd))


def _kill(pid: int, read_fd: int) -> list[str]:
    return kill_child(pid, read_fd, must_be_running=False)  # a swap may have finished


def note_texts(path, passphrase=None) -> set[str]:
    key = passphrase if crypto.is_encrypted(path) else None
    with closing(crypto.connect(path, key)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0] for row in conn.execute("SELECT text FROM note")}


def plaintext_leftovers(*folders) -> list[str]:
    """Temporary or stray SQLite files in plaintext: what a killed swap may not leave behind."""
    found = []
    for folder in folders:
        for path in folder.iterdir():
            if path.is_file() and "partial" in path.name:
                with open(path, "rb") as handle:
                    if handle.read(16) == b"SQLite format 3\x00":
                        found.append(path.name)
    return found


@pytest.mark.slow
def test_a_writer_every_tenth_of_a_second_never_loses_a_write_to_restore_or_encrypt(demo_path, tmp_path):
    good = backup.backup_file(demo_path, tmp_path / "good.db")
    started = time.monotonic()
    acknowledged: list[str] = []
    refused = swapped = 0
    for hold in (True, False):
        for _round in range(3):
            path = tmp_path / f"round-{hold}-{_round}.db"
            shutil.copyfile(demo_path, path)
            pid, read_fd = _start(_writer, str(path), hold)
            kept = []
            time.sleep(0.3)
            for _attempt in range(6):  # restores, then an encrypt, while it writes
                try:
                    made = backup.restore(good, path, config.backups_dir(), passphrase=None)
                    kept.append(made)
                    swapped += 1
                except DatabaseError as exc:
                    assert "open: close it" in str(exc)
                    refused += 1
                time.sleep(0.07)
            for _attempt in range(6):
                try:
                    backup.encrypt_file(path, PASSPHRASE)
                    swapped += 1
                    break
                except DatabaseError as exc:
                    assert "open: close it" in str(exc)
                    refused += 1
                time.sleep(0.07)
            time.sleep(0.3)
            written = _kill(pid, read_fd)
            assert written, "the writer never wrote"
            acknowledged += written
            # A write is in the file, or in the copy a restore kept of the file it replaced.
            found = note_texts(path, PASSPHRASE)
            for copy_path in kept:
                found |= note_texts(copy_path)
            lost = [text for text in written if text not in found]
            assert lost == [], f"acknowledged writes lost ({'held open' if hold else 'opened per write'}): {lost}"
            if hold:
                assert not kept and not crypto.is_encrypted(path), "a swap ran under a writer holding the file"
    elapsed = time.monotonic() - started
    assert refused and swapped, (refused, swapped)
    print(
        f"\nswaps under a writer: {len(acknowledged)} acknowledged writes, none lost; "
        f"{swapped} swaps between writes, {refused} refused; {elapsed:.1f} s"
    )


def _timed(operation) -> float:
    started = time.monotonic()
    operation()
    return time.monotonic() - started


def _kill_during(operation, rng: random.Random, longest: float) -> bool:
    """Run ``operation`` in a child and SIGKILL it at a random moment; whether it had finished."""

    def child(write_fd):  # pragma: no cover - child
        operation()
        os.write(write_fd, b"done\n")
        os.close(write_fd)
        while True:
            time.sleep(1)

    pid, read_fd = _start(child)
    time.sleep(rng.uniform(0, longest))
    return _kill(pid, read_fd) == ["done"]


def _files_openable(path) -> None:
    database = open_database(str(path), worker="checker", passphrase=PASSPHRASE)
    database.dispose()


@pytest.mark.slow
def test_killed_restores_leave_the_old_file_or_the_new_one_whole(demo_path, tmp_path):
    rng = random.Random(20260115)
    good = backup.backup_file(demo_path, tmp_path / "good.db")
    old_texts, new_texts = note_texts(demo_path), note_texts(good)
    database = open_database(str(demo_path), worker="w")
    with database.transaction() as session:
        case_id = cases.open_cases(session)[0][0].id
        notes.add_note(session, case_id, occurred_on=TODAY, kind="phone", text="after the backup", today=TODAY)
    database.dispose()
    old_texts = note_texts(demo_path)
    template = tmp_path / "template.db"
    shutil.copyfile(demo_path, template)
    longest = 1.3 * _timed(lambda: backup.restore(good, demo_path, tmp_path, passphrase=None))
    outcomes = {"old": 0, "new": 0}
    for _ in range(KILLS):
        shutil.copyfile(template, demo_path)
        _kill_during(lambda: backup.restore(good, demo_path, config.backups_dir()), rng, longest)
        _files_openable(demo_path)  # also sweeps what the kill left beside it
        texts = note_texts(demo_path)
        assert texts in (old_texts, new_texts), "a restore left a mix of two files"
        outcomes["old" if texts == old_texts else "new"] += 1
        assert plaintext_leftovers(demo_path.parent) == []
        backup.backup_file(demo_path, config.backups_dir())  # a next backup sweeps the backups folder
        assert plaintext_leftovers(config.backups_dir()) == []
    print(f"\nrestore: {KILLS} kills, {KILLS} files openable, none lost ({outcomes})")


@pytest.mark.slow
def test_killed_encryptions_leave_a_whole_file_and_no_plaintext_after_the_next_run(demo_path, tmp_path, monkeypatch):
    rng = random.Random(20260116)
    monkeypatch.setenv("CASETUI_PASSPHRASE", PASSPHRASE)
    template = tmp_path / "template.db"
    shutil.copyfile(demo_path, template)
    texts = note_texts(demo_path)
    with closing(sqlite3.connect(demo_path)) as conn:
        names = [row[0].encode() for row in conn.execute("SELECT last_name FROM client")]
    backup.backup_file(demo_path, config.backups_dir())  # a plaintext backup to encrypt as well
    longest = 1.3 * _timed(lambda: cli.main(["--db", str(demo_path), "encrypt"]))
    outcomes = {"plain": 0, "encrypted": 0}
    for _ in range(KILLS):
        for old in config.backups_dir().iterdir():
            old.unlink()
        shutil.copyfile(template, demo_path)
        backup.backup_file(demo_path, config.backups_dir())
        _kill_during(lambda: cli.main(["--db", str(demo_path), "encrypt"]), rng, longest)
        _files_openable(demo_path)
        assert note_texts(demo_path, PASSPHRASE) == texts
        outcomes["encrypted" if crypto.is_encrypted(demo_path) else "plain"] += 1
        assert plaintext_leftovers(demo_path.parent) == []
        assert cli.main(["--db", str(demo_path), "encrypt"]) in (0, 1)  # run again: it finishes
        assert crypto.is_encrypted(demo_path)
        for folder in (demo_path.parent, config.backups_dir()):
            holding = [p.name for p in folder.iterdir() if p.is_file() and any(n in p.read_bytes() for n in names)]
            assert holding in ([], ["template.db"]), holding
    print(f"\nencrypt: {KILLS} kills, {KILLS} files openable, none lost ({outcomes})")


@pytest.mark.slow
def test_killed_copies_leave_no_destination_or_a_whole_one_and_can_be_run_again(demo_path, tmp_path):
    rng = random.Random(20260117)
    dest = tmp_path / "out" / "copy.db"
    dest.parent.mkdir()
    source_texts = note_texts(demo_path)

    def run_copy():
        assert cli.main(["copy", str(demo_path), str(dest)]) == 0

    longest = 1.3 * _timed(run_copy)
    outcomes = {"none": 0, "whole": 0}
    for _ in range(KILLS):
        for old in dest.parent.iterdir():
            old.unlink()
        _kill_during(run_copy, rng, longest)
        assert note_texts(demo_path) == source_texts
        if dest.exists():
            outcomes["whole"] += 1
            assert note_texts(dest) == source_texts
        else:
            outcomes["none"] += 1
            run_copy()  # the same command again: the leftovers do not stand in its way
            source, copied = open_database(str(demo_path)), open_database(str(dest))
            try:
                assert all(result.verified for result in copy.verify_same(source, copied))
            finally:
                source.dispose()
                copied.dispose()
        assert [p.name for p in dest.parent.iterdir() if p.name != file_lock.lock_file_of(dest).name] in (
            ["copy.db"],
            ["copy.db", "copy.db-wal", "copy.db-shm"],
        ), list(dest.parent.iterdir())
    print(f"\ncopy: {KILLS} kills, {KILLS} files openable, none lost ({outcomes})")
