"""The search and client figures again, on PostgreSQL (only with ``--pg URL``; else nothing).

URL names a server and a database the user may connect to and CREATE DATABASE from (e.g.
``postgresql://postgres@127.0.0.1:5432/postgres``); two throwaway databases are created there
and dropped at the end. The data are built by the SQLite benchmarks' own builders:

- ``search_p50_ms_pg`` / ``search_p95_ms_pg``: ``bench_search``'s 100,000-service HSDS package,
  imported with the HSDS importer (``import_100k_s_pg``), then the same keystroke searches.
- ``open_client_ms_pg``: ``bench_startup``'s 5,000 open cases and a client with a year of
  notes; the calls the client screen makes when it opens. ``caseload_query_ms_pg`` alongside.
Medians of ``args.runs`` runs. ``python tests/bench/run.py --only pg --pg URL``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))


@contextmanager
def throwaway_database(server_url: str, purpose: str):
    """A new database on the server for one benchmark, dropped afterwards; yields its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine.url import make_url

    from casetui.data.storage.database import to_url

    url = make_url(to_url(server_url))
    name = f"casetui_bench_{purpose}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def search_figures(workdir: Path, server_url: str, runs: int) -> dict:
    import bench_search

    from casetui.data.directory import hsds
    from casetui.data.storage.database import open_database

    package = workdir / "hsds-100k"
    bench_search.write_package(package)
    with throwaway_database(server_url, "search") as url:
        database = open_database(url, worker="bench")
        started = time.perf_counter()
        with database.transaction() as session:
            report = hsds.import_package(session, package, bench_search.TODAY)
        import_s = time.perf_counter() - started
        database.dispose()
        assert report.created["services"] == bench_search.SERVICES, report.summary()
        analyze(url)
        figures = bench_search.measure_searches(url, runs)
    return {
        "import_100k_s_pg": round(import_s, 1),
        "search_p50_ms_pg": figures["search_p50_ms"],
        "search_p95_ms_pg": figures["search_p95_ms"],
        "search_max_ms_pg": figures["search_max_ms"],
        "suggest_ms_pg": figures["suggest_ms"],
    }


def analyze(url: str) -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would gather soon after."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def client_figures(server_url: str, runs: int) -> dict:
    import bench_startup

    from casetui.data.services import caseload, clients, demo
    from casetui.data.services.client_record import client_record
    from casetui.data.storage.database import open_database

    with throwaway_database(server_url, "client") as url:
        started = time.perf_counter()
        _first_name, busy_client = bench_startup.build(url)
        build_s = time.perf_counter() - started
        analyze(url)
        database = open_database(url, worker=demo.DEMO_WORKER)
        open_ms, caseload_ms = [], []
        for attempt in range(runs + 1):  # the first opens the pool's connection: not counted
            started = time.perf_counter()
            with database.transaction() as session:
                clients.record_opened(session, busy_client)
                record = client_record(session, busy_client, bench_startup.TODAY)
            elapsed = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            with database.transaction() as session:
                loaded = caseload.load_caseload(session, bench_startup.TODAY)
            if attempt:
                open_ms.append(elapsed)
                caseload_ms.append((time.perf_counter() - started) * 1000)
        database.dispose()
    assert len(record.notes) >= 365 and len(loaded.rows) >= bench_startup.CASES, (len(record.notes), len(loaded.rows))
    return {
        "open_client_ms_pg": round(statistics.median(open_ms), 1),
        "caseload_query_ms_pg": round(statistics.median(caseload_ms), 1),
        "client_build_s_pg": round(build_s, 1),
    }


def run(workdir: Path, args) -> dict:
    server_url = getattr(args, "pg", None)
    if not server_url:
        return {}
    runs = max(1, getattr(args, "runs", 5) or 5)
    return {**client_figures(server_url, runs), **search_figures(workdir, server_url, min(runs, 5))}


if __name__ == "__main__":
    import argparse
    import json
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", metavar="URL", required=True)
    parser.add_argument("--runs", type=int, default=5)
    with tempfile.TemporaryDirectory(prefix="casetui-bench-pg-") as folder:
        print(json.dumps(run(Path(folder), parser.parse_args())))
