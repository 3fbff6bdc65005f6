"""The first run: who you are (kept in your own settings file), the agency, the date order, then the
lock PIN; and the worker's name file itself."""

from __future__ import annotations

import os
import stat

import pytest
from textual.widgets import Input

from casetui import config
from casetui.cli import make_app, start_app
from casetui.data.services import lock, settings, settings_list
from casetui.screens.caseload import CaseloadScreen
from casetui.screens.first_run import FirstRunDialog
from casetui.screens.lock import FirstRunLockDialog
from tests.conftest import TODAY
from tests.helpers import calm, choose, field_error, settle, type_into

PIN = "2468"


@pytest.fixture
def no_worker(monkeypatch):
    """A person who has never said who they are (the tests' CASETUI_WORKER taken away)."""
    monkeypatch.delenv(config.WORKER_ENV, raising=False)


async def test_a_new_users_first_run_ends_with_their_name_agency_and_lock_set(no_worker):
    default = config.default_db_path()
    app = make_app(str(default), today=TODAY, create=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunDialog)
        note = str(app.screen.query_one(".first-run-note").render())
        assert str(config.user_file_path()) in note and "not in the shared database" in note
        assert app.screen.focused.id == "worker_name"
        await pilot.press("escape")  # not skipped: it says what to do
        await settle(pilot)
        assert isinstance(app.screen, FirstRunDialog)
        assert "Fill in your name" in str(app.screen.query_one("#form-error").render())
        await pilot.press("f9")  # the settings wait: these are they
        await settle(pilot)
        assert isinstance(app.screen, FirstRunDialog)
        await type_into(pilot, None, "Dana Q. Worker")
        await type_into(pilot, "#agency_name", 'Riverside "Family" Services')
        app.screen.query_one("#date_order").focus()
        await choose(pilot, "day")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FirstRunLockDialog)  # then the lock, chained
        await type_into(pilot, "#secret", PIN)
        await type_into(pilot, "#again", PIN)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert app.worker_name == "Dana Q. Worker" and app.database.worker == "Dana Q. Worker"
        assert app.date_order == "dmy" and app.lock_policy == (10, True)
    with app.database.transaction() as session:
        assert settings_list.agency_name(session) == 'Riverside "Family" Services'
        assert settings.date_order(session) == "dmy"
        assert not lock.needs_lock_choice(session, encrypted=False)
    app.database.dispose()
    assert config.saved_worker_name() == "Dana Q. Worker"
    assert stat.S_IMODE(os.stat(config.user_file_path()).st_mode) == 0o600
    again = make_app(str(default), today=TODAY, create=True)  # the second run asks nothing
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, CaseloadScreen)
        assert again.worker_name == "Dana Q. Worker"
    again.database.dispose()


async def test_the_first_run_refuses_blanks_beside_the_fields_and_saves_nothing(no_worker):
    default = config.default_db_path()
    app = make_app(str(default), today=TODAY, create=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_into(pilot, "#agency_name", "x" * (settings_list.MAX_AGENCY_NAME + 1))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FirstRunDialog)
        assert (
            field_error(app.screen, "worker_name") == "Type your name: it is on every record and audit entry you write."
        )
        assert field_error(app.screen, "agency_name") == "The agency's name can be at most 120 characters."
        assert app.screen.query_one("#agency_name", Input).value == "x" * 121  # nothing typed is lost
    with app.database.transaction() as session:
        assert settings_list.agency_name(session) == ""
    app.database.dispose()
    assert config.saved_worker_name() is None and not config.user_file_path().exists()


async def test_a_worker_new_to_a_shared_database_is_asked_who_they_are_with_the_agency_filled_in(demo_path, no_worker):
    with_agency = make_app(str(demo_path), today=TODAY, worker="someone")
    with with_agency.database.transaction() as session:
        settings_list.set_agency_name(session, "Northside Outreach")
    with_agency.database.dispose()
    app = start_app(str(demo_path), TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunDialog)
        assert app.screen.query_one("#agency_name", Input).value == "Northside Outreach"
        await type_into(pilot, "#worker_name", "Sam Newhire")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)  # the demo file's lock choice was made already
        assert app.worker_name == "Sam Newhire"
    app.database.dispose()


async def test_casetui_worker_wins_and_the_first_run_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv(config.WORKER_ENV, "Env Person")
    default = config.default_db_path()
    app = make_app(str(default), today=TODAY, create=True)  # a new database: the agency still to be named
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunDialog)
        name = app.screen.query_one("#worker_name", Input)
        assert name.value == "Env Person" and name.disabled
        assert "CASETUI_WORKER is set" in str(app.screen.query_one(".first-run-note").render())
        assert app.screen.focused.id == "agency_name"
        await type_into(pilot, None, "Eastside Aid")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FirstRunLockDialog)
    app.database.dispose()
    assert not config.user_file_path().exists()  # the environment's name is not written anywhere


def test_the_worker_name_file_keeps_any_name_and_the_environment_wins(monkeypatch):
    monkeypatch.delenv(config.WORKER_ENV, raising=False)
    assert config.recorded_worker_name() is None and config.worker_name() == config.os_user()
    for name in ('O\'Brien "Jo" \\ back', "Zoë Ångström 王", "[b]not markup[/b]"):
        assert config.save_worker_name(f"  {name}  ") == name
        assert config.saved_worker_name() == name == config.worker_name()
    config.user_file_path().write_text("not = [valid toml", encoding="utf-8")
    assert config.saved_worker_name() is None  # unreadable: the first run asks again
    config.save_worker_name("Kim")
    assert config.saved_worker_name() == "Kim"
    monkeypatch.setenv(config.WORKER_ENV, "From Env")
    assert config.worker_name() == "From Env"
    for bad in ("", "   ", "x" * (config.MAX_WORKER_NAME + 1), "bell\x07"):
        with pytest.raises(ValueError):
            config.save_worker_name(bad)
    assert config.saved_worker_name() == "Kim"


def _first_run_shown(dark: bool):
    async def run_before(pilot) -> None:
        await settle(pilot)
        if not dark:
            pilot.app.theme = "textual-light"
        await settle(pilot)
        calm(pilot.app)

    return run_before


@pytest.fixture
def fixed_config_home(monkeypatch, no_worker):
    """The settings folder the first run names, the same on every machine (only read here)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", "/home/dana/.config")


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_first_run_snapshot_80x24(snap_compare, fixed_config_home, dark):
    app = make_app(str(config.default_db_path()), today=TODAY, create=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_first_run_shown(dark))


def test_first_run_snapshot_120x40(snap_compare, fixed_config_home):
    app = make_app(str(config.default_db_path()), today=TODAY, create=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_first_run_shown(True))


def test_first_run_snapshot_120x40_light(snap_compare, fixed_config_home):
    app = make_app(str(config.default_db_path()), today=TODAY, create=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_first_run_shown(False))
