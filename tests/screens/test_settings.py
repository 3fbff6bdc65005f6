"""The settings screen: every setting with its value, Enter changes the highlighted one."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input

from casetui import config
from casetui.cli import make_app
from casetui.data.services import settings, settings_list
from casetui.data.storage.models import AuditEvent
from casetui.screens.caseload import CaseloadScreen
from casetui.screens.lock import LockSettingsDialog
from casetui.screens.settings import SettingsScreen
from casetui.widgets.form_dialog import FormDialog
from tests.conftest import TODAY
from tests.helpers import calm, choose, field_error, palette_first, settle, type_into

LABELS = [
    "Your name",
    "Agency name",
    "Agency profile",
    "Idle lock",
    "Date order",
    "No-contact days",
    "Review interval",
    "Consent warning",
    "Retention",
    "Backups kept",
]


def shown(screen) -> dict[str, str]:
    table = screen.query_one("#settings", DataTable)
    return {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}


async def open_row(pilot, label: str) -> None:
    table = pilot.app.screen.query_one("#settings", DataTable)
    table.move_cursor(row=LABELS.index(label))
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FormDialog | LockSettingsDialog)


async def test_f9_lists_every_setting_with_its_value(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        values = shown(app.screen)
        assert list(values) == LABELS
        assert values["Your name"] == f"{app.worker_name} (from CASETUI_WORKER)"
        assert values["Agency name"] == "not set"
        assert values["Idle lock"] == "off"  # the demo template's first-run choice
        assert values["Date order"] == "month/day/year (03/31/2026)"
        assert values["No-contact days"] == "30 days" and values["Backups kept"] == "7 backups"
        about = str(app.screen.query_one("#settings-about").render())
        assert "CASETUI_WORKER is set" in about  # the first row's: where the name comes from
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
    app.database.dispose()


async def test_the_palette_opens_settings(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await type_into(pilot, None, "agency")
        await palette_first(pilot, "Settings")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
    app.database.dispose()


async def test_each_database_setting_is_changed_checked_and_audited(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_settings()
        await settle(pilot)
        await open_row(pilot, "No-contact days")
        app.screen.query_one("#no_contact_days", Input).value = ""
        await type_into(pilot, "#no_contact_days", "0")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (
            field_error(app.screen, "no_contact_days") == "No-contact days must be a whole number from 1 to 365 days."
        )
        app.screen.query_one("#no_contact_days", Input).value = ""
        await type_into(pilot, "#no_contact_days", "45")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen) and shown(app.screen)["No-contact days"] == "45 days"

        await open_row(pilot, "Agency name")
        await type_into(pilot, "#agency_name", "[b]Lakeside[/b] Services")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown(app.screen)["Agency name"] == "[b]Lakeside[/b] Services"  # as typed, never markup

        await open_row(pilot, "Date order")
        await choose(pilot, "day")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown(app.screen)["Date order"] == "day/month/year (31/03/2026)"
        assert app.date_order == "dmy"  # date fields take it from now on

        await open_row(pilot, "Retention")
        await pilot.press("escape")  # cancelled: nothing changes
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen) and shown(app.screen)["Retention"] == "7 years"
    with app.database.transaction() as session:
        assert settings.get_int(session, "no_contact_days") == 45
        assert settings_list.agency_name(session) == "[b]Lakeside[/b] Services"
        assert settings.date_order(session) == "dmy"
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "setting")).all()
        assert {event.entity_id for event in events} >= {"no_contact_days", "agency_name", "date_order"}
        assert all("Lakeside" not in str(event.fields) for event in events)  # what changed, never the value
    app.database.dispose()


async def test_your_name_is_changed_in_your_own_file_and_the_caseload_follows(demo_path, monkeypatch):
    monkeypatch.delenv(config.WORKER_ENV, raising=False)
    config.save_worker_name("Old Name")
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_settings()
        await settle(pilot)
        assert shown(app.screen)["Your name"] == "Old Name"
        await open_row(pilot, "Your name")
        assert "not in the shared database" in str(app.screen.query_one(".dialog-subtitle").render())
        app.screen.query_one("#worker_name", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_error(app.screen, "worker_name").startswith("Type your name")
        await type_into(pilot, "#worker_name", "New Name")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen) and shown(app.screen)["Your name"] == "New Name"
        assert app.worker_name == app.database.worker == "New Name"
    assert config.saved_worker_name() == "New Name"
    app.database.dispose()


async def test_the_lock_row_opens_the_lock_settings_and_shows_the_result(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_settings()
        await settle(pilot)
        await open_row(pilot, "Idle lock")
        assert isinstance(app.screen, LockSettingsDialog)
        app.screen.query_one("#idle_lock_minutes", Input).value = "5"
        await type_into(pilot, "#secret", "2468")
        await type_into(pilot, "#again", "2468")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert shown(app.screen)["Idle lock"] == "on: after 5 idle minutes, your PIN unlocks"
        assert app.lock_policy == (5, True)
    app.database.dispose()


def _settings_shown(dark: bool):
    async def run_before(pilot) -> None:
        await settle(pilot)
        if not dark:
            pilot.app.theme = "textual-light"
        pilot.app.action_settings()
        await settle(pilot)
        calm(pilot.app)

    return run_before


@pytest.fixture
def fixed_config_home(monkeypatch):
    """The settings folder the screen names, the same on every machine (only read here)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", "/home/dana/.config")


def test_settings_snapshot_80x24(snap_compare, demo_path, fixed_config_home):
    app = make_app(str(demo_path), today=TODAY)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settings_shown(True))


def test_settings_snapshot_80x24_light(snap_compare, demo_path, fixed_config_home):
    app = make_app(str(demo_path), today=TODAY)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settings_shown(False))


def test_settings_snapshot_120x40(snap_compare, demo_path, fixed_config_home):
    app = make_app(str(demo_path), today=TODAY)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_settings_shown(True))


def test_settings_snapshot_120x40_light(snap_compare, demo_path, fixed_config_home):
    app = make_app(str(demo_path), today=TODAY)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_settings_shown(False))


async def test_the_agency_profile_row_opens_the_profile_and_its_name_shows_on_return(demo_path):
    from casetui.widgets.agency_dialog import AgencyProfileDialog

    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        await open_row(pilot, "Agency profile")
        assert isinstance(app.screen, AgencyProfileDialog)
        await type_into(pilot, "#name", "Riverside Family Services")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert shown(app.screen)["Agency name"] == "Riverside Family Services"
    app.database.dispose()
