"""The morning view, driven by keys on the demo's week: today in time order, what happened at an
appointment (attended opens its contact note), new appointments and tasks with bad input, the
week view, and snapshots at 80x24 and 120x40."""

from __future__ import annotations

from datetime import datetime, time

from sqlmodel import select
from textual.widgets import DataTable, Input, Static, TextArea

from casetui.cli import make_app
from casetui.data.services import caseload, demo
from casetui.data.storage.models import Appointment, Note, Task
from casetui.screens.morning import MorningScreen
from casetui.widgets.agenda_forms import AppointmentForm, CancelForm, ContactNoteForm, TaskForm
from tests.conftest import TODAY
from tests.helpers import calm, field_error, settle, type_into


def at(hour: int, minute: int = 0) -> datetime:
    """A moment on the pinned day in this computer's zone (the demo's appointments are in it)."""
    return datetime.combine(TODAY, time(hour, minute)).astimezone()


def morning_app(demo_path, hour: int = 8):
    app = make_app(str(demo_path), today=TODAY)
    app.pinned_now = at(hour)
    return app


async def open_today(pilot) -> MorningScreen:
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MorningScreen)
    return pilot.app.screen


def column(screen, table_id: str, index: int = 0) -> list[str]:
    table = screen.query_one(f"#{table_id}", DataTable)
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


def client_at(screen, row: int) -> str:
    return column(screen, "appointments", 2)[row]


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_today_in_time_order_then_tasks_then_the_caseload(demo_path, demo_db):
    app = morning_app(demo_path, hour=8)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        assert column(screen, "appointments") == ["09:30-10:15", "11:00-11:20", "12:30-13:30", "14:30-15:30"]
        assert column(screen, "appointments", 1) == ["Office", "Phone", "Other", "Home visit"]
        title = text_of(screen, "#day-title")
        assert title.startswith("Today, Thursday 15 January 2026 · 4 appointments today · 3 tasks due (2 overdue)")
        assert text_of(screen, "#next") == f"Next: 09:30 office, {client_at(screen, 0)}"
        # Overdue tasks first, then today's.
        assert column(screen, "tasks", 2)[:3] == [
            "Chase the benefits letter",
            "Ask for a copy of the ID",
            "Call the landlord about the repair",
        ]
        assert len(column(screen, "tasks")) == 3  # the one done yesterday is not today's
        with demo_db.transaction() as session:
            wanted = [i for i in caseload.due_items(session, TODAY, worker=demo.DEMO_WORKER) if i.urgency <= 1]
        assert len(column(screen, "due")) == len(wanted)
        # Later in the day, "next" moves on.
        app.pinned_now = at(13)
        screen.show_next()
        assert text_of(screen, "#next") == f"Next: 14:30 home visit, {client_at(screen, 3)}"


