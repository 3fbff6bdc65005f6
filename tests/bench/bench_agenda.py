"""A worker's day and week: 60 open cases, a year of appointments (3,000, a fifth of them in
weekly series) and 500 tasks.

- ``agenda_ms``: today's agenda (``agenda.day``: appointments, tasks due or overdue, the
  caseload's items due), in a new transaction. Target < 30 ms.
- ``week_view_ms``: the week (``agenda.week``). Target < 50 ms.
- ``morning_open_ms``: the morning view opened in a headless 120x40 app until its tables are
  filled, p95 of ``max(20, runs)`` (``morning_open_median_ms`` beside it). Target < 100 ms p95.
  ``morning_open_floor_median_ms``: a bare Textual screen of the same widgets and rows, for scale.
Medians of ``args.runs`` runs (at least 5) after one warm-up.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 1, 15)
WORKER = "bench"
CASES = 60
APPOINTMENTS = 3000
SERIES = 12  # weekly, 50 weeks each: 600 occurrences, a fifth
TASKS = 500
ZONE = "America/New_York"


def build(path: Path) -> None:
    from casetui.data.services import appointments, cases, clients, settings
    from casetui.data.storage.database import open_database
    from casetui.data.storage.models import Appointment, AppointmentSeries, Task

    rng = random.Random(15)
    database = open_database(str(path), worker=WORKER)
    with database.transaction() as session:
        settings.set_value(session, "idle_lock_minutes", "0")  # the first-run choice: no lock to time
        case_list = []
        for n in range(CASES):
            client = clients.create_client(session, {"first_name": f"Bench{n}", "last_name": "Examplesson"}, TODAY)
            case_list.append(cases.open_case(session, client.id, TODAY - timedelta(days=200), worker=WORKER))
        first_day = TODAY - timedelta(days=182)
        kinds = list(appointments.KINDS)
        for n in range(SERIES):
            case = case_list[n]
            start = first_day + timedelta(days=n % 7)
            days = appointments.occurrences(start, "weekly", start + timedelta(weeks=49))
            series = AppointmentSeries(frequency="weekly", repeat_until=days[-1], rrule="FREQ=WEEKLY;INTERVAL=1")
            session.add(series)
            session.flush()
            session.add_all(
                Appointment(
                    client_id=case.client_id,
                    case_id=case.id,
                    series_id=series.id,
                    worker=WORKER,
                    starts_on=day,
                    start_time=clock_time(10 + n % 6, 0),
                    time_zone=ZONE,
                    kind="home_visit",
                    reminder_minutes=15,
                )
                for day in days
            )
        single = APPOINTMENTS - SERIES * 50
        for n in range(single):
            case = rng.choice(case_list)
            session.add(
                Appointment(
                    client_id=case.client_id,
                    case_id=case.id,
                    worker=WORKER,
                    starts_on=first_day + timedelta(days=rng.randrange(365)),
                    start_time=clock_time(rng.randrange(8, 18), rng.choice((0, 15, 30, 45))),
                    time_zone=ZONE,
                    kind=rng.choice(kinds),
                    duration_minutes=rng.choice((30, 45, 60)),
                    status="scheduled" if n % 5 else "attended",
                    place="Office",
                )
            )
        session.add_all(
            Task(
                title=f"Synthetic task {n}",
                due_on=first_day + timedelta(days=rng.randrange(365)),
                worker=WORKER,
                client_id=case_list[n % CASES].client_id,
                case_id=case_list[n % CASES].id,
                done_on=TODAY - timedelta(days=1) if n % 3 == 0 else None,
            )
            for n in range(TASKS)
        )
    database.dispose()


def timed(database, read) -> float:
    started = time.perf_counter()
    with database.transaction() as session:
        read(session)
    return (time.perf_counter() - started) * 1000


async def open_screen_times(path: Path, runs: int) -> tuple[list[float], list[float]]:
    """Times to open the morning view, and a bare screen of the same widgets and rows (the floor)."""
    from textual.screen import Screen
    from textual.widgets import DataTable, Footer, Header, Static

    from casetui.cli import make_app
    from casetui.screens.morning import MorningScreen

    class Floor(Screen):
        def __init__(self, shown: MorningScreen):
            super().__init__()
            self.shown = [shown.query_one(f"#{name}", DataTable) for name in ("appointments", "tasks", "due")]

        def compose(self):
            yield Header()
            yield Static("Today")
            yield Static("Next")
            for source in self.shown:
                yield Static("Section")
                table = DataTable()
                table.add_columns(*(str(column.label) for column in source.columns.values()))
                for row in range(source.row_count):
                    table.add_row(*source.get_row_at(row))
                yield table
            yield Footer()

    app = make_app(str(path), today=TODAY, worker=WORKER)
    times, floor = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        for _ in range(runs + 1):
            started = time.perf_counter()
            app.open_today()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, MorningScreen) and screen.loaded is not None
            assert screen.query_one("#appointments", DataTable).row_count > 0
            times.append((time.perf_counter() - started) * 1000)
            bare = Floor(screen)
            app.pop_screen()
            await pilot.pause()
            started = time.perf_counter()
            app.push_screen(bare)
            await pilot.pause()
            floor.append((time.perf_counter() - started) * 1000)
            app.pop_screen()
            await pilot.pause()
    return times[1:], floor[1:]  # the first run warms imports and caches


def run(workdir: Path, args) -> dict:
    from casetui.data.services import agenda
    from casetui.data.storage.database import open_database

    runs = max(5, getattr(args, "runs", 5) or 5)
    path = workdir / "agenda.db"
    build(path)
    database = open_database(str(path), worker=WORKER)
    monday = TODAY - timedelta(days=TODAY.weekday())
    try:
        day = [timed(database, lambda s: agenda.day(s, WORKER, TODAY, TODAY)) for _ in range(runs + 1)][1:]
        week = [timed(database, lambda s: agenda.week(s, WORKER, monday, TODAY)) for _ in range(runs + 1)][1:]
    finally:
        database.dispose()
    screen, floor = asyncio.run(open_screen_times(path, max(20, runs)))
    return {
        "agenda_ms": round(statistics.median(day), 1),
        "week_view_ms": round(statistics.median(week), 1),
        "morning_open_ms": round(statistics.quantiles(screen, n=20)[-1], 1),
        "morning_open_median_ms": round(statistics.median(screen), 1),
        "morning_open_floor_median_ms": round(statistics.median(floor), 1),
    }


if __name__ == "__main__":
    import argparse
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        print(run(Path(folder), argparse.Namespace(runs=5)))
