"""A colleague saves the same record while a form is open: the refused form says so, and what to
do, and keeps what was typed."""

from __future__ import annotations

from textual.widgets import Input

from casetui.cli import make_app
from casetui.data.services import clients
from casetui.data.storage.models import Client
from casetui.widgets.form_dialog import FormDialog
from tests.conftest import TODAY
from tests.helpers import settle
from tests.screens.test_client import find_case, open_client


async def test_a_stale_client_edit_shows_the_conflict_on_the_form(demo_path, demo_db):
    case = find_case(demo_db, stage="implementation")
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client(app, pilot, case.client_id)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormDialog)
        phone = form.query_one("#phone", Input)
        phone.value = "555-0142"
        with demo_db.transaction() as session:  # a colleague's save, from another connection
            clients.update_client(session, case.client_id, {"city": "Springfield"}, TODAY)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form, "the refused form closed"
        error = str(form.query_one("#form-error").render())
        assert "Someone else saved" in error and "open it again" in error and "still here" in error, error
        assert phone.value == "555-0142"  # what was typed is kept
    with demo_db.transaction() as session:
        client = session.get(Client, case.client_id)
        assert client.city == "Springfield" and client.phone != "555-0142"  # nothing of the stale form written
    app.database.dispose()
