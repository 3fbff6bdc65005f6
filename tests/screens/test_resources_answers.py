"""Issue 19 on the directory screen, from the keyboard: a mistyped word finds what was meant,
"When" narrows to services open on a day, "Nearest first" orders by distance."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, Select

from casetui.cli import make_app
from casetui.screens.resources import ResourcesScreen
from tests.conftest import TODAY
from tests.helpers import settle
from tests.screens.test_resources import case_with_needs


async def choose(pilot, select: Select, steps: int) -> None:
    """Open a Select from the keyboard and pick the option ``steps`` below its prompt."""
    select.focus()
    await pilot.press("enter", *["down"] * steps, "enter")
    await settle(pilot)


async def test_typo_when_and_nearest_first_from_the_keyboard(demo_path):
    case_id = case_with_needs(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_resources(case_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResourcesScreen)
        await pilot.press(*"fod")
        await settle(pilot)
        found = list(screen.hits.values())
        assert any("Food" in h.name for h in found)  # "fod" meant food
        # When: the first weekday in the list (Monday) -> the next Monday's hours.
        await choose(pilot, screen.query_one("#f-when", Select), 2)
        monday = TODAY + timedelta(days=(1 - TODAY.isoweekday()) % 7)
        filters = screen.read_filters()
        assert filters.open_on == monday and filters.open_at is None
        assert screen.hits and all(
            h.hours_today not in (None, "closed") for h in screen.hits.values() if TODAY == monday
        )
        # Nearest first, from the client's postal code.
        await choose(pilot, screen.query_one("#f-sort", Select), 1)
        assert screen.read_filters().sort == "distance"
        shown = [h.distance_miles for h in screen.hits.values() if h.eligible is True]
        assert shown == sorted(shown)
        assert shown and all(d is not None for d in shown)


async def test_the_language_filter_completes_proper_names(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_resources()
        await settle(pilot)
        field = app.screen.query_one("#f-language", Input)
        field.focus()
        await settle(pilot)  # the names are read in a thread
        await pilot.press(*"Hmo")
        await settle(pilot)
        assert field._suggestion == "Hmong"
        await pilot.press("right")  # takes the completion
        assert field.value == "Hmong"
