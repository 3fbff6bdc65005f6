"""Date fields say which day they read as it is typed, or why they cannot: in a real form (the
intake) and on their own."""

from __future__ import annotations

from sqlmodel import select as sql_select
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from casetui.cli import make_app
from casetui.data.services import settings
from casetui.data.storage.database import open_database
from casetui.data.storage.models import Client
from casetui.widgets.date_field import DateField
from casetui.widgets.duplicate_dialog import DuplicateDialog
from casetui.widgets.fields import show_errors
from tests.conftest import TODAY
from tests.screens.test_intake import field_error, next_section, open_intake, type_into

BOTH_READINGS = "03/04/2026 could be 4 March 2026 or 3 April 2026: type it as 2026-03-04 or 2026-04-03."


def reading(field: DateField) -> str:
    """The line under the input, as shown ("" when it is hidden)."""
    line = field.query_one(".date-hint", Static)
    return str(line.render()) if line.display and field.has_class("-hint") else ""


def is_under_the_input(field: DateField) -> bool:
    line, control = field.query_one(".date-hint", Static).region, field.control.region
    return line.y == control.bottom and line.x == control.x


async def test_an_ambiguous_date_shows_both_readings_beside_the_field_and_iso_shows_the_day(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        await next_section(pilot)  # demographics
        assert app.focused.id == "date_of_birth"
        field = screen.query_one("#field-date_of_birth", DateField)
        assert field.control.placeholder == "MM/DD/YYYY or YYYY-MM-DD" and reading(field) == ""
        await type_into(pilot, None, "03/04/2026")
        await pilot.pause()
        assert reading(field) == BOTH_READINGS and field.has_class("-problem")
        assert is_under_the_input(field)
        await pilot.press("ctrl+u")
        await type_into(pilot, None, "1988-04-02")
        await pilot.pause()
        assert reading(field) == "= Sat 2 Apr 1988" and not field.has_class("-problem")
        assert is_under_the_input(field)
        await pilot.press("ctrl+u")
        await type_into(pilot, None, "04/13/1988")  # only month/day/year makes it a date
        await pilot.pause()
        assert reading(field) == "= Wed 13 Apr 1988"

        # Submitted ambiguous, the error beside the field is the same sentence; typing replaces it.
        await pilot.press("ctrl+u")
        await type_into(pilot, None, "03/04/1988")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await next_section(pilot)
        assert field_error(screen, "date_of_birth") == (
            "03/04/1988 could be 4 March 1988 or 3 April 1988: type it as 1988-03-04 or 1988-04-03."
        )
        assert reading(field) == ""  # the error says it: not twice
        field.control.focus()
        await pilot.press("ctrl+u")
        await type_into(pilot, None, "1988-03-04")
        await pilot.pause()
        assert field_error(screen, "date_of_birth") == "" and reading(field) == "= Fri 4 Mar 1988"

        # A date the form fills in is not repeated; a typed one is read.
        await next_section(pilot)  # referral: the assessment date is today's
        assessed = screen.query_one("#field-assessed_on", DateField)
        assert assessed.control.value == "2026-01-15" and reading(assessed) == ""
        await pilot.press("ctrl+u")
        await type_into(pilot, None, "2026-01-14")
        await pilot.pause()
        assert reading(assessed) == "= Wed 14 Jan 2026"


async def test_a_day_first_agency_sees_its_order_and_a_birth_date_typed_so_finds_the_duplicate(demo_path):
    database = open_database(str(demo_path), worker="test-worker")
    with database.transaction() as session:
        settings.set_value(session, "date_order", "dmy")
        # Day after the 12th: typed day first it is one day only, whatever the order.
        existing = next(
            c
            for c in session.exec(sql_select(Client).where(Client.date_of_birth.is_not(None)).order_by(Client.id))
            if c.date_of_birth.day > 12
        )
    database.dispose()
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        assert app.date_order == "dmy"  # read in a thread after the first frame
        await type_into(pilot, None, existing.first_name[:-1])
        await pilot.press("tab")
        await type_into(pilot, None, existing.last_name)
        await next_section(pilot)
        field = screen.query_one("#field-date_of_birth", DateField)
        assert field.control.placeholder == "DD/MM/YYYY or YYYY-MM-DD"
        await type_into(pilot, None, "03/04/2026")
        await pilot.pause()
        assert reading(field).startswith("03/04/2026 could be 3 April 2026 or 4 March 2026")
        await pilot.press("ctrl+u")
        born = existing.date_of_birth
        await type_into(pilot, None, f"{born.day:02d}/{born.month:02d}/{born.year}")
        await pilot.pause()
        assert reading(field).startswith("= ") and str(born.year) in reading(field)
        await next_section(pilot, 3)
        await pilot.press("3")  # housing
        await next_section(pilot, 6)
        await pilot.press("space", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DuplicateDialog)
        assert [m.client_id for m in app.screen.matches][0] == existing.id


class DatesApp(App):
    date_order = "dmy"  # what CaseApp holds once its database is open
    AUTO_FOCUS = None
    CSS = "#narrow { width: 16; }"

    def compose(self) -> ComposeResult:
        yield DateField("Signed on", Input("2026-01-15", id="signed_on"))
        with Horizontal(id="bar"):
            yield DateField("From", Input(placeholder="YYYY-MM-DD", id="since"), id="narrow")
        yield DateField("Due", Input(id="due_on"), order="mdy")


async def test_the_field_takes_the_order_quotes_text_plainly_and_fits_narrow_places():
    app = DatesApp()
    async with app.run_test() as pilot:
        signed, since, due = app.query(DateField)
        assert (signed.order, since.order, due.order) == ("dmy", "dmy", "mdy")
        assert since.control.placeholder == "YYYY-MM-DD"  # the caller's placeholder is kept
        assert reading(signed) == "" and signed.day is not None and signed.day.isoformat() == "2026-01-15"

        # What was typed is quoted back as typed, never read as markup.
        signed.control.value = "[b]03/04/2026[/b]"
        await pilot.pause()
        assert reading(signed) == "'[b]03/04/2026[/b]' is not a date. Use a date like 2026-03-31 or 31/03/2026."

        # Filled in by the form, a date is not repeated under the field; typed, it is.
        signed.control.value = "2026-01-16"
        await pilot.pause()
        assert reading(signed) == ""

        # The service's message (month first) is shown in this field's order.
        signed.control.value = "03/04/2026"
        await pilot.pause()
        show_errors(app.screen, {"signed_on": f"Signed date: {BOTH_READINGS}"})
        await pilot.pause()
        error = str(signed.query_one(".field-error", Static).render())
        assert error == "03/04/2026 could be 3 April 2026 or 4 March 2026: type it as 2026-04-03 or 2026-03-04."
        # An error that is not about reading the date is shown as it came.
        signed.control.value = "2027-01-01"
        await pilot.pause()
        show_errors(app.screen, {"signed_on": "Signed date cannot be in the future."})
        await pilot.pause()
        assert str(signed.query_one(".field-error", Static).render()) == "Signed date cannot be in the future."

        # Half-typed text is not called wrong while the field has focus; leaving it says so.
        since.control.focus()
        await pilot.press("2", "0", "2", "6", "-", "0")
        await pilot.pause()
        assert reading(since) == ""
        due.control.focus()
        await pilot.pause()
        assert reading(since).startswith("'2026-0' is not a date.")
        since.control.value = "2026-09-30"
        await pilot.pause()
        assert reading(since) == "Wed 30 Sep 2026"  # no "= " where it would wrap
        await pilot.press("0", "4", "/", "1", "3", "/", "2", "0", "2", "6")
        await pilot.pause()
        assert reading(due) == "= Mon 13 Apr 2026"
