"""Migration and first creation, killed (SIGKILL) or starved of disk at any moment, leave either
the file as it was (which the next open migrates or creates) or the finished new one, and lose
no acknowledged write.

Each round forks a child (no re-import: cheap) that opens the file, which migrates or creates
it, says so, then writes and reports every committed id; the parent kills it at a random
moment of that, then opens the file as the app would and checks it. The full-disk test runs the
same opens on a real 2 MB tmpfs (it needs root to mount one, and is skipped otherwise).
"""

from __future__ import annotations

import os
import random
import select
import shutil
import sqlite3
import subprocess
import time
import traceback
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from casetui.data.domain.errors import DatabaseError
from casetui.data.services import cases, clients, notes
from casetui.data.storage import files
from casetui.data.storage.database import open_database
from casetui.data.storage.files import Kind
from tests.conftest import TODAY
from tests.helpers.children import drain, fork_child, kill_child

MIGRATION_KILLS = 60
CREATION_KILLS = 60


def _make_version_one(path: Path) -> Path:
    """Turn a current casetui file into the shape version one wrote (the demo's data in it)."""
    with closing(sqlite3.connect(path)) as conn:
        for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f'DROP TRIGGER "{trigger}"')
        conn.execute("DROP VIEW service_search_doc")
        conn.execute("DROP TABLE service_fts")
        conn.execute("DROP TABLE service_title_fts")
        conn.execute("ALTER TABLE instrument_score DROP COLUMN difficulty")  # added by version 3
        conn.execute("UPDATE casetui_meta SET value = '1' WHERE key = 'schema_version'")
        conn.commit()
        conn.execute("VACUUM")
    return path


