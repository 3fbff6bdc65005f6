"""Opening the database in the background while the first screen paints.

Importing SQLAlchemy, pydantic and SQLModel takes about half a second, longer than painting the
caseload from a read-only stdlib ``sqlite3`` query (``caseload.open_read_only``). The full
``db.open_database`` (every check, backup and migration) runs in a thread started after the
first frame; whoever needs the database first waits for it with ``result()``.

The first caseload is read by a child process (``FirstCaseloadRead``), not a thread: importing
Textual holds the GIL for over 100 ms, and a thread's read (one GIL hand-over per row fetched)
made no progress until the import was done. In its own process it runs on the other core.
"""

from __future__ import annotations

import marshal
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import closing
from datetime import date


class PendingDatabase:
    """A ``db.Database`` being opened in a background thread."""

    def __init__(self, target: str, worker: str, *, after_open: Callable[[object], None] | None = None):
        """``after_open(database)`` runs in the thread once the database is open (e.g. the
        day's automatic backup); what it raises is its own business, not the opening's."""
        self.target = target
        self.worker = worker
        self.after_open = after_open
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._database = None
        self._error: BaseException | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._open, name="open-database", daemon=True)
                self._thread.start()

    def _open(self) -> None:
        try:
            from casetui.data.db import open_database

            self._database = open_database(self.target, worker=self.worker)
        except BaseException as exc:  # handed to whoever waits, in their thread
            self._error = exc
            self._done.set()
            return
        self._done.set()
        if self.after_open is not None:
            self.after_open(self._database)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self):
        """The open database, waiting for it if need be; raises what opening it raised."""
        self.start()
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._database


def read_first_caseload(target: str, today: date, worker: str):
    """The worker's caseload read with stdlib ``sqlite3`` (no SQLAlchemy), or None when the file
    is not plainly a current casetui file; ``db.open_database`` then decides what to say."""
    from casetui.data import caseload

    conn = caseload.open_read_only(target)
    if conn is None:
        return None
    try:
        with closing(conn):
            return caseload.load_caseload(conn, today, worker=worker)
    except sqlite3.Error:  # e.g. an older schema: it is migrated before anything is shown
        return None


# The CaseloadRow fields in order, and which of them are dates: marshal carries only plain
# values (a date goes as its ordinal), and is several times quicker than pickle both ways.
ROW_FIELDS = ("case_id", "client_id", "client_name", "search_text", "stage", "worker", "program", "opened_on",
              "open_goals", "last_contact_on", "days_since_contact", "consent", "safety_flag", "next_item",
              "overdue_count", "week_count")


def pack_caseload(loaded) -> bytes:
    """A ``Caseload`` (without its item list) as bytes for ``unpack_caseload``."""
    rows = []
    for row in loaded.rows:
        item = row.next_item
        rows.append((
            row.case_id, row.client_id, row.client_name, row.search_text, row.stage, row.worker, row.program,
            row.opened_on.toordinal(), row.open_goals, row.last_contact_on.toordinal() if row.last_contact_on else 0,
            row.days_since_contact, row.consent, row.safety_flag,
            None if item is None else (item.urgency, item.due_on.toordinal(), *item[2:]),
            row.overdue_count, row.week_count,
        ))
    return marshal.dumps((rows, loaded.workers))


def unpack_caseload(data: bytes):
    from casetui.data.caseload import Caseload, CaseloadRow, DueItem

    day = date.fromordinal
    rows, workers = marshal.loads(data)
    return Caseload([
        CaseloadRow(case_id, client_id, name, search, stage, worker, program, day(opened), goals,
                    day(contact) if contact else None, since, consent, safety,
                    None if item is None else DueItem(item[0], day(item[1]), *item[2:]), overdue, week)
        for (case_id, client_id, name, search, stage, worker, program, opened, goals, contact, since, consent,
             safety, item, overdue, week) in rows
    ], [], workers)


class FirstCaseloadRead:
    """``read_first_caseload`` running in a child Python process, started at once.

    The request goes through stdin, the ``Caseload`` comes back on stdout (``pack_caseload``):
    a pipe between this process and its own child, so the client names stay in memory.
    """

    def __init__(self, target: str, today: date, worker: str):
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
        self._child = subprocess.Popen(
            [sys.executable, "-m", "casetui.data.startup"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env)
        request = "\n".join((os.path.abspath(target), today.isoformat(), worker)).encode()
        try:
            self._child.stdin.write(request)
            self._child.stdin.close()
        except OSError:  # the child died at once: result() says None
            pass

    def result(self):
        """The caseload, or None when the file is not plainly a current casetui file (or the
        child failed): the full opening then decides what to say."""
        data = self._child.stdout.read()
        self._child.stdout.close()
        if self._child.wait() != 0 or not data:
            return None
        return unpack_caseload(data)


def _serve_first_caseload() -> int:
    """The child's side of ``FirstCaseloadRead``."""
    target, today, worker = sys.stdin.buffer.read().decode().split("\n", 2)
    loaded = read_first_caseload(target, date.fromisoformat(today), worker)
    if loaded is not None:
        sys.stdout.buffer.write(pack_caseload(loaded))
    return 0


if __name__ == "__main__":
    raise SystemExit(_serve_first_caseload())
