"""Opening each main screen from the keyboard: ``screen_open_ms``.

On a demo database of ``CASES`` open cases, a headless 120x40 app presses the key that opens a
screen and waits until that screen's data is shown: every worker it started has finished and
the frame after it is laid out. For each screen (client from the caseload; goals, intake
(reassessment), resources and discharge from the client; and back to the caseload, which
reloads), ``ARGS.runs`` x 4 opens (at least 20) after one warm-up; the figure is the p95 in
milliseconds. Target: every screen under 100 ms. For scale, ``screen_open_bare_textual_ms``: a bare
Textual app with no database opening a screen shaped like the client record, timed the same way.

Between two keys the bench pauses as a person reading the screen would (``READ_S``, with the
idle collector's clock scaled down to it: casetui runs full garbage collections in such pauses,
``casetui/idle_gc.py``); the pause is not timed.

Headless: Textual's own work is measured (the key's handling, compose, mount, layout, the
service calls in their threads and the answers' handling), not the terminal's drawing.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CASES = 2000
# A person reads a screen for seconds; the idle collector's clock is scaled to this pause (its
# idle time longer than any open, so it never starts within one).
READ_S, IDLE_S, CHECK_S = 0.6, 0.25, 0.05
TODAY = date(2026, 1, 15)


def build(path: Path) -> None:
    from casetui.data.services import demo, settings
    from casetui.data.storage.database import open_database

    database = open_database(str(path), worker=demo.DEMO_WORKER)
    with database.transaction() as session:
        demo.write_demo(session, TODAY, clients=CASES)
        settings.set_value(session, "idle_lock_minutes", "0")  # the first-run choice: no lock to time
    database.dispose()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


async def open_times(path: Path, runs: int) -> dict[str, list[float]]:
    from textual import events
    from textual.worker import WorkerState

    from casetui import idle_gc
    from casetui.cli import make_app
    from casetui.data.services import demo
    from casetui.screens.caseload import CaseloadScreen
    from casetui.screens.client import ClientScreen
    from casetui.screens.discharge import DischargeScreen
    from casetui.screens.goals import GoalsScreen
    from casetui.screens.intake import IntakeScreen
    from casetui.screens.resources import ResourcesScreen

    idle_gc.IDLE_SECONDS, idle_gc.CHECK_SECONDS = IDLE_S, CHECK_S
    app = make_app(str(path), today=TODAY, worker=demo.DEMO_WORKER)
    times: dict[str, list[float]] = {name: [] for name in ("client", "goals", "intake", "resources", "discharge")}
    times["caseload"] = []

    def busy() -> bool:
        return any(worker.state in (WorkerState.PENDING, WorkerState.RUNNING) for worker in app.workers)

    async def shown(pilot, key: str, kind: type) -> float:
        """The key goes to the driver as a terminal's would; then the screen must be mounted and
        its workers done (a worker ends once the screen has handled its answer), and still done
        a few turns of the loop later, since an answer may start the next call (the goal list,
        then the first goal's details). No idle waits: ``pilot.press`` and ``pilot.pause`` wait
        for the whole process to go idle, which costs more than the screens themselves."""
        started = time.perf_counter()
        app._driver.send_message(events.Key(key, None))
        quiet = 0
        while quiet < 5:
            await asyncio.sleep(0.0005)
            done = isinstance(app.screen, kind) and app.screen.is_mounted and not busy()
            quiet = quiet + 1 if done else 0
        took = (time.perf_counter() - started) * 1000
        await asyncio.sleep(READ_S)  # the person reads the screen
        return took

    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)
        for run in range(runs + 1):
            measured = {
                "client": await shown(pilot, "enter", ClientScreen),
                "goals": await shown(pilot, "g", GoalsScreen),
            }
            await shown(pilot, "escape", ClientScreen)
            measured["intake"] = await shown(pilot, "a", IntakeScreen)
            app.pop_screen()  # not escape: the intake may ask whether to keep a draft
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            measured["resources"] = await shown(pilot, "f", ResourcesScreen)
            await shown(pilot, "escape", ClientScreen)
            measured["discharge"] = await shown(pilot, "d", DischargeScreen)
            await shown(pilot, "escape", ClientScreen)
            measured["caseload"] = await shown(pilot, "escape", CaseloadScreen)
            if run:  # the first round warms imports and caches
                for name, value in measured.items():
                    times[name].append(value)
    app.database.dispose()
    return times


async def bare_times(runs: int) -> list[float]:
    """Textual's own floor: a bare app (no database, no casetui) opening a screen shaped like
    the client record (header, two lines, seven tabs, six tables of ten rows, 14 footer keys),
    timed and paced like the screens above."""
    from textual import events
    from textual.app import App
    from textual.binding import Binding
    from textual.containers import Horizontal, VerticalScroll
    from textual.screen import Screen
    from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

    class Record(Screen):
        BINDINGS = [Binding("escape", "app.pop_screen", "Back")] + [
            Binding(key, "nothing", f"Act {key}") for key in "nsepgafdrcv12"
        ]

        def compose(self):
            yield Header()
            yield Static("title")
            yield Static("banner")
            with TabbedContent(initial="tab0"):
                with TabPane("Overview", id="tab0"), VerticalScroll():
                    with Horizontal():
                        yield Static("a\nb\nc")
                        yield Static("d\ne")
                    yield from (Static(text) for text in ("stages", "needs", "goals"))
                for number in range(1, 7):
                    with TabPane(f"Tab {number}", id=f"tab{number}"):
                        table = DataTable()
                        table.add_columns("A", "B", "C", "D", "E")
                        yield table

        def on_mount(self) -> None:
            for table in self.query(DataTable):
                for row in range(10):
                    table.add_row(*(f"cell {row}{column}" for column in range(5)))

        def action_nothing(self) -> None:
            pass

    class Bare(App):
        BINDINGS = [Binding("o", "open", "Open")]

        def compose(self):
            table = DataTable()
            table.add_column("name")
            for row in range(50):
                table.add_row(str(row))
            yield table
            yield Footer()

        def action_open(self) -> None:
            self.push_screen(Record())

    app, times = Bare(), []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for run in range(runs + 1):
            started = time.perf_counter()
            app._driver.send_message(events.Key("o", "o"))
            quiet = 0
            while quiet < 5:
                await asyncio.sleep(0.0005)
                quiet = quiet + 1 if isinstance(app.screen, Record) and app.screen.is_mounted else 0
            if run:
                times.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(READ_S)
            app.pop_screen()
            await pilot.pause()
            await asyncio.sleep(READ_S)
    return times


def run(workdir: Path, args) -> dict:
    runs = max(20, 4 * (getattr(args, "runs", 5) or 5))
    path = workdir / "screens.db"
    build(path)
    times = asyncio.run(open_times(path, runs))
    figures = {f"screen_open_ms_{name}": round(p95(values), 1) for name, values in times.items()}
    figures["screen_open_ms"] = max(figures.values())
    figures |= {f"screen_open_p50_ms_{name}": round(statistics.median(values), 1) for name, values in times.items()}
    bare = asyncio.run(bare_times(runs))
    figures["screen_open_bare_textual_ms"] = round(p95(bare), 1)
    figures["screen_open_bare_textual_p50_ms"] = round(statistics.median(bare), 1)
    return figures
