"""A long record: ``record_screen_open_ms`` and ``contact_log_ms``.

One client of a small demo gets two years of weekly structured (DAP) contact notes, signed,
every tenth marked entered in error and every fifth with an addendum. ``record_screen_open_ms``
is the p95 (``record_screen_open_p50_ms`` the median) of opening that client's record in a headless 120x40 app until its data is shown
(timed as ``bench_screens`` times it; target < 100 ms). ``contact_log_ms`` is the median of the
notes service reading that client's contact log for a year with its monthly totals (target
< 50 ms); ``contact_log_pg_ms`` the same on PostgreSQL with ``--pg``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 1, 15)
WEEKS = 104
READ_S = 0.3


def fill(database) -> int:
    """The demo plus the long record; returns the long record's client id."""
    from sqlmodel import select

    from casetui.data.services import corrections, demo, notes, settings
    from casetui.data.storage.models import Case

    with database.transaction() as session:
        demo.write_demo(session, TODAY, clients=40)
        settings.set_value(session, "idle_lock_minutes", "0")
    with database.transaction() as session:
        case = session.exec(
            select(Case).where(Case.closed_on.is_(None), Case.worker == demo.DEMO_WORKER).order_by(Case.id)
        ).first()
        case.opened_on = TODAY - timedelta(weeks=WEEKS + 1)
        session.add(case)
        kinds = ["visit", "phone", "video", "collateral"]
        for week in range(WEEKS):
            note = notes.add_note(
                session,
                case.id,
                occurred_on=TODAY - timedelta(weeks=week),
                kind=kinds[week % len(kinds)],
                today=TODAY,
                note_format="dap",
                sections={
                    "data": f"Week {week}: reviewed the budget and the rent plan together.",
                    "assessment": "Engaged; arrears going down.",
                    "plan": "Call the landlord; next visit in a week.",
                },
                start_time="10:30",
                duration_minutes=30 + week % 4 * 15,
                place="Home",
                participants="Client",
                sign=True,
            )
            if week % 10 == 3:
                corrections.mark_in_error(session, "note", note.id, "Written in the wrong record")
            elif week % 5 == 1:
                notes.add_addendum(session, note.id, "The landlord confirmed the plan.")
        return case.client_id, case.id


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


async def open_times(path: Path, client_id: int, runs: int) -> list[float]:
    from textual.worker import WorkerState

    from casetui.cli import make_app
    from casetui.data.services import demo
    from casetui.screens.client import ClientScreen

    app = make_app(str(path), today=TODAY, worker=demo.DEMO_WORKER)
    times = []

    def busy() -> bool:
        return any(worker.state in (WorkerState.PENDING, WorkerState.RUNNING) for worker in app.workers)

    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for run in range(runs + 1):
            started = time.perf_counter()
            app.open_client(client_id)
            quiet = 0
            while quiet < 5:
                await asyncio.sleep(0.0005)
                done = isinstance(app.screen, ClientScreen) and app.screen.is_mounted and not busy()
                quiet = quiet + 1 if done and app.screen.record is not None else 0
            if run:
                times.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(READ_S)
            app.pop_screen()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await asyncio.sleep(READ_S)
    app.database.dispose()
    return times


def log_times(database, case_id: int, runs: int) -> list[float]:
    from casetui.data.services import notes

    times = []
    for _ in range(runs + 1):
        with database.transaction() as session:
            started = time.perf_counter()
            log = notes.contact_log(session, case_id, start=TODAY - timedelta(days=365), end=TODAY)
            times.append((time.perf_counter() - started) * 1000)
        assert len(log.months) >= 12
    return times[1:]


def run(workdir: Path, args) -> dict:
    from casetui.data.services import demo
    from casetui.data.storage.database import open_database

    runs = max(20, 4 * (getattr(args, "runs", 5) or 5))
    path = workdir / "record.db"
    database = open_database(str(path), worker=demo.DEMO_WORKER)
    client_id, case_id = fill(database)
    figures = {"contact_log_ms": round(statistics.median(log_times(database, case_id, runs)), 1)}
    database.dispose()
    opens = asyncio.run(open_times(path, client_id, runs))
    figures["record_screen_open_ms"] = round(p95(opens), 1)
    figures["record_screen_open_p50_ms"] = round(statistics.median(opens), 1)
    if getattr(args, "pg", None):
        from tests.conftest import PgServer

        server = PgServer(args.pg)
        try:
            url = server.create()
            pg = open_database(url, worker=demo.DEMO_WORKER)
            _client, pg_case = fill(pg)
            figures["contact_log_pg_ms"] = round(statistics.median(log_times(pg, pg_case, runs)), 1)
            pg.dispose()
        finally:
            server.close()
    return figures
