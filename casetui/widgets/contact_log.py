"""The client's contact log: contacts filtered by type and period, with monthly totals.

Data in, messages out: choosing a type or a period posts ``ContactLogView.FilterChanged``; the
screen asks the notes service and hands the result to ``show``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Select

from casetui.data.domain import vocab
from casetui.widgets.fields import FormField
from casetui.widgets.plain import Plain, cells

if TYPE_CHECKING:
    from casetui.data.services.notes import ContactLog

PERIODS: dict[str, str] = {
    "12m": "Last 12 months",
    "month": "This month",
    "last_month": "Last month",
    "3m": "Last 3 months",
    "year": "This calendar year",
    "all": "All dates",
}


def period_dates(period: str, today: date) -> tuple[date | None, date | None]:
    """The first and last day a period covers (None: open-ended)."""
    if period == "month":
        return today.replace(day=1), today
    if period == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if period == "3m":
        return today - timedelta(days=91), today
    if period == "12m":
        return today - timedelta(days=365), today
    if period == "year":
        return today.replace(month=1, day=1), today
    return None, None


class ContactLogView(Vertical):
    DEFAULT_CSS = """
    ContactLogView { height: 1fr; }
    ContactLogView #contact-filters { height: auto; }
    ContactLogView #contact-filters FormField { width: 1fr; margin: 0 1 0 0; }
    ContactLogView #contact-body { height: 1fr; }
    ContactLogView #contacts-table { width: 1fr; height: 1fr; }
    ContactLogView #months-table { width: 30; height: 1fr; margin-left: 1; }
    ContactLogView #contact-summary { height: 1; padding: 0 1; }
    """

    @dataclass
    class FilterChanged(Message):
        kind: str | None
        start: date | None
        end: date | None

    def __init__(self, today: date, **kwargs) -> None:
        super().__init__(**kwargs)
        self.today = today

    def compose(self) -> ComposeResult:
        kinds = [(label, code) for code, label in vocab.NOTE_KINDS.items() if code != "note"]
        with Horizontal(id="contact-filters"):
            yield FormField("Contact type", Select(kinds, prompt="All types", id="contact-kind"))
            yield FormField(
                "Period",
                Select([(label, code) for code, label in PERIODS.items()], value="12m", allow_blank=False, id="period"),
            )
        yield Plain("", id="contact-summary")
        with Horizontal(id="contact-body"):
            contacts = DataTable(id="contacts-table", cursor_type="row", zebra_stripes=True)
            contacts.add_columns("Date", "Start", "Type", "Minutes", "Place", "Participants")
            yield contacts
            months = DataTable(id="months-table", cursor_type="row", zebra_stripes=True)
            months.add_columns("Month", "Contacts", "Minutes")
            yield months

    def on_mount(self) -> None:
        self.post_message(self.current_filter())  # the rows for the period shown at first

    def current_filter(self) -> FilterChanged:
        kind = self.query_one("#contact-kind", Select).value
        start, end = period_dates(str(self.query_one("#period", Select).value), self.today)
        return self.FilterChanged(None if kind is Select.NULL else str(kind), start, end)

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.current_filter())

    def show(self, log: ContactLog) -> None:
        contacts = self.query_one("#contacts-table", DataTable)
        contacts.clear()
        for note in log.contacts:
            contacts.add_row(
                *cells(
                    f"{note.occurred_on:%Y-%m-%d}",
                    note.start_time or "",
                    vocab.NOTE_KINDS.get(note.kind, note.kind),
                    "" if note.duration_minutes is None else str(note.duration_minutes),
                    note.place or "",
                    note.participants or "",
                ),
                key=str(note.id),
            )
        months = self.query_one("#months-table", DataTable)
        months.clear()
        for month in log.months:
            months.add_row(*cells(month.month, str(month.contacts), str(month.minutes)), key=month.month)
        count = len(log.contacts)
        self.query_one("#contact-summary", Plain).update(
            f"{count} contact{'s' if count != 1 else ''}, {log.total_minutes} minutes "
            "(case notes and entries in error not counted)"
            if count
            else "No contacts in this period."
        )
