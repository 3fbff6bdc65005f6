"""An HSDS import killed (SIGKILL) at any moment leaves the directory as it was or wholly
imported: the import is one transaction, its search index rebuilt inside it.

Each round forks a child (no re-import: cheap) that imports a package exported from the demo
directory into a fresh casetui file; the parent kills it at a random moment of the import and
opens the file as the app would.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import time
from contextlib import closing

import pytest

from casetui.data.directory import hsds, resources
from casetui.data.storage.database import open_database
from tests.conftest import TODAY

KILLS = 60


def _services(path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT count(*) FROM service").fetchone()[0]


def _a_word_of_a_service(path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        name = conn.execute("SELECT name FROM service ORDER BY id").fetchone()[0]
    return max(name.split(), key=len)


def _import_in_child(target, package) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            database = open_database(str(target), worker="importer")
            with database.transaction() as session:
                hsds.import_package(session, package, TODAY)
        finally:
            os._exit(0)
    return pid


@pytest.mark.slow
def test_killed_hsds_imports_leave_the_directory_as_it_was_or_whole(demo_path, tmp_path):
    rng = random.Random(20260117)
    package = tmp_path / "package"
    package.mkdir()
    demo = open_database(str(demo_path), worker="exporter")
    with demo.transaction() as session:
        hsds.export_package(session, package)
    demo.dispose()
    empty = tmp_path / "empty.db"
    open_database(str(empty), worker="maker", create=True).dispose()
    target = tmp_path / "target.db"

    shutil.copyfile(empty, target)
    started = time.monotonic()
    os.waitpid(_import_in_child(target, package), 0)
    longest = 1.3 * (time.monotonic() - started)
    whole, word = _services(target), _a_word_of_a_service(target)
    assert whole > 0

    outcomes = {"as it was": 0, "whole": 0}
    for _ in range(KILLS):
        for leftover in tmp_path.glob("target.db*"):
            leftover.unlink()
        shutil.copyfile(empty, target)
        pid = _import_in_child(target, package)
        time.sleep(rng.uniform(0, longest))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        database = open_database(str(target), worker="checker")  # opens as the app would
        with database.transaction() as session:
            found = resources.search(session, word, today=TODAY)
        database.dispose()
        count = _services(target)
        assert count in (0, whole), f"a killed import left {count} of {whole} services"
        assert bool(found) == (count == whole), "the search index does not match the services"
        outcomes["whole" if count else "as it was"] += 1
    print(f"\nHSDS import: {KILLS} kills, {KILLS} files openable, none half-imported ({outcomes})")
