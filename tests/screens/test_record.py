"""The record as a legal document, from the keyboard: every "entered in error" path, signing,
addenda, late entries, structured notes and the contact log; snapshots of the changed tabs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select
from textual.widgets import DataTable, Input, Select, Static, TextArea

from casetui.cli import make_app
from casetui.data.services import corrections, demo, notes
from casetui.data.storage.models import (
    Assessment,
    Case,
    Consent,
    Correction,
    Goal,
    Note,
    NoteAddendum,
    ProgressEntry,
    Referral,
)
from casetui.screens.client import ClientScreen
from casetui.widgets.form_dialog import FormDialog
from casetui.widgets.note_form import NoteForm
from tests.conftest import TODAY
from tests.helpers import field_error, settle, type_into
from tests.helpers.pilot import calm


def rich_case(demo_db) -> Case:
    """An open case of the demo worker with goals with progress, referrals, consents, assessments."""
    with demo_db.transaction() as session:
        for case in session.exec(
            select(Case).where(Case.closed_on.is_(None), Case.worker == demo.DEMO_WORKER).order_by(Case.id)
        ):
            has = [
                session.exec(select(func.count()).select_from(Referral).where(Referral.case_id == case.id)).one(),
                session.exec(
                    select(func.count()).select_from(Consent).where(Consent.client_id == case.client_id)
                ).one(),
                session.exec(select(func.count()).select_from(Assessment).where(Assessment.case_id == case.id)).one(),
                session.exec(
                    select(func.count())
                    .select_from(ProgressEntry)
                    .join(Goal, Goal.id == ProgressEntry.goal_id)
                    .where(Goal.case_id == case.id)
                ).one(),
            ]
            if all(has):
                return case
    raise AssertionError("the demo has no case with every kind of entry")


async def open_client(app, pilot, client_id: int) -> ClientScreen:
    await settle(pilot)
    app.open_client(client_id)
    await settle(pilot)
    assert isinstance(app.screen, ClientScreen)
    return app.screen


def highlighted(screen, table_id: str) -> int:
    table = screen.query_one(f"#{table_id}", DataTable)
    return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


async def mark_with_reason(pilot, reason: str) -> None:
    """The correction form is open: an empty reason is refused first, then ``reason`` is saved."""
    form = pilot.app.screen
    assert isinstance(form, FormDialog)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert pilot.app.screen is form
    assert field_error(form, "reason") == "Reason is required."
    await type_into(pilot, "#reason", reason)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ClientScreen) or not isinstance(pilot.app.screen, FormDialog)


def correction(demo_db, entity: str, entity_id: int) -> Correction | None:
    with demo_db.transaction() as session:
        return corrections.correction_of(session, entity, entity_id)


@pytest.mark.parametrize(
    ("tab", "entity", "table_id"),
    [
        ("2", "assessment", "assessments-table"),
        ("3", "goal", "goals-table"),
        ("4", "note", "notes-table"),
        ("5", "referral", "referrals-table"),
        ("6", "consent", "consents-table"),
        ("9", "note", "contacts-table"),
    ],
)
async def test_m_marks_the_highlighted_entry_of_the_tab_in_error(demo_path, demo_db, tab, entity, table_id):
    case = rich_case(demo_db)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        await pilot.press(tab)
        await settle(pilot)
        entry_id = highlighted(screen, table_id)
        await pilot.press("m")
        await settle(pilot)
        await mark_with_reason(pilot, "Entered on the wrong client")
        assert app.screen is screen
        found = correction(demo_db, entity, entry_id)
        assert (found.reason, found.worker) == ("Entered on the wrong client", demo.DEMO_WORKER)
        await pilot.press(tab)
        await settle(pilot)
        table = screen.query_one(f"#{table_id}", DataTable)
        if table_id != "contacts-table":  # the contact log leaves it out; its list keeps it, struck through
            row = table.get_row(str(entry_id))
            assert all("strike" in str(cell.style) for cell in row)
        else:
            assert str(entry_id) not in [key.value for key in table.rows]
        # Pressing m again on the same entry says it is already marked, and opens no form.
        if table_id != "contacts-table":
            table.move_cursor(row=table.get_row_index(str(entry_id)))
            await pilot.press("m")
            await settle(pilot)
            assert app.screen is screen
    with demo_db.transaction() as session:
        assert session.exec(select(func.count()).select_from(Correction)).one() == 1


async def test_m_on_the_overview_marks_the_latest_stage_change_and_the_case_goes_back(demo_path, demo_db):
    case = rich_case(demo_db)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        await pilot.press("s")
        await settle(pilot)
        form = app.screen
        target = "reassessment" if case.stage != "reassessment" else "planning"
        form.query_one("#stage", Select).value = target
        await type_into(pilot, "#reason", "Pressed the wrong one")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("1", "m")
        await settle(pilot)
        assert f"to {target.capitalize()} on" in str(app.screen.query_one(".dialog-subtitle", Static).render())
        await mark_with_reason(pilot, "Stage chosen by mistake")
        assert "Stage chosen by mistake" in str(screen.query_one("#timeline", Static).render())
    with demo_db.transaction() as session:
        assert session.get(Case, case.id).stage == case.stage


async def test_m_on_the_goals_screen_marks_the_highlighted_progress_entry(demo_path, demo_db):
    case = rich_case(demo_db)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client(app, pilot, case.client_id)
        await pilot.press("g")
        await settle(pilot)
        goals_screen = app.screen
        entries = goals_screen.query_one("#entries", DataTable)
        if entries.row_count == 0:  # the first goal has none: find one that has
            goal_table = goals_screen.query_one("#goals", DataTable)
            for _ in range(goal_table.row_count):
                await pilot.press("down")
                await settle(pilot)
                if entries.row_count:
                    break
        entry_id = int(entries.coordinate_to_cell_key(entries.cursor_coordinate).row_key.value)
        await pilot.press("m")
        await settle(pilot)
        form = app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_error(form, "reason") == "Reason is required."
        await type_into(pilot, "#reason", "Value typed for the wrong goal")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is goals_screen
        row = goals_screen.query_one("#entries", DataTable).get_row(str(entry_id))
        assert "strike" in str(row[0].style)
        assert row[3].plain.startswith("Entered in error: Value typed")
    assert correction(demo_db, "progress_entry", entry_id).reason == "Value typed for the wrong goal"


async def write_note(pilot, screen, *, occurred_on: str, text: str) -> None:
    await pilot.press("n")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, NoteForm)
    form.query_one("#occurred_on", Input).value = occurred_on
    form.query_one("#kind", Select).value = "phone"
    await type_into(pilot, "#start_time", "14:30")
    await type_into(pilot, "#duration_minutes", "25")
    form.query_one("#text", TextArea).text = text
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert pilot.app.screen is screen


async def test_a_note_is_signed_with_i_then_offers_no_edit_and_takes_an_addendum(demo_path, demo_db):
    case = rich_case(demo_db)
    late_day = TODAY - timedelta(days=2)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        # A late entry in the future is refused beside the field, nothing saved.
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        form.query_one("#occurred_on", Input).value = f"{TODAY + timedelta(days=1):%Y-%m-%d}"
        form.query_one("#text", TextArea).text = "Too soon"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_error(form, "occurred_on") == "Contact date cannot be in the future."
        await pilot.press("escape")
        await settle(pilot)
        await write_note(pilot, screen, occurred_on=f"{late_day:%Y-%m-%d}", text="Called about the deposit.")
        with demo_db.transaction() as session:
            note = session.exec(select(Note).where(Note.case_id == case.id).order_by(Note.id.desc())).first()
        assert (note.signed_at, note.start_time, note.late_entry) == (None, "14:30", True)
        await pilot.press("4")
        table = screen.query_one("#notes-table", DataTable)
        table.move_cursor(row=table.get_row_index(str(note.id)))
        await settle(pilot)
        shown = str(screen.query_one("#note-text", Static).render())
        assert f"Late entry: contact on {late_day:%Y-%m-%d}, written on {TODAY:%Y-%m-%d}." in shown
        # Enter on the draft edits it.
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteForm)
        assert app.screen.query_one("#text", TextArea).text == "Called about the deposit."
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        with demo_db.transaction() as session:
            assert session.get(Note, note.id).signed_at is not None
        # Signed: Enter offers no edit form, only the way to add an addendum.
        table.move_cursor(row=table.get_row_index(str(note.id)))
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("u")
        await settle(pilot)
        addendum_form = app.screen
        assert isinstance(addendum_form, FormDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_error(addendum_form, "text") == "Addendum is required."
        addendum_form.query_one("#text", TextArea).text = "The deposit was returned."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        table.move_cursor(row=table.get_row_index(str(note.id)))
        await settle(pilot)
        assert "by J. Rivera: The deposit was returned." in str(screen.query_one("#note-text", Static).render())
    with demo_db.transaction() as session:
        assert session.get(Note, note.id).text == "Called about the deposit."
        assert [a.text for a in notes.addenda_of(session, [note.id])[note.id]] == ["The deposit was returned."]


async def test_an_addendum_by_someone_else_is_refused_beside_the_field(demo_path, demo_db):
    case = rich_case(demo_db)
    with demo_db.transaction() as session:
        note = session.exec(select(Note).where(Note.case_id == case.id).order_by(Note.id)).first()
        note.worker = "A. Colleague"
        session.add(note)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        await pilot.press("4")
        table = screen.query_one("#notes-table", DataTable)
        table.move_cursor(row=table.get_row_index(str(note.id)))
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        form = app.screen
        form.query_one("#text", TextArea).text = "Not mine to add"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "Only the note's author (A. Colleague) may add an addendum" in field_error(form, "text")
    with demo_db.transaction() as session:
        assert session.exec(select(func.count()).select_from(NoteAddendum)).one() == 0


async def test_a_dap_note_from_the_keyboard_and_the_contact_log_filters(demo_path, demo_db):
    case = rich_case(demo_db)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        form.query_one("#note_format", Select).value = "dap"
        await settle(pilot)
        assert not form.query_one("#field-text").display and form.query_one("#field-section_plan").display
        form.query_one("#kind", Select).value = "video"
        form.query_one("#section_data", TextArea).text = "Rent arrears of two months."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_error(form, "section_plan") == "Plan is required."
        form.query_one("#section_assessment", TextArea).text = "Motivated."
        form.query_one("#section_plan", TextArea).text = "Apply for the hardship fund."
        await type_into(pilot, "#duration_minutes", "40")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("9")
        await settle(pilot)
        screen.query_one("#contact-kind", Select).value = "video"
        await settle(pilot)
        contacts = screen.query_one("#contacts-table", DataTable)
        assert contacts.row_count == 1
        months = screen.query_one("#months-table", DataTable)
        assert [cell.plain for cell in months.get_row_at(0)] == [f"{TODAY:%Y-%m}", "1", "40"]
    with demo_db.transaction() as session:
        note = session.exec(select(Note).where(Note.case_id == case.id).order_by(Note.id.desc())).first()
    assert note.note_format == "dap" and note.sections["plan"] == "Apply for the hardship fund."


def _record_app(demo_path):
    return make_app(str(demo_path), today=TODAY)


def _open_tab(tab: str, *, mark: bool = False):
    """Open the first client, mark the first note in error (to show it struck), show ``tab``."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        if mark:
            screen = pilot.app.screen
            note_id = int(screen.query_one("#notes-table", DataTable).coordinate_to_cell_key((0, 0)).row_key.value)
            with pilot.app.database.transaction() as session:
                marked = corrections.mark_in_error(session, "note", note_id, "Written in the wrong record")
                marked.marked_at = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)  # the same in every run
                session.add(marked)
            screen.load()
            await settle(pilot)
        await pilot.press(tab)
        await settle(pilot)
        calm(pilot.app)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_notes_tab_snapshot(snap_compare, demo_path, size):
    assert snap_compare(_record_app(demo_path), terminal_size=size, run_before=_open_tab("4", mark=True))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_contacts_tab_snapshot(snap_compare, demo_path, size):
    assert snap_compare(_record_app(demo_path), terminal_size=size, run_before=_open_tab("9"))


async def test_h_adds_a_household_member_shown_on_the_overview(demo_path, demo_db):
    case = rich_case(demo_db)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_client(app, pilot, case.client_id)
        await pilot.press("h")
        await settle(pilot)
        form = app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_error(form, "name") == "Name is required."
        await type_into(pilot, "#name", "Pip Sample")
        form.query_one("#relationship", Select).value = "child"
        await type_into(pilot, "#date_of_birth", "2019-03-02")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        shown = str(screen.query_one("#household", Static).render())
        assert "Pip Sample · Child (born 2019-03-02, 6)" in shown
