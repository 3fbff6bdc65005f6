"""Shared fixtures: an isolated home for every test, pinned dates, real database files."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from casetui.data import demo
from casetui.data.db import open_database

TODAY = date(2026, 1, 15)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the real user folders or a database named in the environment."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                     ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CASETUI_DB", raising=False)
    # The demo user, so the app's "my caseload" shows the demo's cases.
    monkeypatch.setenv("CASETUI_WORKER", demo.DEMO_WORKER)
    return home


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def db_path(tmp_path) -> Path:
    """A new, empty casetui database file."""
    path = tmp_path / "casetui.db"
    open_database(str(path), worker="test-worker").dispose()
    return path


@pytest.fixture
def database(db_path):
    database = open_database(str(db_path), worker="test-worker")
    yield database
    database.dispose()


@pytest.fixture
def session(database):
    with database.session() as session:
        yield session


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    database = open_database(str(path), worker="demo")
    with database.session() as session:
        demo.write_demo(session, TODAY)
    database.dispose()
    return path


@pytest.fixture
def demo_path(_demo_template, tmp_path) -> Path:
    """A private copy of the demo database (25 open cases, one closed, 200+ services)."""
    path = tmp_path / "demo.db"
    shutil.copy(_demo_template, path)
    return path


@pytest.fixture
def demo_db(demo_path):
    database = open_database(str(demo_path), worker="test-worker")
    yield database
    database.dispose()
