"""80x24: the client's tab row fits with an eighth tab, and snapshots at 80x24, dark and light, of
the screens not covered elsewhere (help, lock, goals, intake, audit; settings and the first run
have theirs in their own test files)."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets._tabbed_content import ContentTab

from casetui.cli import make_app
from casetui.data.services import lock
from casetui.data.storage.models import Client
from casetui.screens.client import ClientScreen
from tests.conftest import TODAY
from tests.helpers import calm, settle
from tests.reliability.test_lock_and_audit_screens import add_fixed_events
from tests.screens.test_goals import case_with_goals_and_a_draft

THEMES = pytest.mark.parametrize("theme", ["textual-dark", "textual-light"], ids=["dark", "light"])


async def test_the_client_tab_row_of_nine_fits_80_columns(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    with app.database.transaction() as session:
        client_id = session.exec(select(Client.id).order_by(Client.id)).first()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        shown = list(screen.query(ContentTab))
        for tab in shown:
            label = str(tab.label)
            # Whole and on screen: its label and a space before it, inside the 80 columns.
            assert tab.region.right <= 80 and tab.region.width == len(label) + 1, label
        assert [str(tab.label) for tab in shown] == [
            "1 Overview",
            "2 Assess",
            "3 Goals",
            "4 Notes",
            "5 Referral",
            "6 Consent",
            "7 Docs",
            "8 Appts",
            "9 Log",
        ]


def _themed(theme: str, then):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.theme = theme
        await then(pilot)
        await settle(pilot)
        calm(pilot.app)

    return run_before


@THEMES
def test_help_snapshot_80x24(snap_compare, demo_path, theme):
    async def then(pilot):
        await pilot.press("question_mark")

    app = make_app(str(demo_path), today=TODAY)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_themed(theme, then))


@THEMES
def test_lock_snapshot_80x24(snap_compare, demo_path, theme):
    app = make_app(str(demo_path), today=TODAY)
    with app.database.transaction() as session:
        lock.set_lock_secret(session, "2468")

    async def then(pilot):
        pilot.app.load_lock_policy()
        await settle(pilot)
        await pilot.press("ctrl+l")

    assert snap_compare(app, terminal_size=(80, 24), run_before=_themed(theme, then))


def test_goals_snapshot_80x24_light(snap_compare, demo_path):
    app = make_app(str(demo_path), today=TODAY)

    async def then(pilot):
        pilot.app.open_goals(case_with_goals_and_a_draft(pilot.app))

    assert snap_compare(app, terminal_size=(80, 24), run_before=_themed("textual-light", then))


def test_intake_snapshot_80x24_light(snap_compare, demo_path):
    app = make_app(str(demo_path), today=TODAY)

    async def then(pilot):
        pilot.app.open_intake()
        await settle(pilot)
        await settle(pilot)  # the first field focused

    assert snap_compare(app, terminal_size=(80, 24), run_before=_themed("textual-light", then))


def test_audit_snapshot_80x24_light(snap_compare, demo_path):
    app = make_app(str(demo_path), today=TODAY)
    client_id = add_fixed_events(app.database)

    async def then(pilot):
        pilot.app.open_audit(client_id)

    assert snap_compare(app, terminal_size=(80, 24), run_before=_themed("textual-light", then))
