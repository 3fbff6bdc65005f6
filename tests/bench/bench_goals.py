"""Opening the goals of a case with 50 goals and 200 progress entries each (10,000 entries).

- ``goals_open_ms``: pushing ``GoalsScreen`` in a headless 120x40 app until its goal list is
  filled and the first goal's details (objectives, entries, chart) are shown: what the user
  waits for, the screen's service calls, compose, layout and first render included.
- ``goals_load_ms``: the service calls alone that the screen makes to load (case, client, goal
  rows with percent and track status, drafts, the first goal's details), in a new session.
Medians of ``args.runs`` runs (at least 5) after one warm-up. Target: under 100 ms.
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

GOALS = 50
ENTRIES = 200
TODAY = date(2026, 1, 15)


def build(path: Path) -> int:
    """A database with one open case holding GOALS goals of ENTRIES progress entries each."""
    from casetui.data.services import cases, clients, settings
    from casetui.data.storage.database import open_database
    from casetui.data.storage.models import Goal, Objective, ProgressEntry

    database = open_database(str(path), worker="bench")
    with database.transaction() as session:
        client = clients.create_client(session, {"first_name": "Benchy", "last_name": "Examplesson"}, TODAY)
        settings.set_value(session, "idle_lock_minutes", "0")  # the first-run choice: no lock to time
        case = cases.open_case(session, client.id, TODAY - timedelta(days=ENTRIES + 30))
        start = TODAY - timedelta(days=ENTRIES)
        goals = [
            Goal(
                case_id=case.id,
                statement=f"Synthetic goal number {n} for the benchmark",
                domains=["employment"],
                measure="Days worked",
                unit="days",
                direction="increase",
                baseline=0,
                target=ENTRIES,
                start_on=start,
                due_on=TODAY + timedelta(days=30 + n),
            )
            for n in range(GOALS)
        ]
        session.add_all(goals)
        session.flush()
        for goal in goals:
            session.add_all(
                Objective(goal_id=goal.id, text=f"Step {k}", due_on=start + timedelta(days=30 * k)) for k in range(1, 4)
            )
            session.add_all(
                ProgressEntry(
                    goal_id=goal.id,
                    recorded_on=start + timedelta(days=day),
                    value=day * 0.8,
                    evidence_source="Pay stub",
                )
                for day in range(ENTRIES)
            )
        session.commit()
        case_id = case.id
    database.dispose()
    return case_id


def load_once(database, case_id: int) -> float:
    from casetui.data.services import cases, clients, goals

    started = time.perf_counter()
    with database.transaction() as session:
        case = cases.get_case(session, case_id)
        clients.get_client(session, case.client_id)
        rows = goals.goal_rows(session, case_id, TODAY)
        goals.goal_drafts(session, case_id)
        goals.goal_detail(session, rows[0].goal_id)
    return (time.perf_counter() - started) * 1000


async def open_screen_times(path: Path, case_id: int, runs: int) -> tuple[list[float], list[float]]:
    """Times to open the goals screen, and to open a bare screen with a 50-row table (the floor)."""
    from textual.screen import Screen
    from textual.widgets import DataTable, Footer, Header

    from casetui.cli import make_app
    from casetui.screens.goals import GoalsScreen

    class Floor(Screen):
        def compose(self):
            yield Header()
            table = DataTable()
            table.add_columns("Goal", "Progress", "Track", "Due")
            for n in range(GOALS):
                table.add_row(f"Synthetic goal number {n}", "█████░░░░░  50%", "On track", "2026-03-01")
            yield table
            yield Footer()

    app = make_app(str(path), today=TODAY, worker="bench")
    goals_times, floor_times = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(runs + 1):
            started = time.perf_counter()
            app.open_goals(case_id)
            await pilot.pause()
            await app.workers.wait_for_complete()  # the list, then the first goal's details
            await pilot.pause()
            await app.workers.wait_for_complete()
            screen = app.screen
            assert isinstance(screen, GoalsScreen)
            assert screen.query_one("#goals", DataTable).row_count == GOALS
            assert len(screen.query_one("#chart").points) == ENTRIES
            goals_times.append((time.perf_counter() - started) * 1000)
            app.pop_screen()
            await pilot.pause()
            started = time.perf_counter()
            app.push_screen(Floor())
            await pilot.pause()
            floor_times.append((time.perf_counter() - started) * 1000)
            app.pop_screen()
            await pilot.pause()
    return goals_times[1:], floor_times[1:]  # the first run warms imports and caches


def run(workdir: Path, args) -> dict:
    from casetui.data.storage.database import open_database

    runs = max(5, getattr(args, "runs", 5) or 5)
    path = workdir / "goals.db"
    case_id = build(path)
    database = open_database(str(path), worker="bench")
    try:
        load_once(database, case_id)
        load = [load_once(database, case_id) for _ in range(runs)]
    finally:
        database.dispose()
    screen, floor = asyncio.run(open_screen_times(path, case_id, runs))
    return {
        "goals_open_ms": round(statistics.median(load), 1),
        "goals_screen_ms": round(statistics.median(screen), 1),
        "goals_screen_floor_ms": round(statistics.median(floor), 1),
    }


if __name__ == "__main__":
    import argparse
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        print(run(Path(folder), argparse.Namespace(runs=5)))
