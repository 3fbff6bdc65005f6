"""The client record's Appointments tab: upcoming and past appointments with their status, and
the client's tasks. It reads its own rows (``load``), after the record has been read."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from casetui.data.services import appointments, tasks
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.plain import Plain, cells


class ClientAppointments(ServiceCalls, Vertical):
    DEFAULT_CSS = """
    ClientAppointments { height: 1fr; }
    ClientAppointments .section { height: 1; padding: 0 1; color: $text-muted; text-style: bold; }
    ClientAppointments #client-appointments-table { height: 1fr; }
    ClientAppointments #client-tasks-table { height: auto; max-height: 40%; }
    """

    def compose(self) -> ComposeResult:
        yield Plain("", id="appointments-summary", classes="section")
        table = DataTable(id="client-appointments-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Date", "Time", "Type", "Place", "Status")
        yield table
        yield Static("Tasks", classes="section")
        task_table = DataTable(id="client-tasks-table", cursor_type="row", zebra_stripes=True)
        task_table.add_columns("Due", "Priority", "Task", "Worker", "Done")
        yield task_table

    def load(self, client_id: int) -> None:
        def read(session):
            return appointments.for_client(session, client_id), tasks.for_client(session, client_id)

        self.call_service(read, lambda found: self.show(*found), group="client-appointments", exclusive=True)

    def show(self, rows: list[appointments.AgendaAppointment], task_rows: list[tasks.TaskRow]) -> None:
        today: date = self.app.today
        upcoming = sorted(
            (row for row in rows if row.starts_on >= today and row.active), key=lambda r: (r.starts_on, r.start_time)
        )
        past = [row for row in rows if row not in upcoming]
        no_shows = sum(1 for row in rows if row.status == "no_show")
        self.query_one("#appointments-summary", Static).update(
            f"{len(upcoming)} upcoming · {len(past)} past or cancelled · {no_shows} no-show"
            + ("" if no_shows == 1 else "s")
        )
        table = self.query_one("#client-appointments-table", DataTable)
        table.clear()
        for row in upcoming + past:
            style = {"no_show": "bold red", "attended": "green"}.get(row.status, "" if row.active else "dim")
            table.add_row(
                *cells(
                    Text(f"{row.starts_on:%Y-%m-%d}", style="bold" if row in upcoming else ""),
                    f"{row.start_time:%H:%M}-{row.ends_at:%H:%M}",
                    row.kind_label,
                    row.place or "",
                    Text(row.status_label, style=style),
                ),
                key=str(row.id),
            )
        task_table = self.query_one("#client-tasks-table", DataTable)
        task_table.clear()
        for row in task_rows:
            task_table.add_row(
                *cells(
                    Text(f"{row.due_on:%Y-%m-%d}", style="bold red" if row.overdue(today) else ""),
                    row.priority_label,
                    row.title,
                    row.worker,
                    f"{row.done_on:%Y-%m-%d}" if row.done_on else "",
                ),
                key=str(row.id),
            )


def _saved(screen, done: str):
    def closed(result) -> None:
        if not result:
            return
        overlap = result.overlap_message() if isinstance(result, appointments.Scheduled) else None
        if overlap:
            screen.notify(f"{done} {overlap}", title="Overlap", severity="warning", timeout=10)
        else:
            screen.notify(done)
        screen.load()

    return closed


def new_appointment(screen, case_id: int, client_name: str) -> None:
    """The appointment form for the client in view (``screen`` reloads when it saved)."""
    from casetui.widgets.agenda_forms import AppointmentForm

    app = screen.app
    now, worker = app.now, app.worker_name

    def save(values: dict):
        with app.database.transaction() as session:
            return appointments.schedule(session, values, now=now, worker=worker)

    form = AppointmentForm(save, day=app.today, client=f"#{case_id}", client_name=client_name)
    app.push_screen(form, _saved(screen, "Appointment scheduled."))


def new_task(screen, case_id: int, client_name: str) -> None:
    from casetui.widgets.agenda_forms import TaskForm

    app = screen.app
    today, worker = app.today, app.worker_name

    def save(values: dict):
        with app.database.transaction() as session:
            return tasks.add_task(session, values, today=today, worker=worker)

    app.push_screen(
        TaskForm(save, day=today, client=f"#{case_id}", client_name=client_name), _saved(screen, "Task added.")
    )
