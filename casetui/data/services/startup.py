"""Opening the database in the background while the first screen paints.

Importing SQLAlchemy, pydantic and SQLModel takes about half a second, longer than painting the
caseload from a read-only stdlib ``sqlite3`` query (``caseload.open_read_only``). The full
``db.open_database`` (every check, backup and migration) runs in a thread started after the
first frame; whoever needs the database first waits for it with ``result()``.

The first caseload is read by a child process (``FirstCaseloadRead``), not a thread: a thread
shares the GIL with the import of Textual (over 100 ms of Python), and its read of 5,000 cases
took 200 ms beside the import against 66 ms alone. In its own process it runs on the other core.

The rest of the start-up, in the app: the caseload is the default screen (not a mode, whose
first frame Textual renders inside its start-up batch and throws away); the filters, the rows
past the first screenful and this module's ``PendingDatabase`` wait for ``App.on_ready`` (the
first frame is out); the lock screens and the filter widgets are imported only when needed;
garbage collection is off until the first frame (``cli.cmd_run``, ``CaseApp.on_ready``).
"""

from __future__ import annotations

import marshal
import os
import sqlite3
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
            from casetui.data.storage.database import open_database

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


def read_first_caseload(target: str, today: date, worker: str, *, opened: Callable[[], None] | None = None):
    """The worker's caseload read with stdlib ``sqlite3`` (no SQLAlchemy), or None when the file
    is not plainly a current casetui file; ``db.open_database`` then decides what to say.
    ``opened()`` is called once the file is known to be a casetui file, before the reading."""
    from casetui.data.services import caseload

    conn = caseload.open_read_only(target)
    if conn is None:
        return None
    if opened is not None:
        opened()
    try:
        with closing(conn):
            return caseload.load_caseload(conn, today, worker=worker)
    except sqlite3.Error:  # e.g. an older schema: it is migrated before anything is shown
        return None


# The CaseloadRow fields, in the order pack_caseload sends them (a test checks it knows them
# all). marshal carries only plain values (a date goes as its ordinal), and is several times
# quicker than pickle both ways.
ROW_FIELDS = (
    "case_id",
    "client_id",
    "client_name",
    "search_text",
    "stage",
    "worker",
    "program",
    "opened_on",
    "open_goals",
    "last_contact_on",
    "days_since_contact",
    "consent",
    "safety_flag",
    "next_item",
    "overdue_count",
    "week_count",
)


def pack_caseload(loaded) -> bytes:
    """A ``Caseload`` (without its item list) as bytes for ``unpack_caseload``."""
    rows = []
    for row in loaded.rows:
        item = row.next_item
        rows.append(
            (
                row.case_id,
                row.client_id,
                row.client_name,
                row.search_text,
                row.stage,
                row.worker,
                row.program,
                row.opened_on.toordinal(),
                row.open_goals,
                row.last_contact_on.toordinal() if row.last_contact_on else 0,
                row.days_since_contact,
                row.consent,
                row.safety_flag,
                None if item is None else (item.urgency, item.due_on.toordinal(), *item[2:]),
                row.overdue_count,
                row.week_count,
            )
        )
    return marshal.dumps((rows, loaded.workers))


def unpack_caseload(data: bytes):
    from casetui.data.services.caseload import Caseload, CaseloadRow, DueItem

    day = date.fromordinal
    rows, workers = marshal.loads(data)
    return Caseload(
        [
            CaseloadRow(
                case_id,
                client_id,
                name,
                search,
                stage,
                worker,
                program,
                day(opened),
                goals,
                day(contact) if contact else None,
                since,
                consent,
                safety,
                None if item is None else DueItem(item[0], day(item[1]), *item[2:]),
                overdue,
                week,
            )
            for (
                case_id,
                client_id,
                name,
                search,
                stage,
                worker,
                program,
                opened,
                goals,
                contact,
                since,
                consent,
                safety,
                item,
                overdue,
                week,
            ) in rows
        ],
        [],
        workers,
    )


USABLE = b"+"  # the child's first byte: the file is a current casetui file, the caseload follows


class FirstCaseloadRead:
    """``read_first_caseload`` running in a child process, started at once.

    The child answers ``USABLE`` as soon as the file is known to be a casetui file
    (``usable()``), then the ``Caseload`` (``pack_caseload``; ``result()``), through a pipe
    between this process and its own child, so the client names stay in memory. So the app can
    start while the caseload is still being read, and wait for it only when it shows it.

    On Linux, while this process has a single thread, the child is a fork: it starts reading at
    once, with this module and ``caseload`` already imported. Elsewhere (or with threads
    running, when forking is unsafe) it is a new Python (``python -S -m casetui.data.services.startup``),
    about 40 ms slower to get going.
    """

    def __init__(self, target: str, today: date, worker: str, *, method: str | None = None):
        if method is None:
            method = "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"
        self.method = method
        self._returncode: int | None = None
        self._usable: bool | None = None
        request = (os.path.abspath(target), today, worker)
        if method == "fork":
            self._pid, self._stdout = self._fork(request)
            self._child = None
        else:
            self._child = self._spawn(request)
            self._stdout = self._child.stdout

    @staticmethod
    def _fork(request):
        from casetui.data.services import caseload  # noqa: F401  (imported once, before the fork)

        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: read, answer, and leave without running the parent's exit code
            code = 1
            try:
                os.close(read_end)
                with open(write_end, "wb") as out:
                    code = _serve(out, *request)
            finally:
                os._exit(code)
        os.close(write_end)
        return pid, open(read_end, "rb")

    @staticmethod
    def _spawn(request):
        import subprocess  # here, not at the top: the spawned child imports this module too

        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
        # -S: the child needs only the standard library and casetui (on PYTHONPATH).
        child = subprocess.Popen(
            [sys.executable, "-S", "-m", "casetui.data.services.startup"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        target, today, worker = request
        try:
            child.stdin.write("\n".join((target, today.isoformat(), worker)).encode())
            child.stdin.close()
        except OSError:  # the child died at once: usable() says False
            pass
        return child

    def usable(self) -> bool:
        """Whether the file is a current casetui file (waits only for the child's first check)."""
        if self._usable is None:
            self._usable = self._stdout.read(len(USABLE)) == USABLE
            if not self._usable:
                self.close()
        return self._usable

    def result(self):
        """The caseload, or None when the file is not plainly a current casetui file or could not
        be read this way: the full opening then decides what to say."""
        if not self.usable():
            return None
        data = self._stdout.read()
        self.close()
        if self._returncode != 0 or not data:
            return None
        return unpack_caseload(data)

    def close(self) -> None:
        if self._returncode is not None:
            return
        self._stdout.close()
        if self._child is not None:
            self._returncode = self._child.wait()
        else:
            self._returncode = os.waitstatus_to_exitcode(os.waitpid(self._pid, 0)[1])


def _serve(out, target: str, today: date, worker: str) -> int:
    """The child's side of ``FirstCaseloadRead``: 0 when the caseload was sent."""

    def opened() -> None:
        out.write(USABLE)
        out.flush()

    loaded = read_first_caseload(target, today, worker, opened=opened)
    if loaded is None:
        return 1
    out.write(pack_caseload(loaded))
    return 0


def _serve_spawned() -> int:
    target, today, worker = sys.stdin.buffer.read().decode().split("\n", 2)
    return _serve(sys.stdout.buffer, target, date.fromisoformat(today), worker)


if __name__ == "__main__":
    raise SystemExit(_serve_spawned())
