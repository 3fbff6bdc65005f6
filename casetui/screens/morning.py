"""The morning view: the day's appointments in time order, then tasks due or overdue, then what
the caseload says is due; one key each for what happened at an appointment. ``w`` shows the
week (a list by day); ``,`` and ``.`` move a day, ``<`` and ``>`` a week, ``d`` back to today."""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from casetui.data.services import agenda, appointments, notes, tasks
from casetui.data.services.agenda import Day
from casetui.data.services.appointments import AgendaAppointment
from casetui.data.services.caseload import OVERDUE
from casetui.screens import ReloadOnReturn
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.agenda_forms import AppointmentForm, CancelForm, ContactNoteForm, RescheduleForm, TaskForm
from casetui.widgets.footer import KeyFooter
from casetui.widgets.plain import Plain, cells

# What acts on an appointment or task shown: nothing to act on until the day is read.
ROW_ACTIONS = {"attended", "no_show", "cancel", "reschedule", "toggle_task", "open_client"}


def status_cell(row: AgendaAppointment) -> Text:
    style = {"attended": "green", "no_show": "bold red", "scheduled": ""}.get(row.status, "dim")
    return Text(row.status_label, style=style)


class MorningScreen(ReloadOnReturn, ServiceCalls, Screen):
    CSS_PATH = "morning.tcss"
    HELP_TITLE = "Today"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="morning.back"),
        Binding("a", "attended", "Attended", id="morning.attended"),
        Binding("o", "no_show", "No-show", id="morning.no-show"),
        Binding("c", "cancel", "Cancelled", id="morning.cancelled"),
        Binding("r", "reschedule", "Reschedule", id="morning.reschedule"),
        Binding("x", "toggle_task", "Task done", id="morning.task-done"),
        Binding("p", "new_appointment", "Appointment", id="morning.new-appointment"),
        Binding("t", "new_task", "Task", id="morning.new-task"),
        Binding("w", "toggle_week", "Week", id="morning.week"),
        Binding("comma", "move(-1)", "Day before", key_display=",", id="morning.previous-day"),
        Binding("full_stop", "move(1)", "Day after", key_display=".", id="morning.next-day"),
        Binding("less_than_sign", "move(-7)", "Week before", key_display="<", show=False, id="morning.previous-week"),
        Binding("greater_than_sign", "move(7)", "Week after", key_display=">", show=False, id="morning.next-week"),
        Binding("d", "today", "Today", id="morning.today"),
    ]

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self.day = day
        self.week_view = False
        self.loaded: Day | None = None
        self.week_days: list[Day] = []
        self.by_appointment: dict[int, AgendaAppointment] = {}
        self.by_task: dict[int, tasks.TaskRow] = {}
        self.due_clients: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("Reading the day…", id="day-title")
        yield Plain("", id="next")
        with Vertical(id="day-view"):
            yield Static("Appointments", classes="section")
            yield self._table("appointments", ("Time", 11), ("Type", 10), ("Client", 18), ("Place", 16), ("Status", 12))
            yield Static("Tasks due", classes="section")
            yield self._table("tasks", ("Due", 11), ("Priority", 8), ("Task", 30), ("Client", 18))
            yield Static("Due on the caseload", classes="section")
            yield self._table("due", ("Due", 10), ("When", 8), ("Client", 18), ("What", 36))
        yield Vertical(id="week-view")  # its table is built when the week is first shown
        yield KeyFooter()

    @staticmethod
    def _table(table_id: str, *columns: tuple[str, int]) -> DataTable:
        table = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
        for label, width in columns:
            table.add_column(label, width=width)
        return table

    def on_mount(self) -> None:
        self.day = self.day or self.app.today
        self.query_one("#week-view").display = False
        self.query_one("#appointments", DataTable).focus()
        self.load()

    # --- reading -------------------------------------------------------------------------

    @property
    def worker(self) -> str:
        return self.app.worker_name

    def load(self) -> None:
        worker, on, today = self.worker, self.day, self.app.today
        if self.week_view:
            first = on - timedelta(days=on.weekday())  # from Monday
            self.call_service(
                lambda session: agenda.week(session, worker, first, today),
                self.show_week,
                group="morning",
                exclusive=True,
            )
        else:
            self.call_service(
                lambda session: agenda.day(session, worker, on, today), self.show_day, group="morning", exclusive=True
            )

    def title_of(self, on: date) -> str:
        today = self.app.today
        word = "Today" if on == today else "Tomorrow" if on == today + timedelta(days=1) else None
        return f"{word}, {on:%A %d %B %Y}" if word else f"{on:%A %d %B %Y}"

    def show_day(self, loaded: Day) -> None:
        self.loaded = loaded
        today = self.app.today
        self.by_appointment = {row.id: row for row in loaded.appointments}
        self.by_task = {row.id: row for row in loaded.tasks}
        self.query_one("#day-title", Static).update(f"{self.title_of(loaded.day)} · {loaded.summary(today)}")
        self.show_next()
        self._fill(
            "appointments",
            [
                (
                    f"{row.start_time:%H:%M}-{row.ends_at:%H:%M}",
                    row.kind_label,
                    row.client_name or row.with_whom or "",
                    row.place or "",
                    status_cell(row),
                )
                for row in loaded.appointments
            ],
            [row.id for row in loaded.appointments],
            "Nothing scheduled.",
        )
        task_rows = []
        for row in loaded.tasks:
            late = row.overdue(today)
            due = (
                f"{row.due_on:%d %b}"
                if row.due_on != loaded.day
                else (f"{row.due_time:%H:%M}" if row.due_time else "today")
            )
            task_rows.append(
                (
                    Text(
                        "✓ done" if row.done_on else due, style="bold red" if late else ("dim" if row.done_on else "")
                    ),
                    Text(row.priority_label, style="bold" if row.priority == "high" else ""),
                    Text(row.title, style="dim strike" if row.done_on else "", no_wrap=True, overflow="ellipsis"),
                    row.client_name,
                )
            )
        self._fill("tasks", task_rows, [row.id for row in loaded.tasks], "No tasks due.")
        self.due_clients = {}
        due_rows, due_keys = [], []
        for n, item in enumerate(loaded.due):
            key = f"due-{n}"
            self.due_clients[key] = item.client_id
            style = "bold red" if item.urgency <= OVERDUE else "bold"
            due_rows.append(
                (
                    Text(f"{item.due_on:%Y-%m-%d}", style=style),
                    Text(item.urgency_label, style=style),
                    loaded.client_names.get(item.client_id, ""),
                    Text(item.label, no_wrap=True, overflow="ellipsis"),
                )
            )
            due_keys.append(key)
        self._fill("due", due_rows, due_keys, "Nothing due on the caseload.")
        self.refresh_bindings()

    def show_next(self) -> None:
        if self.loaded is None or self.loaded.day != self.app.today or not self.app.clock_known:
            self.query_one("#next", Static).update("")
            return
        line = agenda.next_line(self.loaded.appointments, self.app.now)
        self.query_one("#next", Static).update(line[:1].upper() + line[1:] if line else "Nothing more scheduled today.")

    def show_week(self, days: list[Day]) -> None:
        self.week_days = days
        self.by_appointment = {row.id: row for day in days for row in day.appointments}
        self.by_task = {row.id: row for day in days for row in day.tasks}
        booked = sum(1 for day in days for row in day.appointments if row.active)
        due = sum(1 for day in days for row in day.tasks if row.done_on is None)
        self.query_one("#day-title", Static).update(
            f"Week of {days[0].day:%A %d %B %Y} · {booked} appointments · {due} tasks due"
        )
        self.query_one("#next", Static).update("")
        rows, keys = [], []
        for day in days:
            label = Text(f"{day.day:%a %d %b}", style="bold reverse" if day.day == self.app.today else "bold")
            if not day.appointments and not day.tasks:
                rows.append((label, "", Text("nothing", style="dim"), "", ""))
                keys.append(f"day-{day.day.isoformat()}")
            for n, row in enumerate(day.appointments):
                rows.append(
                    (
                        label if n == 0 else "",
                        f"{row.start_time:%H:%M}-{row.ends_at:%H:%M}",
                        row.kind_label,
                        row.client_name or row.with_whom or "",
                        row.place if row.status == "scheduled" and row.place else status_cell(row),
                    )
                )
                keys.append(f"a-{row.id}")
            for n, row in enumerate(day.tasks):
                rows.append(
                    (
                        label if n == 0 and not day.appointments else "",
                        "task",
                        Text(row.title, style="dim strike" if row.done_on else "", no_wrap=True, overflow="ellipsis"),
                        row.client_name,
                        "done" if row.done_on else row.priority_label,
                    )
                )
                keys.append(f"t-{row.id}")
        self._fill("week", rows, keys, "")
        self.refresh_bindings()

    def _fill(self, table_id: str, rows: list[tuple], keys: list, empty: str) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        cursor = table.cursor_row
        table.clear()
        for row, key in zip(rows, keys):
            table.add_row(*cells(*row), key=str(key))
        if not rows and empty:
            table.add_row(*cells(Text(empty, style="dim"), *([""] * (len(table.columns) - 1))), key="empty")
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    # --- what is highlighted -------------------------------------------------------------

    def _key(self, table_id: str) -> str | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def current_appointment(self) -> AgendaAppointment | None:
        focused = self.app.focused
        key = None
        if self.week_view:
            key = self._key("week")
            key = key[2:] if key and key.startswith("a-") else None
        elif focused is not None and focused.id == "appointments":
            key = self._key("appointments")
        if key is None or not key.isdigit():
            return None
        return self.by_appointment.get(int(key))

    def current_task(self) -> tasks.TaskRow | None:
        focused = self.app.focused
        key = None
        if self.week_view:
            key = self._key("week")
            key = key[2:] if key and key.startswith("t-") else None
        elif focused is not None and focused.id == "tasks":
            key = self._key("tasks")
        if key is None or not key.isdigit():
            return None
        return self.by_task.get(int(key))

    def _need_appointment(self) -> AgendaAppointment | None:
        row = self.current_appointment()
        if row is None:
            self.notify("Highlight an appointment first (tab moves between the lists).", severity="warning")
        return row

    # --- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ROW_ACTIONS and self.loaded is None and not self.week_days:
            return False
        return True

    def action_move(self, days: int) -> None:
        self.day = self.day + timedelta(days=days)
        self.load()

    def action_today(self) -> None:
        self.day = self.app.today
        self.load()

    def on_resize(self) -> None:
        self.fit_week()

    def fit_week(self) -> None:
        """The week's columns fit 80 terminal columns; a wider one gives its room to what and where."""
        if not self.query("#week"):
            return
        table = self.query_one("#week", DataTable)
        room = max(0, self.size.width - 80) // 2
        what, where = list(table.columns.values())[2::2]
        what.width, where.width = 20 + room, 13 + room
        table._require_update_dimensions = True  # DataTable has no public way to resize a column
        table.refresh(layout=True)

    async def action_toggle_week(self) -> None:
        self.week_view = not self.week_view
        if self.week_view and not self.query("#week"):
            week = self._table("week", ("Day", 10), ("Time", 11), ("What", 20), ("Client", 16), ("Place/status", 13))
            await self.query_one("#week-view").mount(week)
            self.fit_week()
        self.query_one("#day-view").display = not self.week_view
        self.query_one("#week-view").display = self.week_view
        self.query_one("#week" if self.week_view else "#appointments", DataTable).focus()
        self.load()

    @on(DataTable.RowSelected)
    def action_open_client(self, event: DataTable.RowSelected | None = None) -> None:
        focused = self.app.focused
        client_id = None
        if focused is not None and focused.id == "due":
            client_id = self.due_clients.get(self._key("due") or "")
        else:
            row = self.current_appointment() or self.current_task()
            client_id = row.client_id if row is not None else None
        if client_id is not None:
            self.app.open_client(client_id)

    def _status(self, row: AgendaAppointment, status: str, done: str, then=None) -> None:
        now = self.app.now

        def work(session):
            appointments.set_status(session, row.id, status, expected_version=row.version, now=now)

        def saved(_result) -> None:
            self.notify(done)
            if then is not None:
                then()
            self.load()

        self.call_service(work, saved)

    def action_attended(self) -> None:
        row = self._need_appointment()
        if row is None:
            return
        if row.case_id is None:
            self._status(row, "attended", "Marked attended.")
            return
        self._status(row, "attended", "Marked attended: add the contact note.", lambda: self.open_contact_note(row))

    def open_contact_note(self, row: AgendaAppointment) -> None:
        today, case_id = self.app.today, row.case_id

        def save(values: dict) -> None:
            with self.app.database.transaction() as session:
                notes.add_note(
                    session,
                    case_id,
                    occurred_on=values["occurred_on"],
                    kind=values["kind"],
                    text=values["text"],
                    duration_minutes=values["duration_minutes"],
                    today=today,
                )

        def closed(saved) -> None:
            if saved:
                self.notify("Contact note saved.")
                self.load()

        prefill = appointments.contact_note_prefill(row)
        self.app.push_screen(ContactNoteForm(save, prefill=prefill, who=row.client_name), closed)

    def action_no_show(self) -> None:
        if (row := self._need_appointment()) is not None:
            self._status(row, "no_show", f"Marked a no-show: {row.describe()}.")

    def action_cancel(self) -> None:
        row = self._need_appointment()
        if row is None:
            return
        now = self.app.now

        def save(values: dict) -> None:
            with self.app.database.transaction() as session:
                appointments.set_status(session, row.id, values["status"], expected_version=row.version, now=now)

        self._form(CancelForm(save, what=row.describe()), "Appointment cancelled.")

    def action_reschedule(self) -> None:
        row = self._need_appointment()
        if row is None:
            return
        now = self.app.now

        def save(values: dict):
            with self.app.database.transaction() as session:
                return appointments.reschedule(session, row.id, values, expected_version=row.version, now=now)

        self._form(RescheduleForm(save, what=row.describe(), day=max(row.starts_on, self.app.today)), "Rescheduled.")

    def action_toggle_task(self) -> None:
        row = self.current_task()
        if row is None:
            self.notify("Highlight a task first (tab moves between the lists).", severity="warning")
            return
        today = self.app.today

        def work(session):
            tasks.set_done(session, row.id, row.done_on is None, today=today, expected_version=row.version)

        def saved(_result) -> None:
            self.notify("Task done." if row.done_on is None else "Task open again.")
            self.load()

        self.call_service(work, saved)

    def action_new_appointment(self) -> None:
        now, worker = self.app.now, self.worker

        def save(values: dict):
            with self.app.database.transaction() as session:
                return appointments.schedule(session, values, now=now, worker=worker)

        self._form(AppointmentForm(save, day=max(self.day, self.app.today)), "Appointment scheduled.")

    def action_new_task(self) -> None:
        today, worker = self.app.today, self.worker

        def save(values: dict):
            with self.app.database.transaction() as session:
                return tasks.add_task(session, values, today=today, worker=worker)

        self._form(TaskForm(save, day=max(self.day, today)), "Task added.")

    def _form(self, form, done: str) -> None:
        def closed(result) -> None:
            if not result:
                return
            overlap = result.overlap_message() if isinstance(result, appointments.Scheduled) else None
            if overlap:
                self.notify(f"{done} {overlap}", title="Overlap", severity="warning", timeout=10)
            else:
                self.notify(done)
            self.load()

        self.app.push_screen(form, closed)
