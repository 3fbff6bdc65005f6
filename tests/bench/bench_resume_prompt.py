"""How soon the intake's resume question shows, on the demo caseload with a draft saved.

- ``intake_resume_prompt_ms``: from ``open_intake`` (the caseload's ``n``) until the question
  is the screen on top: the draft is read before the screen is pushed, and the question is pushed
  with it.
- ``..._after_screen_ms``: of that, from the intake screen being pushed until the question is
  up (the time the screen would show without its question).
- ``intake_resume_prompt_self_read_ms``: the same when the screen reads its draft itself once it
  has mounted (as every intake did before issue 21), for scale.
Medians of ``args.runs`` runs (at least 5) after one warm-up, in a headless 120x40 app.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 1, 15)


async def _measure(path: str, runs: int) -> dict:
    from casetui.cli import make_app
    from casetui.screens.intake import IntakeScreen
    from casetui.widgets.dialogs import ConfirmDialog

    app = make_app(path, today=TODAY)
    figures = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)

        async def once(open_it) -> tuple[float, float]:
            start = time.perf_counter()
            open_it()
            on_stack = None
            while not isinstance(app.screen, ConfirmDialog):
                if on_stack is None and any(isinstance(screen, IntakeScreen) for screen in app.screen_stack):
                    on_stack = time.perf_counter()
                await asyncio.sleep(0.001)
            end = time.perf_counter()
            took = ((end - start) * 1000, (end - (on_stack or end)) * 1000)
            await pilot.press("escape")  # start over
            await pilot.pause(0.2)
            await pilot.press("escape")  # leave: nothing typed, the draft stays
            while any(isinstance(screen, IntakeScreen) for screen in app.screen_stack):
                await asyncio.sleep(0.005)
            await pilot.pause(0.2)
            return took

        for name, open_it in (
            ("intake_resume_prompt_ms", app.open_intake),
            ("intake_resume_prompt_self_read_ms", lambda: app.push_screen(IntakeScreen())),
        ):
            await once(open_it)  # warm-up
            timings = [await once(open_it) for _ in range(runs)]
            figures[name] = round(statistics.median(t[0] for t in timings), 1)
            figures[name.replace("_ms", "_after_screen_ms")] = round(statistics.median(t[1] for t in timings), 1)
    app.database.dispose()
    return figures


def run(workdir: Path, args) -> dict:
    from casetui.cli import write_demo_file
    from casetui.data.services import assessments, demo, settings
    from casetui.data.storage.database import open_database

    os.environ.setdefault("CASETUI_WORKER", demo.DEMO_WORKER)
    path = str(workdir / "demo.db")
    write_demo_file(path, TODAY)
    database = open_database(path, worker=demo.DEMO_WORKER)
    with database.transaction() as session:
        settings.set_value(session, "idle_lock_minutes", "0")  # the first-run choice: no lock to time
        assessments.save_draft(session, None, {"first_name": "Benchina", "section": "identity"})
    database.dispose()
    return asyncio.run(_measure(path, max(5, args.runs)))
