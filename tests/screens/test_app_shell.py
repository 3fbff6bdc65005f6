"""The app shell: start-up (the first rows, then the database; or refused), quitting, help, palette, theme."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest
from textual.widgets import DataTable

from casetui import config
from casetui.cli import main, make_app, start_app, write_demo_file
from casetui.data.domain.errors import DatabaseError
from casetui.data.services import caseload
from casetui.data.storage import backup, files
from casetui.screens.caseload import CaseloadScreen
from tests.conftest import TODAY
from tests.helpers import palette_first, settle


async def test_app_starts_and_shows_a_demo_client(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#cases", DataTable)
        assert table.row_count >= 20
        names = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert any("Sampleton" in name for name in names)
        # The worker list, mounted after the first frame, shows the workers the load found
        # (the load may finish while the filters are still mounting).
        workers = app.screen.query_one("#worker")
        assert {value for _label, value in workers._options} >= set(app.screen.loaded.workers) != set()
        await pilot.press("q")
    assert app.return_code == 0


@pytest.fixture
def big_demo_path(tmp_path) -> Path:
    """A demo caseload longer than the first read (caseload.FIRST_ROWS) and the first page."""
    path = tmp_path / "big.db"
    write_demo_file(str(path), TODAY, clients=caseload.FIRST_ROWS + 12)
    return path


async def test_the_first_frame_shows_the_most_urgent_rows_then_the_whole_caseload(big_demo_path):
    app = start_app(str(big_demo_path), TODAY)
    first = app.first_caseload
    assert app._database is None and first is not None and not first.complete  # nothing opened yet
    assert len(first.rows) == caseload.FIRST_ROWS
    opened = threading.Event()  # the opening waits until the first frame has been looked at
    open_database = app._open_database
    app._open_database = lambda: opened.wait(10) and open_database()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert app.first_caseload is None and screen.loaded is first  # the screen took it
        table = screen.query_one("#cases", DataTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [row.client_name for row in first.rows]
        assert str(screen.query_one("#summary").render()) == (
            f"The {caseload.FIRST_ROWS} most urgent cases · reading the rest of the caseload…"
        )
        opened.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        whole = screen.loaded
        assert whole.complete and len(whole.rows) > len(first.rows)
        assert whole.rows[: len(first.rows)] == first.rows  # the first frame was the top of the whole
        assert table.row_count == len(whole.rows) and str(screen.query_one("#summary").render()).endswith(
            f"{len(whole.rows)} open"
        )
        with app.database.transaction() as session:  # then the full database, checked and open
            assert session.info["worker"] == app.worker_name
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.row_count == len(whole.rows)
    assert backup.auto_backups(config.backups_dir(), big_demo_path)  # the day's backup, once open


def test_a_small_caseload_is_read_whole_at_once(demo_path):
    app = start_app(str(demo_path), TODAY)
    assert app.first_caseload.complete and len(app.first_caseload.rows) >= 20  # the worker's 21 of 25


def make_newer(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE casetui_meta SET value = '999' WHERE key = 'schema_version'")
        conn.commit()


def test_a_newer_schema_file_paints_no_names(demo_path):
    names = [row[0] for row in sqlite3.connect(demo_path).execute("SELECT last_name FROM client")]
    make_newer(demo_path)
    before = demo_path.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "casetui", "--db", str(demo_path), "--today", TODAY.isoformat()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and result.stdout == ""  # no screen was drawn: no client names
    assert result.stderr.count("\n") == 1 and "newer casetui (schema 999" in result.stderr
    assert not any(name in result.stderr for name in names)
    assert demo_path.read_bytes() == before


def test_start_up_refuses_other_files_before_any_screen(tmp_path, demo_path):
    text_file = tmp_path / "notes.db"
    text_file.write_text("hello")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    empty = tmp_path / "empty.db"
    empty.touch()
    make_newer(demo_path)
    refused = {
        text_file: "not an SQLite file",
        other: "another program's tables",
        demo_path: "newer casetui",
        empty: "is empty",
        tmp_path / "missing.db": "does not exist",
        tmp_path: "is a folder",
    }
    for path, words in refused.items():
        with pytest.raises(DatabaseError, match=words):
            start_app(str(path), TODAY)
    assert not (tmp_path / "missing.db").exists() and empty.stat().st_size == 0
    with pytest.raises(DatabaseError, match="Could not open"):
        start_app("postgresql+psycopg://nobody@127.0.0.1:1/none", TODAY)


def test_an_older_file_is_migrated_before_the_app_is_built(demo_path):
    with closing(sqlite3.connect(demo_path)) as conn:
        conn.execute("UPDATE casetui_meta SET value = '3' WHERE key = 'schema_version'")
        conn.commit()
    app = start_app(str(demo_path), TODAY)
    assert app._database is not None and app.database.schema_version() == files.SCHEMA_VERSION
    assert list(demo_path.parent.glob("demo.db.schema3-*.bak"))  # backed up first
    app.database.dispose()


def test_the_first_run_creates_the_database_and_says_where(capsys):
    default = config.default_db_path()
    assert not default.exists()
    app = start_app(str(default), TODAY, create=True)
    assert app.database.created and default.exists()
    assert capsys.readouterr().out == f"Created a new casetui database at {default}\n"
    app.database.dispose()
    app = start_app(str(default), TODAY, create=True)  # the second run finds it
    assert app._database is None and app.first_caseload.rows == []
    assert capsys.readouterr().out == ""


def test_the_app_with_a_missing_db_refuses_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "missing.db"
    assert main(["--db", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err == f"casetui: error: {missing} does not exist. Check the path; nothing was created.\n"
    assert not missing.exists() and list(tmp_path.iterdir()) == []


async def test_a_file_refused_after_the_first_paint_ends_the_app_with_the_reason(demo_path):
    # Current when the first rows were read, newer by the time the full opening checks it.
    app = start_app(str(demo_path), TODAY)
    make_newer(demo_path)
    before = demo_path.read_bytes()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 1 and "newer casetui" in app.startup_error
    assert demo_path.read_bytes() == before
    with pytest.raises(DatabaseError):  # the refused database must not be usable
        _ = app.database


async def test_help_lists_the_keys_of_the_screen_it_came_from(demo_path):
    from casetui.screens.help import HelpScreen

    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.query_one("#help-keys", DataTable)
        rows = {str(keys.get_row_at(i)[1]): str(keys.get_row_at(i)[0]) for i in range(keys.row_count)}
        assert rows["Overdue"] == "o" and rows["Open"] == "⏎" and "Help" in rows
        assert "Focus Next" not in rows  # keys every screen has are left out
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)


async def test_palette_opens_a_client_by_name_and_runs_screen_keys(demo_path):
    from casetui.screens.client import ClientScreen

    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+p")
        await pilot.press(*"Sampleton")
        await palette_first(pilot, "Sampleton")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ClientScreen)
        assert "Sampleton" in app.screen.record.client.last_name
        await pilot.press("escape")
        await pilot.pause()
        # A screen key by its name: "All workers" (w) on the caseload.
        await pilot.press("ctrl+p", *"All workers")
        await palette_first(pilot, "All workers")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.screen.query_one("#cases", DataTable).rows) == 25


async def test_theme_toggles_between_dark_and_light(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


async def test_full_collections_wait_for_a_pause_and_nothing_stays_frozen(demo_path, monkeypatch):
    import gc

    from casetui import idle_gc

    # Only the test's calls collect: the app's own check every second could take a pause first.
    monkeypatch.setattr(idle_gc, "CHECK_SECONDS", 3600.0)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down")
        assert not app.collect_if_idle()  # a key just now: the user is at work
        monkeypatch.setattr(idle_gc, "IDLE_SECONDS", 0.0)
        await app.workers.wait_for_complete()
        assert app.collect_if_idle() and gc.get_freeze_count() > 0
        assert not app.collect_if_idle()  # no input since: nothing new to collect
        await pilot.press("down")
        await app.workers.wait_for_complete()
        assert app.collect_if_idle()
    assert gc.get_freeze_count() == 0  # the app unfroze what it froze as it ended


async def test_screens_left_are_let_go_at_the_next_pause(demo_path, monkeypatch):
    """Textual's Header and TextArea stay watched by the app (with their caches) after their
    screen closed, until the title or theme changes; the pause's collection lets them go, so a
    long day does not grow."""
    import gc

    from textual.widgets import Header, TextArea

    from casetui import idle_gc

    monkeypatch.setattr(idle_gc, "IDLE_SECONDS", 0.0)
    monkeypatch.setattr(idle_gc, "CHECK_SECONDS", 3600.0)  # only the test's calls collect
    app = make_app(str(demo_path), today=TODAY)

    async def alive_after(opens: int) -> int:
        for _ in range(opens):
            for key in ("enter", "a", "escape", "escape"):  # a client, their reassessment, back
                await pilot.press(key)
                await settle(pilot)
        await app.workers.wait_for_complete()
        assert app.collect_if_idle()
        gc.unfreeze()  # gc.get_objects() lists only what is not frozen
        return sum(isinstance(node, (Header, TextArea)) for node in gc.get_objects())

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = await alive_after(2)
        assert isinstance(app.screen, CaseloadScreen)
        # Kept screens would add at least one Header per open (four more here); the last screen
        # closed is sometimes still on its way out, so one either way is not growth.
        assert await alive_after(4) <= first + 1
