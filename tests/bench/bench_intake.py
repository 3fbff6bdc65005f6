"""The intake's writes and reads on a caseload of 10,000 clients.

- ``intake_draft_save_ms``: one autosave of a fully filled form (its own transaction, fsync'd).
- ``intake_duplicates_ms``: the likely-duplicate check before a new client is created.
- ``intake_submit_ms``: submitting a new client's intake (client, case, assessment, 13 needs,
  PHQ-9 and GAD-7, audit rows) in one transaction.
- ``intake_open_ms``: pushing ``IntakeScreen`` in a headless 120x40 app until its first field has
  focus (no draft to offer).
Medians of ``args.runs`` runs (at least 5) after one warm-up. Targets: autosave under 50 ms (it
runs while the user types), the rest under 300 ms.
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

CLIENTS = 10_000
TODAY = date(2026, 1, 15)


def form(number: int) -> dict:
    from casetui.data.domain import vocab

    data = {
        "first_name": f"Benchina{number}",
        "last_name": "Examplesson",
        "date_of_birth": "1980-05-05",
        "assessed_on": "2026-01-15",
        "consent_to_services": True,
        "client_words": "Synthetic words " * 40,
    }
    for index, domain in enumerate(vocab.DOMAINS):
        data |= {
            f"need_{domain}_score": str(index % 5 + 1),
            f"need_{domain}_note": "Synthetic note",
            f"need_{domain}_goal": index % 4 == 0,
        }
    data |= {f"phq9_{n}": n % 4 for n in range(1, 10)} | {f"gad7_{n}": n % 3 for n in range(1, 8)}
    return data


def _median_ms(fn, runs: int) -> float:
    fn(-1)
    times = []
    for run in range(runs):
        start = time.perf_counter()
        fn(run)
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def run(workdir: Path, args) -> dict:

    from casetui.data.services import assessments, settings
    from casetui.data.storage.database import open_database
    from casetui.data.storage.models import Client

    path = workdir / "intake.db"
    database = open_database(str(path), worker="bench")
    with database.transaction() as session:
        session.add_all(
            Client(
                first_name=f"Person{n}",
                last_name=f"Synthetic{n % 997}",
                date_of_birth=date(1950 + n % 50, n % 12 + 1, n % 28 + 1),
            )
            for n in range(CLIENTS)
        )
        settings.set_value(session, "idle_lock_minutes", "0")  # the first-run choice: no lock to time
    runs = max(5, args.runs)
    figures = {}
    with database.transaction() as session:
        figures["intake_draft_save_ms"] = _median_ms(lambda n: assessments.save_draft(session, None, form(n)), runs)
        figures["intake_duplicates_ms"] = _median_ms(
            lambda n: assessments.find_duplicates(session, form(n), TODAY), runs
        )
        figures["intake_submit_ms"] = _median_ms(lambda n: assessments.submit_intake(session, form(n), TODAY), runs)
        assessments.discard_draft(session, None)
    figures["intake_open_ms"] = _open_screen_ms(str(path), runs)
    database.dispose()
    return figures


def _open_screen_ms(path: str, runs: int) -> float:
    from casetui.cli import make_app
    from casetui.screens.intake import IntakeScreen

    async def measure() -> list[float]:
        app = make_app(path, today=TODAY, worker="bench")
        times = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for _ in range(runs + 1):
                start = time.perf_counter()
                app.open_intake()
                while not (
                    isinstance(app.screen, IntakeScreen) and app.focused is not None and app.focused.id == "first_name"
                ):
                    await asyncio.sleep(0.001)
                times.append((time.perf_counter() - start) * 1000)
                app.screen.dismiss()
                await pilot.pause()
        return times[1:]

    return round(statistics.median(asyncio.run(measure())), 1)
