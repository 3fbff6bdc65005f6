"""Start-up and opening a client record, with 5,000 open cases.

- ``startup_s``: from process start until a client's name is painted, running
  ``python -m casetui --db FILE`` in a real pseudo-terminal (120x40), Python start and every
  import included. ``startup_floor_s``: the same for a bare Textual app showing a 50-row
  DataTable, measured in the same run; ``startup_ratio`` is the first over the second.
- ``open_client_ms``: the service calls the client screen makes when it opens (audit the
  opening, read the whole record) for a client with a year of notes.
- ``caseload_query_ms``: the caseload (every due item of 5,000 open cases) read once.
- ``first_read_ms``: what the app does before its first frame with the file: inspect it and
  read the worker's most urgent rows (``caseload.first_caseload``, stdlib sqlite3), all in one
  process; SQLAlchemy opens the database only after that frame.
Medians of ``args.runs`` runs.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

CASES = 5000
TODAY = date(2026, 1, 15)
SIZE = (120, 40)
TIMEOUT_S = 30.0
CHECKOUT = Path(__file__).resolve().parents[2]

FLOOR_APP = """
from textual.app import App
from textual.widgets import DataTable

class Floor(App):
    def compose(self):
        table = DataTable()
        table.add_columns("Name", "Stage", "Due")
        for n in range(50):
            table.add_row(f"Floormarker{n}", "Planning", "2026-01-15")
        yield table

Floor().run()
"""


def build(path: Path) -> tuple[str, int]:
    """A database with CASES open cases and one client with a year of notes.

    Returns the last name of the first client the caseload shows, and the busy client's id."""
    from casetui.data.services import caseload, demo, settings
    from casetui.data.storage.database import open_database
    from casetui.data.storage.models import Note

    database = open_database(str(path), worker=demo.DEMO_WORKER)
    with database.transaction() as session:
        demo.write_demo(session, TODAY, clients=CASES)
        settings.set_value(session, "idle_lock_minutes", "0")  # the first-run choice: no lock to time
        busy = caseload.caseload_rows(session, TODAY, worker=demo.DEMO_WORKER)[0]
        for day in range(365):
            session.add(
                Note(
                    case_id=busy.case_id,
                    occurred_on=TODAY - timedelta(days=day),
                    kind="phone",
                    duration_minutes=15,
                    text="Phone check-in about the week's appointments. " * 4,
                    worker=demo.DEMO_WORKER,
                )
            )
        session.commit()
        first = caseload.caseload_rows(session, TODAY, worker=demo.DEMO_WORKER)[0]
    database.dispose()
    return first.client_name.split(",")[0], busy.client_id


def time_to_paint(argv: list[str], marker: bytes, env: dict) -> float:
    """Seconds from spawning ``argv`` in a pty until ``marker`` appears in what it writes."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=str(CHECKOUT), start_new_session=True
    )
    os.close(slave)
    seen = b""
    try:
        while True:
            if time.perf_counter() - start > TIMEOUT_S:
                raise RuntimeError(f"{marker!r} not painted within {TIMEOUT_S} s: {seen[-400:]!r}")
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    raise RuntimeError(f"exited before painting {marker!r}: {seen[-400:]!r}") from None
                if marker in seen:
                    return time.perf_counter() - start
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)


def run(workdir: Path, args) -> dict:
    runs = max(1, getattr(args, "runs", 5))
    sys.path.insert(0, str(CHECKOUT))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(SIZE[0]), "LINES": str(SIZE[1])}
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(workdir / var.lower())  # automatic backups and logs stay in the workdir
    from casetui.data.services import demo

    env["CASETUI_WORKER"] = demo.DEMO_WORKER
    env.pop("CASETUI_DB", None)
    db = workdir / "bench.db"
    built = time.perf_counter()
    first_name, busy_client = build(db)
    build_s = time.perf_counter() - built

    floor_script = workdir / "floor.py"
    floor_script.write_text(FLOOR_APP)
    app_argv = [sys.executable, "-m", "casetui", "--db", str(db), "--today", TODAY.isoformat()]
    floor_argv = [sys.executable, str(floor_script)]
    time_to_paint(app_argv, first_name.encode(), env)  # warm the file cache and the day's backup
    startup, floor = [], []
    for _ in range(runs):  # interleaved, so both see the same machine load
        floor.append(time_to_paint(floor_argv, b"Floormarker0", env))
        startup.append(time_to_paint(app_argv, first_name.encode(), env))

    from casetui.data.services import caseload, clients
    from casetui.data.services.client_record import client_record
    from casetui.data.storage.database import open_database

    first_ms = []
    for _ in range(runs):
        started = time.perf_counter()
        _state, first = caseload.first_caseload(db, TODAY, worker=demo.DEMO_WORKER)
        first_ms.append((time.perf_counter() - started) * 1000)
    assert first.rows and first.rows[0].client_name.startswith(first_name), first.rows[0].client_name

    database = open_database(str(db), worker=demo.DEMO_WORKER)
    open_ms, caseload_ms = [], []
    for _ in range(runs):
        started = time.perf_counter()
        with database.transaction() as session:
            clients.record_opened(session, busy_client)
            record = client_record(session, busy_client, TODAY)
        open_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with database.transaction() as session:
            loaded = caseload.load_caseload(session, TODAY)
        caseload_ms.append((time.perf_counter() - started) * 1000)
    database.dispose()
    assert len(record.notes) >= 365 and len(loaded.rows) >= CASES, (len(record.notes), len(loaded.rows))

    startup_s, floor_s = statistics.median(startup), statistics.median(floor)
    return {
        "startup_s": round(startup_s, 3),
        "startup_floor_s": round(floor_s, 3),
        "startup_ratio": round(startup_s / floor_s, 2),
        "open_client_ms": round(statistics.median(open_ms), 1),
        "caseload_query_ms": round(statistics.median(caseload_ms), 1),
        "first_read_ms": round(statistics.median(first_ms), 1),
        "startup_build_s": round(build_s, 1),
    }


if __name__ == "__main__":
    import argparse
    import json
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    with tempfile.TemporaryDirectory(prefix="casetui-bench-startup-") as folder:
        print(json.dumps(run(Path(folder), parser.parse_args())))
