"""Issue 20 on the screen: the final summary written and listed, refusals that clear once their
cause is fixed, and nothing to edit on a closed case. Each failed before its fix."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import DataTable, Input, Static, TextArea

from casetui import config
from casetui.cli import make_app
from casetui.data.services import discharge
from casetui.data.storage.database import open_database
from casetui.data.storage.models import Case, Document
from casetui.screens.client import ClientScreen
from casetui.widgets.form_dialog import FormDialog
from tests.conftest import TODAY
from tests.helpers import field_error, settle
from tests.screens.test_discharge import checklist_text, half_done, open_wizard, pick_case


def steps_done_but_documentation(path, case_id) -> None:
    database = open_database(str(path), worker="J. Rivera")
    try:
        with database.transaction() as session:
            discharge.complete_step(session, case_id, "linkage")
            discharge.complete_step(session, case_id, "coordination")
    finally:
        database.dispose()


async def test_making_final_writes_the_summary_lists_it_and_the_close_error_clears(demo_path):
    case_id = pick_case(demo_path)
    half_done(demo_path, case_id, summary=True)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot, case_id)
        screen = app.screen
        await screen.show_step("review")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "cannot close yet" in str(screen.query_one("#close-error", Static).render())
        # The steps are done elsewhere (a colleague, or the user in another window)...
        steps_done_but_documentation(demo_path, case_id)
        await screen.show_step("documentation")
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("enter")  # make final
        await settle(pilot)
        assert screen.viewing == "review"
        # ...the summary was written when it was made final, and the old refusal is gone.
        assert str(screen.query_one("#close-error", Static).render()).strip() == ""
        assert "on file (3 files: " in checklist_text(screen)
        written = sorted(p.suffix for p in config.documents_dir().iterdir())
        assert written == [".html", ".md", ".pdf"]
    with app.database.transaction() as session:
        kinds = [d.kind for d in session.exec(select(Document).where(Document.case_id == case_id))]
        assert kinds.count("discharge_summary") == 3


async def test_the_consent_refusal_clears_once_the_consent_is_recorded(demo_path):
    case_id = pick_case(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot, case_id)
        screen = app.screen
        await screen.show_step("coordination")
        await pilot.press(*"Lantern Outreach", "tab", "tab", "tab", *"Goals and progress", "enter")
        await settle(pilot)
        assert "No current consent" in field_error(screen, "information_shared")
        await pilot.press("f3")  # record consent
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "Consent on file" in str(screen.query_one("#consent-status", Static).render())
        assert field_error(screen, "information_shared") == ""
        assert screen.query_one("#information_shared", Input).value == "Goals and progress"


async def test_e_on_a_closed_case_opens_no_edit_form(demo_path):
    case_id = pick_case(demo_path, closed=True)
    with open_database(str(demo_path), worker="test").transaction() as session:
        client_id = session.get(Case, case_id).client_id
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.open_client(client_id)
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        await pilot.press("e")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)
        assert any("closed" in n.message.lower() for n in app._notifications)
        assert app.screen.query_one("#documents-table", DataTable)


async def test_a_fields_message_goes_as_soon_as_the_field_is_changed(demo_path):
    case_id = pick_case(demo_path)
    half_done(demo_path, case_id)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot, case_id)
        screen = app.screen
        await screen.show_step("documentation")
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("enter")  # make final, with nothing written
        await settle(pilot)
        assert "Recommendations" in field_error(screen, "recommendations")
        assert "Render the summary" in field_error(screen, "summary_text")
        screen.query_one("#recommendations", TextArea).insert("Keep attending the peer group.")
        await pilot.pause()
        assert field_error(screen, "recommendations") == ""
        assert "Render the summary" in field_error(screen, "summary_text")  # not changed: still said
