"""The app shell: start-up (both ways), quitting, help, palette, theme."""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import DataTable

from casetui.cli import _quick_app, make_app
from casetui.data.domain.errors import DatabaseError
from casetui.screens.caseload import CaseloadScreen
from tests.conftest import TODAY
from tests.helpers import palette_first


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


async def test_quick_start_paints_before_the_database_is_open(demo_path):
    app = _quick_app(str(demo_path), TODAY)
    assert app is not None and app.first_caseload is not None and app._database is None
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#cases", DataTable)
        assert app.first_caseload is None and app.screen.loaded is not None  # taken from the child process
        assert table.row_count == len(app.screen.loaded.rows) >= 20
        await app.workers.wait_for_complete()
        with app.database.session() as session:  # then the full database, checked and open
            assert session.info["worker"] == app.worker_name
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.row_count >= 20


def test_quick_start_leaves_other_files_to_the_full_checks(tmp_path):
    text_file = tmp_path / "notes.db"
    text_file.write_text("hello")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    assert _quick_app(str(text_file), TODAY) is None
    assert _quick_app(str(other), TODAY) is None
    assert _quick_app("postgresql+psycopg://nobody@127.0.0.1:1/none", TODAY) is None


async def test_a_file_refused_after_the_first_paint_ends_the_app_with_the_reason(demo_path):
    # A file from a newer casetui: the first screen may paint, then the full checks refuse it.
    with sqlite3.connect(demo_path) as conn:
        conn.execute("UPDATE casetui_meta SET value = '999' WHERE key = 'schema_version'")
    before = demo_path.read_bytes()
    app = _quick_app(str(demo_path), TODAY)
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
