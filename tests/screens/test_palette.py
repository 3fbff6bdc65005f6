"""The command palette finds every action by the words people type for it, and help works on forms."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from casetui import config
from casetui.cli import make_app
from casetui.screens.caseload import CaseloadScreen
from casetui.screens.client import ClientScreen
from casetui.screens.help import HelpScreen
from casetui.widgets.form_dialog import FormDialog
from tests.conftest import TODAY
from tests.helpers import palette_first, settle
from tests.screens.test_client import find_case, open_client


async def first_hit(pilot, words: str, expected: str) -> str:
    """Open the palette, type ``words``, and wait until ``expected`` is its first match."""
    await pilot.press("ctrl+p")
    await pilot.press(*words)
    return await palette_first(pilot, expected)


# On the caseload: every global command, by its everyday words.
CASELOAD_WORDS = [
    ("intake", "New client"),
    ("new client", "New client"),
    ("assessment", "New client"),
    ("directory", "Resource directory"),
    ("resources", "Resource directory"),
    ("services", "Resource directory"),
    ("referral", "Resource directory"),
    ("backup", "Back up now"),
    ("save a copy", "Back up now"),
    ("lock", "Lock now"),
    ("settings", "Settings"),
    ("agency", "Settings"),
    ("my name", "Settings"),
    ("idle lock", "Idle lock settings"),
    ("pin", "Idle lock settings"),
    ("audit", "Audit trail"),
    ("report", "Audit trail"),
    ("theme", "Toggle theme"),
    ("help", "Help"),
    ("keys", "Help"),
    ("appointment", "Week+overdue"),
    ("overdue", "Overdue"),
]


@pytest.mark.parametrize(("words", "expected"), CASELOAD_WORDS)
async def test_the_palette_finds_global_commands_by_everyday_words(demo_path, words, expected):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        await first_hit(pilot, words, expected)


CLIENT_WORDS = [
    ("assessment", "Reassess"),
    ("directory", "Resources"),
    ("referral", "Resources"),
    ("print", "Documents tab"),
    ("transfer", "Discharge"),
    ("appointment", "Note"),
    ("consent", "Consent"),
    ("close case", "Discharge"),
]


async def test_the_palette_finds_the_record_s_actions_by_everyday_words(demo_path, demo_db):
    case = find_case(demo_db, stage="implementation")
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client(app, pilot, case.client_id)
        for words, expected in CLIENT_WORDS:
            await first_hit(pilot, words, expected)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ClientScreen)


async def test_a_word_for_a_missing_feature_says_what_the_action_found_does(demo_path, demo_db):
    case = find_case(demo_db, stage="implementation")
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client(app, pilot, case.client_id)
        shown = await first_hit(pilot, "print", "Documents tab")
        assert "casetui does not print" in shown
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#tabs").active == "documents"


async def test_back_up_now_from_the_palette_writes_a_verified_copy(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = set(config.backups_dir().iterdir())
        await first_hit(pilot, "save a copy", "Back up now")
        await pilot.press("enter")
        await settle(pilot)
        written = set(config.backups_dir().iterdir()) - before
        assert len(written) == 1
        (copy,) = written
        assert any(f"Backup written to {copy}" == note.message for note in app._notifications)
        from casetui.data.storage import backup

        assert backup.verify(copy) > 0


async def test_f1_shows_help_on_a_form_where_question_mark_is_typed(demo_path, demo_db):
    case = find_case(demo_db, stage="implementation")
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client(app, pilot, case.client_id)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormDialog)
        field = form.focused
        assert isinstance(field, Input)
        await pilot.press("end")  # the field's text is selected when the form opens
        typed = field.value
        # The footer offers f1, the key that works in a field.
        keys = {key.description: key.key_display for key in form.query(FooterKey)}
        assert keys.get("Help") == "f1"
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen is form and field.value == typed + "?"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form and field.value == typed + "?"
        assert not isinstance(app.screen, CommandPalette)


async def test_the_demo_caseload_is_not_backed_up(demo_path):
    app = make_app(str(demo_path), today=TODAY, demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await first_hit(pilot, "backup", "Back up now")
        await pilot.press("enter")
        await settle(pilot)
        assert not list(config.backups_dir().iterdir())
        assert any("demo caseload is synthetic" in note.message for note in app._notifications)
