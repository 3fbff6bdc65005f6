"""The client record: sections, adding a note, moving stage, consents, closed cases."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import DataTable, Input, Select, Static, TabbedContent, TextArea

from casetui.cli import make_app
from casetui.data.services import consent, notes
from casetui.data.storage.models import AuditEvent, Case, Client, StageChange
from casetui.screens.client import ClientScreen
from casetui.widgets.form_dialog import FormDialog
from tests.conftest import TODAY
from tests.helpers import field_error, settle


def find_case(demo_db, *, closed=False, flagged=None, stage=None) -> Case:
    with demo_db.transaction() as session:
        query = select(Case).where(Case.closed_on.is_not(None) if closed else Case.closed_on.is_(None))
        if flagged is not None:
            query = query.where(Case.safety_flag == flagged)
        if stage:
            query = query.where(Case.stage == stage)
        return session.exec(query.order_by(Case.id)).first()


async def open_client(app, pilot, client_id: int) -> ClientScreen:
    await settle(pilot)
    app.open_client(client_id)
    await settle(pilot)
    assert isinstance(app.screen, ClientScreen)
    return app.screen


async def test_opening_a_record_shows_it_and_is_audited(demo_path, demo_db):
    case = find_case(demo_db, stage="implementation")
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        with demo_db.transaction() as session:
            client = session.get(Client, case.client_id)
            opened = session.exec(
                select(AuditEvent).where(AuditEvent.action == "open", AuditEvent.client_id == case.client_id)
            ).all()
        assert len(opened) == 1
        assert client.sort_name in str(screen.query_one("#client-title", Static).render())
        timeline = str(screen.query_one("#timeline", Static).render())
        assert "Engagement" in timeline and "Closure" in timeline
        assert "Open needs" in str(screen.query_one("#needs", Static).render())
        assert not screen.query_one("#banner").display
        for number, tab in enumerate(("assessments", "goals", "notes", "referrals", "consents"), start=2):
            await pilot.press(str(number))
            assert screen.query_one("#tabs", TabbedContent).active == tab
            assert screen.query_one(f"#{tab}-table", DataTable).row_count >= 1


async def test_adding_a_note_with_inline_validation(demo_path, demo_db):
    case = find_case(demo_db, stage="planning")
    with demo_db.transaction() as session:
        before = len(notes.list_notes(session, case.id))
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client(app, pilot, case.client_id)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormDialog)
        form.query_one("#occurred_on", Input).value = "2026-01-14"
        form.query_one("#kind", Select).value = "phone"
        form.query_one("#duration_minutes", Input).value = "20"
        await pilot.press("ctrl+s")  # no text yet
        await pilot.pause()
        assert app.screen is form
        assert "Note is required." in field_error(form, "text")
        assert form.query_one("#occurred_on", Input).value == "2026-01-14"  # nothing typed is lost
        form.query_one("#text", TextArea).text = "Called about the housing appointment."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        await pilot.press("4")
        assert app.screen.query_one("#notes-table", DataTable).row_count == before + 1
    with demo_db.transaction() as session:
        latest = notes.list_notes(session, case.id)[0]
    assert (latest.kind, latest.duration_minutes, latest.occurred_on.isoformat()) == ("phone", 20, "2026-01-14")


async def test_stage_change_needs_a_reason_is_audited_and_refuses_closure(demo_path, demo_db):
    case = find_case(demo_db, stage="planning")
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client(app, pilot, case.client_id)
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        form.query_one("#stage", Select).value = "closure"
        form.query_one("#reason", Input).value = "All done"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "use d to discharge" in field_error(form, "stage")
        form.query_one("#stage", Select).value = "implementation"
        form.query_one("#reason", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Reason is required." in field_error(form, "reason")
        form.query_one("#reason", Input).value = "Plan signed with the client"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        assert "Implementation" in str(app.screen.query_one("#client-title", Static).render())
    with demo_db.transaction() as session:
        assert session.get(Case, case.id).stage == "implementation"
        change = session.exec(
            select(StageChange).where(StageChange.case_id == case.id).order_by(StageChange.id.desc())
        ).first()
        assert (change.from_stage, change.to_stage, change.reason) == (
            "planning",
            "implementation",
            "Plan signed with the client",
        )
        assert session.exec(
            select(AuditEvent).where(AuditEvent.action == "stage", AuditEvent.entity_id == str(case.id))
        ).first()


async def test_a_closed_case_is_read_only(demo_path, demo_db):
    case = find_case(demo_db, closed=True)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        banner = screen.query_one("#banner", Static)
        assert banner.display and "read-only" in str(banner.render())
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen  # no form: the service's reason instead
        messages = [notification.message for notification in app._notifications]
        assert any("closed and read-only" in message for message in messages)


async def test_safety_follow_up_clears_the_flag(demo_path, demo_db):
    case = find_case(demo_db, flagged=True)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        assert "SAFETY FLAG" in str(screen.query_one("#safety", Static).render())
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#note", TextArea).text = "Safety plan reviewed by phone; crisis line given."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "No flag awaiting follow-up" in str(screen.query_one("#safety", Static).render())
    with demo_db.transaction() as session:
        assert not session.get(Case, case.id).safety_flag


async def test_record_and_revoke_a_consent(demo_path, demo_db):
    case = find_case(demo_db, stage="assessment")
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        await pilot.press("k")
        await pilot.pause()
        form = app.screen
        form.query_one("#recipient", Input).value = "Cedar Legal Aid"
        form.query_one("#scope", Select).value = "referral"
        form.query_one("#expires_on", Input).value = "2026-12-31"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("6")
        table = screen.query_one("#consents-table", DataTable)
        assert any("Cedar Legal Aid" in str(table.get_row_at(i)[0]) for i in range(table.row_count))
        with demo_db.transaction() as session:
            recorded = [c for c in consent.list_consents(session, case.client_id) if c.recipient == "Cedar Legal Aid"][
                0
            ]
        table.move_cursor(row=table.get_row_index(str(recorded.id)))
        await pilot.press("v")
        await pilot.pause()
        app.screen.query_one("#reason", Input).value = "Client asked to stop sharing"
        await pilot.press("ctrl+s")
        await settle(pilot)
    with demo_db.transaction() as session:
        assert consent.status(session.get(type(recorded), recorded.id), TODAY) == "revoked"


async def test_every_screen_key_is_in_the_palette_and_the_help(demo_path, demo_db):
    from casetui.commands import binding_commands
    from casetui.screens.help import HelpScreen

    case = find_case(demo_db, stage="planning")
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        titles = {command.title for command in binding_commands(app, screen)}
        assert {"Note", "Stage", "Edit", "Safety", "Discharge", "Consent", "Revoke", "Outcome"} <= titles
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.query_one("#help-keys", DataTable)
        described = {str(keys.get_row_at(i)[1]) for i in range(keys.row_count)}
        assert {"Note", "Stage", "Discharge", "Help"} <= described
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


def _record_app(demo_path):
    return make_app(str(demo_path), today=TODAY)


def _open_first_client(theme: str = "textual-dark"):
    async def run_before(pilot):
        pilot.app.theme = theme
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


def test_client_snapshot_80x24(snap_compare, demo_path):
    assert snap_compare(_record_app(demo_path), terminal_size=(80, 24), run_before=_open_first_client())


def test_client_snapshot_120x40_light(snap_compare, demo_path):
    assert snap_compare(_record_app(demo_path), terminal_size=(120, 40), run_before=_open_first_client("textual-light"))


async def test_d_on_a_closed_case_shows_the_discharge_record_with_reopen(demo_path, demo_db):
    from casetui.screens.discharge import DischargeScreen

    case = find_case(demo_db, closed=True)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client(app, pilot, case.client_id)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DischargeScreen)
        assert "reopen" in {active.binding.action for active in app.screen.active_bindings.values()}


async def test_editing_a_client_with_no_gender_recorded(demo_path, demo_db):
    with demo_db.transaction() as session:
        client = session.exec(select(Client).order_by(Client.id)).first()
        client.gender = None
        session.add(client)
        session.commit()
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client(app, pilot, client.id)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormDialog)
        assert form.query_one("#gender", Select).value is Select.NULL
