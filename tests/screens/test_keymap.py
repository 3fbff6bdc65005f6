"""The worker's keymap.toml: read at start-up, applied to every screen, its mistakes reported in
one notice while the app still starts."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from casetui import config
from casetui.cli import make_app
from casetui.screens.caseload import CaseloadScreen
from tests.conftest import TODAY
from tests.helpers import settle


def write_keymap(text: str) -> None:
    path = config.keymap_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def help_rows(app) -> dict[str, str]:
    keys = app.screen.query_one("#help-keys", DataTable)
    return {str(keys.get_row_at(i)[1]): str(keys.get_row_at(i)[0]) for i in range(keys.row_count)}


async def test_a_keymap_moves_an_action_to_the_new_key(demo_path):
    from casetui.screens.help import HelpScreen
    from casetui.screens.intake import IntakeScreen

    write_keymap('[keys]\n"caseload.new-client" = "f9"\n')
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        assert list(app._notifications) == []  # nothing to report
        await pilot.press("n")  # the usual key no longer does it
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        await pilot.press("question_mark")  # the help names the new key
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and help_rows(app)["New client"] == "f9"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)


async def test_a_meaning_in_the_keymap_moves_it_on_every_screen(demo_path):
    write_keymap('[keys]\nfind = "f9"\n')
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.focused, Input) and app.focused is app.screen.filter_widget("name")
        app.open_resources()
        await settle(pilot)
        assert "f9" in app.screen.active_bindings
        assert app.screen.active_bindings["f9"].binding.id == "resources.find"


async def test_unknown_ids_and_keys_are_one_notice_and_the_rest_applies(demo_path):
    write_keymap('[keys]\n"caseload.fnd" = "ctrl+k"\n"app.lock" = "ctrl+shft+x"\n"caseload.refresh" = "f9"\n')
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        notices = list(app._notifications)
        assert len(notices) == 1 and notices[0].severity == "warning"
        assert "“caseload.fnd” is not the id of a key" in notices[0].message
        assert "“ctrl+shft+x” for app.lock is not a key" in notices[0].message
        assert app.screen.active_bindings["f9"].binding.id == "caseload.refresh"
        assert app.screen.active_bindings["ctrl+l"].binding.id == "app.lock"  # left as it was


async def test_a_broken_keymap_file_is_one_notice_and_the_usual_keys(demo_path):
    from casetui.screens.intake import IntakeScreen

    write_keymap('[keys\n"caseload.new-client" = "f9"\n')
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        notices = list(app._notifications)
        assert len(notices) == 1 and "was not used: it is not valid TOML" in notices[0].message
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