@pytest.fixture(scope="module")
def version_one(_demo_template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("version-one") / "old.db"
    shutil.copy(_demo_template, path)
    return _make_version_one(path)


def _ids(path: Path, table: str) -> set[int]:
    with closing(sqlite3.connect(path)) as conn:
        return {row[0] for row in conn.execute(f"SELECT id FROM {table}")}


# --- children ------------------------------------------------------------------------------


def _migrating(path: str, out_fd: int) -> None:
    database = open_database(path, worker="migrating")
    os.write(out_fd, b"ready 0\n")
    with database.transaction() as session:
        case_id = cases.open_cases(session)[0][0].id
    while True:
        with database.transaction() as session:
            note = notes.add_note(
                session, case_id, occurred_on=TODAY, kind="phone", text="Synthetic note after the upgrade", today=TODAY
            )
        os.write(out_fd, f"note {note.id}\n".encode())


def _creating(path: str, out_fd: int) -> None:
    database = open_database(path, worker="creating")
    os.write(out_fd, b"ready 0\n")
    while True:
        with database.transaction() as session:
            client = clients.create_client(session, {"first_name": "Kill", "last_name": "Testperson"}, TODAY)
            cases.open_case(session, client.id, TODAY)
        os.write(out_fd, f"client {client.id}\n".encode())


def _fork(work, path: Path) -> tuple[int, int]:
    return fork_child(lambda write_fd: work(str(path), write_fd))


def _lines(read_fd: int) -> list[tuple[str, int]]:
    return [(kind, int(number)) for kind, number in (line.split() for line in drain(read_fd))]


def _kill(pid: int, read_fd: int) -> list[tuple[str, int]]:
    return [(kind, int(number)) for kind, number in (line.split() for line in kill_child(pid, read_fd))]


def _time_to_ready(work, path: Path, prepare) -> float:
    """How long a child takes to open (migrate or create) the file: the window the kills fall in."""
    prepare()
    started = time.monotonic()
    pid, read_fd = _fork(work, path)
    select.select([read_fd], [], [], 30)
    elapsed = time.monotonic() - started
    assert _kill(pid, read_fd)[:1] == [("ready", 0)], "the calibration child did not open the file"
    return elapsed


def _check_opens(path: Path, acknowledged: list[tuple[str, int]], kept: dict[str, set[int]]) -> None:
    """Open as the app does; the file is whole and holds every row it held and every acknowledged one."""
    database = open_database(str(path), worker="checker")
    database.dispose()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for table in ("note", "client"):
        wanted = kept.get(table, set()) | {number for kind, number in acknowledged if kind == table}
        lost = wanted - _ids(path, table)
        assert not lost, f"{len(lost)} {table} row(s) lost"
    assert len(list(path.parent.glob(f"{path.name}.schema*.bak"))) <= 1, "a second copy of the same schema"
    assert not list(path.parent.glob(f".{path.name}*.partial")), "a half-written copy was left behind"
    assert not list(path.parent.glob(f".{path.name}*.creating*")), "an interrupted creation's file was left behind"


def _remove(path: Path) -> None:
    for leftover in path.parent.glob(f"*{path.name}*"):
        leftover.unlink()


@pytest.mark.slow  # fault injection: 60 kills during migrations
def test_kills_during_a_migration_leave_the_old_file_or_the_new_one(version_one, tmp_path):
    rng = random.Random(20260115)
    path = tmp_path / "old.db"
    kept = {"note": _ids(version_one, "note"), "client": _ids(version_one, "client")}

    def prepare():
        _remove(path)
        shutil.copy(version_one, path)

    window = max(_time_to_ready(_migrating, path, prepare) for _ in range(3))
    found: Counter[str] = Counter()
    writes = 0
    started = time.monotonic()
    for _ in range(MIGRATION_KILLS):
        prepare()
        pid, read_fd = _fork(_migrating, path)
        time.sleep(rng.uniform(0, window * 1.5))
        acknowledged = _kill(pid, read_fd)
        state = files.inspect(path)
        assert state.kind in (Kind.OLDER, Kind.CURRENT), state.message
        found[state.kind.value] += 1
        writes += len(acknowledged) - (("ready", 0) in acknowledged)
        _check_opens(path, acknowledged, kept)
    elapsed = time.monotonic() - started
    print(
        f"\nmigration: {MIGRATION_KILLS} kills (window {window:.2f} s), files left {dict(found)}, all "
        f"{MIGRATION_KILLS} openable and migrated, {writes} acknowledged writes after it, none lost, {elapsed:.1f} s"
    )
    assert found["older"] and found["current"], "the kills missed one side of the commit: the window is wrong"
    assert elapsed < 60, f"the migration kill test took {elapsed:.0f} s"


@pytest.mark.slow  # fault injection: 60 kills during first creations
def test_kills_during_first_creation_leave_no_file_refused(tmp_path):
    rng = random.Random(20260116)
    path = tmp_path / "new.db"

    def prepare():
        _remove(path)

    window = max(_time_to_ready(_creating, path, prepare) for _ in range(3))
    found: Counter[str] = Counter()
    writes = 0
    started = time.monotonic()
    for _ in range(CREATION_KILLS):
        prepare()
        pid, read_fd = _fork(_creating, path)
        time.sleep(rng.uniform(0, window * 1.5))
        acknowledged = _kill(pid, read_fd)
        state = files.inspect(path)
        assert state.kind in (Kind.MISSING, Kind.EMPTY, Kind.CURRENT), state.message
        found[state.kind.value] += 1
        writes += len(acknowledged) - (("ready", 0) in acknowledged)
        _check_opens(path, acknowledged, {})
    elapsed = time.monotonic() - started
    print(
        f"\nfirst creation: {CREATION_KILLS} kills (window {window:.2f} s), files left {dict(found)}, all "
        f"{CREATION_KILLS} opened (created or finished), {writes} acknowledged writes, none lost, {elapsed:.1f} s"
    )
    assert found["current"] and (found["empty"] or found["missing"]), "the kills missed one side of the commit"
    assert elapsed < 90, f"the creation kill test took {elapsed:.0f} s"


# --- a full disk -----------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A real 2 MB filesystem (tmpfs), mounted for the test and removed after it."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("the full-disk test mounts a 2 MB tmpfs, which needs root; it did not run")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"the full-disk test could not mount a 2 MB tmpfs ({done.stderr.decode().strip()}); it did not run")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path, leave: int) -> Path:
    """Take all but ``leave`` bytes of the filesystem."""
    filler = folder / "filler"
    info = os.statvfs(folder)
    size = max(info.f_bavail * info.f_frsize - leave, 0)
    with open(filler, "wb") as handle:
        try:
            handle.write(b"\0" * size)
            handle.flush()
            os.fsync(handle.fileno())
        except OSError:
            pass
    return filler


def _open_in_child(path: Path) -> tuple[int, str]:
    """Open ``path`` (migrating or creating it) in a forked child: its exit code and message."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(read_fd)
        code = 4
        try:
            open_database(str(path), worker="full-disk").dispose()
            code = 0
        except DatabaseError as exc:
            os.write(write_fd, str(exc).encode())
            code = 3
        except BaseException:
            os.write(write_fd, traceback.format_exc().encode())
        finally:
            os._exit(code)
    os.close(write_fd)
    _pid, status = os.waitpid(pid, 0)
    message = b""
    while chunk := os.read(read_fd, 65536):
        message += chunk
    os.close(read_fd)
    return (os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)), message.decode()


def _starve(small_disk: Path, path: Path, prepare, allowed: tuple[Kind, ...], kept) -> Counter[str]:
    """Open at many levels of free space (twice each), then free it: the file must open whole."""
    outcomes: Counter[str] = Counter()
    for leave in range(0, 1_600_000, 64 * 1024):
        for leftover in small_disk.iterdir():
            leftover.unlink()
        prepare()
        filler = _fill(small_disk, leave)
        for _attempt in range(2):  # a retried open on a still-full disk writes no second copy
            code, message = _open_in_child(path)
            assert code in (0, 3), f"opening on a full disk failed with exit {code}:\n{message}"
            if code == 3:
                assert "\n" not in message.strip() and "the disk is full" in message, message
            outcomes["opened" if code == 0 else "refused: disk full"] += 1
        filler.unlink()
        state = files.inspect(path)
        assert state.kind in allowed, state.message
        _check_opens(path, [], kept)
    return outcomes


@pytest.mark.slow  # a real full disk, many levels of free space
def test_a_full_disk_during_migration_or_creation_leaves_a_file_that_opens(small_disk, version_one):
    old = small_disk / "old.db"
    kept = {"note": _ids(version_one, "note"), "client": _ids(version_one, "client")}
    migration = _starve(small_disk, old, lambda: shutil.copy(version_one, old), (Kind.OLDER, Kind.CURRENT), kept)
    new = small_disk / "new.db"
    creation = _starve(small_disk, new, lambda: None, (Kind.MISSING, Kind.EMPTY, Kind.CURRENT), {})
    print(f"\nfull disk: migration {dict(migration)}, first creation {dict(creation)}; every file opened after")
    assert migration["refused: disk full"] and migration["opened"], "the levels of free space missed a side"
    assert creation["refused: disk full"] and creation["opened"], "the levels of free space missed a side"
