"""The key footer fits the terminal: the least needed keys give way, help and going back stay."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets._footer import FooterKey

from casetui.cli import make_app
from casetui.widgets.footer import HELP_WHEN_SHORT, fit, key_width
from tests.conftest import TODAY
from tests.helpers import settle


def item(key: str, description: str, binding_id: str, action: str = "x") -> tuple:
    return (Binding(key, action, description, id=binding_id), key, True, "")


def test_the_last_keys_give_way_and_help_back_and_new_stay():
    items = [
        item("escape", "Back", "client.back", "back"),
        item("n", "Note", "client.note", "add_note"),
        item("s", "Stage", "client.stage", "change_stage"),
        item("d", "Discharge", "client.discharge", "discharge"),
        item("?", "Help", "app.help", "help"),
    ]
    everything = sum(
        key_width(key, HELP_WHEN_SHORT if d == "Help" else d) for _b, key, *_ in items for d in [_b.description]
    )
    assert fit(items, everything) == (items, False)
    shown, some_hidden = fit(items, everything - 1)
    assert some_hidden and [entry[0].id for entry in shown] == [
        "client.back",
        "client.note",
        "client.stage",
        "app.help",
    ]
    shown, _ = fit(items, 10)  # too narrow for anything but what is always kept (n is "new")
    assert [entry[0].id for entry in shown] == ["client.back", "client.note", "app.help"]


def footer_text(app) -> list[str]:
    return [f"{key.key_display} {key.description}".strip() for key in app.screen.query(FooterKey)]


async def test_at_80_columns_the_caseload_footer_keeps_help_new_and_quit(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = footer_text(app)
        assert f"? {HELP_WHEN_SHORT}" in shown and "n New client" in shown and "q Quit" in shown
        assert "r Refresh" not in shown  # gave way: help lists it
        await pilot.resize_terminal(160, 40)
        await settle(pilot)
        shown = footer_text(app)
        assert "r Refresh" in shown and "? Help" in shown  # all fit: help is "Help" again
    app.database.dispose()