async def test_attended_opens_the_contact_note_prefilled_and_counts_as_the_last_contact(demo_path, demo_db):
    app = morning_app(demo_path, hour=10)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        client = column(screen, "appointments", 2)[0]
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContactNoteForm)
        assert form.query_one("#occurred_on", Input).value == f"{TODAY:%Y-%m-%d}"
        assert form.query_one("#duration_minutes", Input).value == "45"
        assert form.query_one("#text", TextArea).text.startswith("Office 09:30-10:15 at Office, room 2")
        assert app.focused is form.query_one("#text", TextArea)
        await type_into(pilot, None, "Went through the application together.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert column(screen, "appointments", 4)[0] == "Attended"
    with demo_db.transaction() as session:
        first = session.exec(
            select(Appointment).where(Appointment.starts_on == TODAY).order_by(Appointment.start_time)
        ).first()
        assert first.status == "attended"
        note = session.exec(select(Note).where(Note.case_id == first.case_id).order_by(Note.id.desc())).first()
        assert note.kind == "visit" and note.duration_minutes == 45 and note.occurred_on == TODAY
        assert note.text.endswith("Went through the application together.")
        row = next(
            r for r in caseload.caseload_rows(session, TODAY, worker=demo.DEMO_WORKER) if r.case_id == first.case_id
        )
        assert row.last_contact_on == TODAY and client.split()[-1] in row.client_name


async def test_no_show_cancel_and_a_task_done_from_the_keyboard(demo_path, demo_db):
    app = morning_app(demo_path, hour=12)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await pilot.press("down", "o")  # 11:00 phone: no-show
        await settle(pilot)
        await pilot.press("down", "c")  # 12:30 team meeting: cancelled
        await settle(pilot)
        assert isinstance(app.screen, CancelForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert column(screen, "appointments", 4)[1:3] == ["No-show", "Cancelled by client"]
        # Attended is refused before the appointment has begun, and says so.
        await pilot.press("down", "a")
        await settle(pilot)
        assert column(screen, "appointments", 4)[3] == "Scheduled"
        assert any("before it has begun" in str(n.message) for n in app._notifications)
        await pilot.press("tab")  # to the tasks
        assert app.focused.id == "tasks"
        await pilot.press("x")
        await settle(pilot)
        # Done today, it stays in view, marked done (after the open ones).
        done = column(screen, "tasks", 2).index("Chase the benefits letter")
        assert column(screen, "tasks")[done] == "✓ done" and done == len(column(screen, "tasks")) - 1
    with demo_db.transaction() as session:
        done = session.exec(select(Task).where(Task.title == "Chase the benefits letter")).one()
        assert done.done_on == TODAY


async def test_a_new_appointment_refuses_bad_input_beside_its_fields_then_flags_an_overlap(demo_path, demo_db):
    app = morning_app(demo_path, hour=8)
    with demo_db.transaction() as session:
        before = len(session.exec(select(Appointment)).all())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_today(pilot)
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AppointmentForm)
        await type_into(pilot, "#client", "Nobody Atall")
        await type_into(pilot, "#start_time", "07:00")
        await type_into(pilot, "#end_time", "06:30")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "No client with an open case matches" in field_error(form, "client")
        assert "not after the start" in field_error(form, "end_time")
        with demo_db.transaction() as session:
            assert len(session.exec(select(Appointment)).all()) == before  # nothing saved
        form.query_one("#client", Input).value = ""
        form.query_one("#start_time", Input).value = ""
        form.query_one("#end_time", Input).value = ""
        await type_into(pilot, "#client", "Fictor")
        await type_into(pilot, "#start_time", "9:45")
        await type_into(pilot, "#repeat_until", "2027-06-01")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose how often it repeats" in field_error(form, "recurrence")
        form.query_one("#repeat_until", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MorningScreen)
        assert any("It overlaps" in str(n.message) and "09:30 office" in str(n.message) for n in app._notifications)
        assert "09:45-10:45" in column(app.screen, "appointments")


async def test_a_new_task_from_the_morning_view(demo_path, demo_db):
    app = morning_app(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TaskForm)
        await type_into(pilot, "#title", "Call the landlord on Friday")
        await type_into(pilot, "#client", "#999")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "no case number 999" in field_error(app.screen, "client")
        app.screen.query_one("#client", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "Call the landlord on Friday" in column(screen, "tasks", 2)


async def test_the_week_view_moves_by_day_and_week(demo_path):
    app = morning_app(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await pilot.press("full_stop")
        await settle(pilot)
        assert text_of(screen, "#day-title").startswith("Tomorrow, Friday 16 January 2026")
        assert column(screen, "appointments", 1) == ["Accompany"]
        await pilot.press("w")
        await settle(pilot)
        assert text_of(screen, "#day-title").startswith("Week of Monday 12 January 2026")
        days = [day for day in column(screen, "week") if day]
        assert days[0] == "Mon 12 Jan" and days[-1] == "Sun 18 Jan"
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert text_of(screen, "#day-title").startswith("Week of Monday 19 January 2026")
        assert "Home visit" in column(screen, "week", 2)  # the weekly visit goes on
        await pilot.press("d", "w")
        await settle(pilot)
        assert text_of(screen, "#day-title").startswith("Today, Thursday 15 January 2026")


async def _loaded(pilot):
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)
    calm(pilot.app)


def test_morning_view_snapshot_80x24(snap_compare, demo_path):
    assert snap_compare(morning_app(demo_path), terminal_size=(80, 24), run_before=_loaded)


def test_morning_view_snapshot_120x40(snap_compare, demo_path):
    assert snap_compare(morning_app(demo_path), terminal_size=(120, 40), run_before=_loaded)


async def test_a_reminder_at_the_lead_time_once_and_the_next_line_follows(demo_path):
    app = morning_app(demo_path, hour=9)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        app.pinned_now = at(9, 20)  # the 09:30 office visit reminds 15 minutes before
        app.check_reminders()
        await settle(pilot)
        reminders = [str(n.message) for n in app._notifications if n.title == "Reminder"]
        assert len(reminders) == 1 and reminders[0].startswith("09:30 office, ")
        assert reminders[0].endswith("at Office, room 2, in 10 minutes.")
        app.check_reminders()  # once only
        await settle(pilot)
        assert len([n for n in app._notifications if n.title == "Reminder"]) == 1
        app.pinned_now = at(10, 50)  # the 11:00 call: due, but the screen is locked
        app.locked = True
        app.check_reminders()
        await settle(pilot)
        assert len([n for n in app._notifications if n.title == "Reminder"]) == 1
        app.locked = False
        app.check_reminders()
        await settle(pilot)
        assert [str(n.message) for n in app._notifications if n.title == "Reminder"][-1].startswith("11:00 phone, ")
        assert text_of(screen, "#next").startswith("Next: 11:00 phone, ")


async def test_the_client_record_appointments_tab_and_its_keys(demo_path, demo_db):
    from casetui.screens.client import ClientScreen

    with demo_db.transaction() as session:
        missed = session.exec(select(Appointment).where(Appointment.status == "no_show")).one()
        client_id, case_id = missed.client_id, missed.case_id
    app = morning_app(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_client(client_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert "No-shows       1" in str(screen.query_one("#demographics", Static).render())
        await pilot.press("8")
        await settle(pilot)
        assert text_of(screen, "#appointments-summary") == "0 upcoming · 1 past or cancelled · 1 no-show"
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AppointmentForm) and form.query_one("#client", Input).value == f"#{case_id}"
        assert app.focused is form.query_one("#start_time", Input)
        await type_into(pilot, None, "16:15")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert column(screen, "client-appointments-table", 1)[0] == "16:15-17:15"
        await pilot.press("t")
        await settle(pilot)
        await type_into(pilot, None, "Bring the lease")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert column(screen, "client-tasks-table", 2) == ["Ask for a copy of the ID", "Bring the lease"]  # by due date


async def test_the_caseload_counts_the_day_when_its_first_paint_was_the_whole_caseload(demo_path):
    from casetui.cli import start_app

    app = start_app(str(demo_path), TODAY)
    assert app.first_caseload.complete  # painted from the first read, never read again
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert text_of(app.screen, "#summary").startswith("4 appointments today · 3 tasks due (2 overdue) · ")


async def test_reschedule_keeps_the_old_one_as_rescheduled_and_books_the_new_time(demo_path, demo_db):
    app = morning_app(demo_path, hour=8)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await pilot.press("down", "down", "down", "r")  # the 14:30 home visit
        await settle(pilot)
        assert app.focused is app.screen.query_one("#start_time", Input)
        await type_into(pilot, None, "16:45")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        times = column(screen, "appointments")
        statuses = column(screen, "appointments", 4)
        assert statuses[times.index("14:30-15:30")] == "Rescheduled"
        assert statuses[times.index("16:45-17:45")] == "Scheduled"
    with demo_db.transaction() as session:
        old = session.exec(select(Appointment).where(Appointment.start_time == time(14, 30))).one()
        assert session.get(Appointment, old.rescheduled_to_id).start_time == time(16, 45)


async def test_p_on_the_caseload_books_the_highlighted_client(demo_path, demo_db):
    app = morning_app(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        caseload_screen = app.screen
        case_id = caseload_screen.current_case_id()
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AppointmentForm) and form.query_one("#client", Input).value == f"#{case_id}"
        await type_into(pilot, None, "17:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is caseload_screen
        assert text_of(caseload_screen, "#summary").startswith("5 appointments today")
    with demo_db.transaction() as session:
        assert session.exec(select(Appointment).where(Appointment.start_time == time(17, 0))).one().case_id == case_id


async def test_the_week_gives_a_wide_terminal_s_room_to_what_and_where(demo_path):
    app = morning_app(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_today(pilot)
        await pilot.press("w")
        await settle(pilot)
        widths = [column.width for column in app.screen.query_one("#week", DataTable).columns.values()]
        assert widths == [10, 11, 40, 16, 33]  # at 80 columns: 20 and 13, the row just fits
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        widths = [column.width for column in app.screen.query_one("#week", DataTable).columns.values()]
        assert widths == [10, 11, 20, 16, 13]
    app.database.dispose()
