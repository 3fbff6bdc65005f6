"""Shared fixtures: an isolated home for every test, pinned dates, real database files."""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from casetui.data.services import demo
from casetui.data.storage.database import open_database
from casetui.data.storage.models import Setting

TODAY = date(2026, 1, 15)

# A PostgreSQL server for the data tests, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# (the user must be allowed to CREATE DATABASE). Unset: the data tests run on SQLite only.
PG_URL_ENV = "CASETUI_TEST_PG_URL"
PG_URL = os.environ.get(PG_URL_ENV, "").strip() or None


def _pg_skip_message() -> str:
    return (
        f"PostgreSQL: SKIPPED, {PG_URL_ENV} is not set; the data tests ran on SQLite only "
        f"(set it to a server URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres)"
    )


def pytest_report_header(config):
    if PG_URL is None:
        return _pg_skip_message()
    from sqlalchemy.engine.url import make_url

    return f"PostgreSQL: data tests also run on {make_url(PG_URL).render_as_string(hide_password=True)}"


def pytest_terminal_summary(terminalreporter):
    if PG_URL is None:
        terminalreporter.write_line(_pg_skip_message(), yellow=True)


def pytest_generate_tests(metafunc):
    """Data tests on ``database``/``session``/``demo_db`` run on both databases when a server is
    given. Tests that also ask for ``db_path`` or ``demo_path`` (they look inside the SQLite
    file) stay on SQLite.
    """
    if PG_URL is None or "db_backend" not in metafunc.fixturenames:
        return
    if "db_path" in metafunc.fixturenames or "demo_path" in metafunc.fixturenames:
        return
    if Path(str(metafunc.definition.path)).parent.name != "data":
        return
    metafunc.parametrize("db_backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the real user folders or a database named in the environment."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CASETUI_DB", raising=False)
    # The demo user, so the app's "my caseload" shows the demo's cases.
    monkeypatch.setenv("CASETUI_WORKER", demo.DEMO_WORKER)
    return home


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("empty-template") / "casetui.db"
    open_database(str(path), worker="test-worker").dispose()
    return path


@pytest.fixture
def db_path(_empty_template, tmp_path) -> Path:
    """A new, empty casetui database file (a copy of one made once per run: creating the schema
    takes half a second; the copy keeps the owner-only mode)."""
    path = tmp_path / "casetui.db"
    shutil.copy(_empty_template, path)
    return path


@pytest.fixture
def db_backend(request) -> str:
    """ "sqlite" or "postgresql": which database ``database`` and ``session`` use."""
    return getattr(request, "param", "sqlite")


class PgServer:
    """Creates and drops throwaway databases on the test server (one per test).

    Copying a template takes the server most of a second, so the next copy of each template
    is made in a background thread while the current test runs.
    """

    def __init__(self, url: str):
        from sqlalchemy import create_engine
        from sqlalchemy.engine.url import make_url

        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        # One server object per pytest process: under pytest-xdist each worker (gw0, gw1, ...)
        # builds its own templates and databases, all under a prefix no other process uses.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.prefix = f"casetui_test_{worker}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []
        self.templates: dict[str, str] = {}
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._spares: dict[str, Future] = {}
        self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-spare")

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str = "template0") -> str:
        """A new database (a copy of ``template``); returns its URL."""
        from sqlalchemy import text

        with self._lock:
            name = f"{self.prefix}_{next(self._numbers)}"
            self.created.append(name)
        with self.admin.connect() as conn:
            # FILE_COPY (PostgreSQL 15+) copies a template's files at once: ten times faster here.
            strategy = " STRATEGY FILE_COPY" if conn.dialect.server_version_info >= (15,) else ""
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}'))
        return self.url_of(name)

    def drop(self, url: str) -> None:
        from sqlalchemy import text
        from sqlalchemy.engine.url import make_url

        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        with self._lock:
            self.created.remove(name)

    def _from_template(self, kind: str, fill) -> str:
        if kind not in self.templates:
            url = self.create()
            database = open_database(url, worker="demo")
            fill(database)
            database.dispose()
            self.templates[kind] = url.rsplit("/", 1)[-1]
        spare = self._spares.pop(kind, None)
        url = spare.result() if spare is not None else self.create(template=self.templates[kind])
        self._spares[kind] = self._maker.submit(self.create, template=self.templates[kind])
        return url

    def casetui_database(self) -> str:
        """A new, empty casetui database, copied from a template built once per run."""
        return self._from_template("empty", lambda database: None)

    def demo_database(self) -> str:
        """A new copy of the demo database (as ``demo_path`` holds it) on the server."""

        def write(database):
            with database.transaction() as session:
                demo.write_demo(session, TODAY)

        return self._from_template("demo", write)

    def close(self) -> None:
        self._maker.shutdown(wait=True)  # the spares being made are finished, then dropped below
        for name in reversed(list(self.created)):
            self.drop(self.url_of(name))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL test server; tests that need it are skipped when it is not configured."""
    if PG_URL is None:
        pytest.skip(f"PostgreSQL not configured ({PG_URL_ENV} is not set)")
    server = PgServer(PG_URL)
    yield server
    server.close()


@pytest.fixture
def pg_url(pg_server):
    """URL of a new, empty casetui database on the PostgreSQL test server."""
    url = pg_server.casetui_database()
    yield url
    pg_server.drop(url)


@pytest.fixture
def database(db_backend, request):
    """An open, empty casetui database: the ``db_path`` file, or a fresh PostgreSQL database."""
    if db_backend == "postgresql":
        target = request.getfixturevalue("pg_url")
    else:
        target = str(request.getfixturevalue("db_path"))
    database = open_database(target, worker="test-worker")
    yield database
    database.dispose()


@pytest.fixture
def session(database):
    with database.transaction() as session:
        yield session


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    database = open_database(str(path), worker="demo")
    with database.transaction() as session:
        demo.write_demo(session, TODAY)
        # The worker's first-run choice, made once for every test: the lock off (the tests of the
        # lock choose a PIN themselves, and test_lock_and_audit_screens starts where no choice was made).
        session.add(Setting(key="idle_lock_minutes", value="0"))
    database.dispose()
    return path


@pytest.fixture
def demo_path(_demo_template, tmp_path) -> Path:
    """A private copy of the demo database (25 open cases, one closed, 200+ services)."""
    path = tmp_path / "demo.db"
    shutil.copy(_demo_template, path)
    return path


@pytest.fixture
def demo_db(db_backend, request):
    """The demo database, open: a copy of ``demo_path``, or a copy on the PostgreSQL server."""
    if db_backend == "postgresql":
        server = request.getfixturevalue("pg_server")
        target = server.demo_database()
    else:
        target = str(request.getfixturevalue("demo_path"))
    database = open_database(target, worker="test-worker")
    yield database
    database.dispose()
    if db_backend == "postgresql":
        server.drop(target)
