"""The appointment, task, reschedule, cancel and contact-note forms (all ``FormDialog``s).

Database-free: the screen hands each a ``save(values)`` that calls a service; what a field may
hold is the service's to say, beside the field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Select, TextArea

from casetui.data.domain import vocab
from casetui.data.domain.agenda_vocab import APPOINTMENT_KINDS as KINDS
from casetui.data.domain.agenda_vocab import RECURRENCES
from casetui.data.domain.agenda_vocab import TASK_PRIORITIES as PRIORITIES
from casetui.widgets.date_field import DateField
from casetui.widgets.fields import FormField
from casetui.widgets.form_dialog import FormDialog

DEFAULT_REMINDER = "15"


class AppointmentForm(FormDialog):
    """A new appointment. ``client``: what the Client field starts with (a case number such as
    "#12" when a client is in view; blank for a meeting without one)."""

    def __init__(self, save: Callable[[dict], object], *, day: date, client: str = "", client_name: str = ""):
        title = f"New appointment with {client_name}" if client_name else "New appointment"
        super().__init__(title, save, wide=True)
        self.day, self.client, self.client_name = day, client, client_name

    def form(self) -> ComposeResult:
        yield FormField(
            "Client",
            Input(self.client, placeholder="Name or case number; blank for a meeting without a client", id="client"),
        )
        with Horizontal(classes="pair"):
            yield DateField("Date", Input(f"{self.day:%Y-%m-%d}", id="starts_on"))
            yield FormField(
                "Type",
                Select(
                    list((label, code) for code, label in KINDS.items()),
                    value="home_visit",
                    allow_blank=False,
                    id="kind",
                ),
            )
        with Horizontal(classes="pair"):
            yield FormField("Start", Input(placeholder="14:30", id="start_time"))
            yield FormField("End", Input(placeholder="15:30 (or blank: an hour)", id="end_time"))
        with Horizontal(classes="pair"):
            yield FormField("Place", Input(id="place"))
            yield FormField("With whom", Input(id="with_whom"))
        yield FormField("Purpose", Input(id="purpose"))
        with Horizontal(classes="pair"):
            yield FormField(
                "Repeats",
                Select(
                    [(label, code) for code, label in RECURRENCES.items()], prompt="Does not repeat", id="recurrence"
                ),
            )
            yield DateField("Repeat until", Input(id="repeat_until"), hint="at most a year")
        yield FormField(
            "Reminder (minutes before)",
            Input(DEFAULT_REMINDER, id="reminder_minutes", type="integer"),
            hint="blank for none",
        )

    def initial_focus(self):
        return self.query_one("#start_time" if self.client else "#client", Input)


class RescheduleForm(FormDialog):
    def __init__(self, save: Callable[[dict], object], *, what: str, day: date):
        super().__init__(
            f"Reschedule {what}", save, subtitle="A new appointment takes its place; this one is kept as rescheduled."
        )
        self.day = day

    def form(self) -> ComposeResult:
        yield DateField("New date", Input(f"{self.day:%Y-%m-%d}", id="starts_on"))
        with Horizontal(classes="pair"):
            yield FormField("Start", Input(placeholder="blank: the same time", id="start_time"))
            yield FormField("End", Input(placeholder="blank: as long as before", id="end_time"))

    def initial_focus(self):
        return self.query_one("#start_time", Input)


class CancelForm(FormDialog):
    def __init__(self, save: Callable[[dict], object], *, what: str):
        super().__init__(f"Cancel {what}", save, ok="Cancel it")

    def form(self) -> ComposeResult:
        yield FormField(
            "Cancelled by",
            Select(
                [("The client", "cancelled_client"), ("Me (the worker)", "cancelled_worker")],
                value="cancelled_client",
                allow_blank=False,
                id="status",
            ),
        )


class TaskForm(FormDialog):
    def __init__(self, save: Callable[[dict], object], *, day: date, client: str = "", client_name: str = ""):
        super().__init__(f"New task for {client_name}" if client_name else "New task", save)
        self.day, self.client = day, client

    def form(self) -> ComposeResult:
        yield FormField("Task", Input(placeholder="Call the landlord", id="title"))
        with Horizontal(classes="pair"):
            yield DateField("Due on", Input(f"{self.day:%Y-%m-%d}", id="due_on"))
            yield FormField("Due at", Input(placeholder="blank: any time", id="due_time"))
        with Horizontal(classes="pair"):
            yield FormField(
                "Priority",
                Select(
                    [(label, code) for code, label in PRIORITIES.items()],
                    value="normal",
                    allow_blank=False,
                    id="priority",
                ),
            )
            yield FormField("Client", Input(self.client, placeholder="Name, case number or blank", id="client"))
        yield FormField("Note", Input(id="note"))

    def initial_focus(self):
        return self.query_one("#title", Input)


def contact_note_fields(prefill: dict) -> list[FormField]:
    """The note form's fields (as the client record's note form has them), filled from ``prefill``
    (``appointments.contact_note_prefill``)."""
    duration = prefill.get("duration_minutes")
    area = TextArea(prefill.get("text", ""), id="text")
    return [
        DateField("Date", Input(value=f"{prefill['occurred_on']:%Y-%m-%d}", id="occurred_on")),
        FormField(
            "Type",
            Select(
                [(label, code) for code, label in vocab.NOTE_KINDS.items()],
                value=prefill.get("kind", "visit"),
                allow_blank=False,
                id="kind",
            ),
        ),
        FormField(
            "Duration (minutes)",
            Input("" if duration is None else str(duration), id="duration_minutes", type="integer"),
        ),
        FormField("Note", area),
    ]


class ContactNoteForm(FormDialog):
    """The contact note an attended appointment opens, prefilled; typing starts in the note."""

    def __init__(self, save: Callable[[dict], object], *, prefill: dict, who: str):
        super().__init__(
            f"Contact note: {who}" if who else "Contact note",
            save,
            fields=contact_note_fields(prefill),
            subtitle="Attended. Add what happened.",
        )

    def initial_focus(self):
        area = self.query_one("#text", TextArea)
        area.move_cursor(area.document.end)
        return area
