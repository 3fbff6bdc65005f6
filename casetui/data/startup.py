"""Opening the database in the background while the first screen paints.

Importing SQLAlchemy, pydantic and SQLModel takes about half a second, longer than painting the
caseload from a read-only stdlib ``sqlite3`` query (``caseload.open_read_only``). The full
``db.open_database`` (every check, backup and migration) runs in a thread started after the
first frame; whoever needs the database first waits for it with ``result()``.
"""

from __future__ import annotations

import sqlite3
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
