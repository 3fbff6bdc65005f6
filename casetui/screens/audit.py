"""The audit trail in words: who did what, when, to which record and fields, and the reason the
record keeps (a correction's, a stage change's); filters by client, worker, action and period;
CSV export."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Select, Static

from casetui.data.domain.errors import CasetuiError
from casetui.keys import key_text
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.date_field import DateField
from casetui.widgets.fields import FormField, show_errors
from casetui.widgets.footer import KeyFooter
from casetui.widgets.plain import cells

SHOWN_ROWS = 500


class AuditScreen(ServiceCalls, Screen):
    CSS_PATH = "audit.tcss"
    HELP_TITLE = "Audit trail"
    AUTO_FOCUS = "#client"
    BINDINGS = [
        Binding("escape", "back", "Back", id="audit.back"),
        Binding("ctrl+o", "export_csv", "Export CSV", id="audit.export"),
        Binding("ctrl+r", "clear_filters", "Clear filters", id="audit.clear-filters"),
    ]

    def __init__(self, client_id: int | None = None):
        super().__init__()
        self.initial_client = client_id
        self.filters: dict = {}

    def compose(self) -> ComposeResult:
        from casetui.data.services.audit_words import ACTION_LABELS

        yield Header()
        with Horizontal(id="audit-filters"):
            yield FormField("Client", Input(str(self.initial_client or ""), placeholder="name or number", id="client"))
            yield FormField("Worker", Select([], prompt="Everyone", id="worker", allow_blank=True))
            yield FormField(
                "Action",
                Select(
                    [(label.capitalize(), code) for code, label in ACTION_LABELS.items()], prompt="Any", id="action"
                ),
            )
            yield DateField("From (enter)", Input(placeholder="YYYY-MM-DD", id="since"))
            yield DateField("To (enter)", Input(placeholder="YYYY-MM-DD", id="until"))
        table = DataTable(id="audit-rows", cursor_type="row", zebra_stripes=True)
        table.add_columns("When (UTC)", "Worker", "What", "Record", "Client", "Reason", "Fields")
        yield table
        yield Static("", id="audit-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load_workers()
        self.refresh_rows()

    def load_workers(self) -> None:
        from casetui.data.services import audit

        # Text prompts: a str option is read as markup, and worker names are typed.
        self.call_service(
            audit.workers,
            lambda names: self.query_one("#worker", Select).set_options([(Text(name), name) for name in names]),
            group="audit-workers",
        )

    def read_filters(self) -> dict | None:
        """The filters as the service takes them, or None after showing what is wrong."""
        from casetui.data.domain import validation as v
        from casetui.data.domain.errors import ValidationError

        try:
            select = self.query_one("#worker", Select)
        except NoMatches:  # still composing, or already closing: nothing to filter
            return None
        worker = None if select.is_blank() else select.value
        order = getattr(self.app, "date_order", "mdy")
        try:
            filters = v.collect(
                ("since", lambda: v.parse_date(self.query_one("#since", Input).value, "since", "From", order=order)),
                ("until", lambda: v.parse_date(self.query_one("#until", Input).value, "until", "To", order=order)),
            )
            if filters["since"] and filters["until"] and filters["until"] < filters["since"]:
                raise ValidationError("until", "To must be on or after From.")
        except ValidationError as exc:
            show_errors(self, exc.errors)
            return None
        show_errors(self, {})
        filters["worker"] = worker
        action = self.query_one("#action", Select)
        filters["action"] = None if action.is_blank() else action.value
        filters["client"] = self.query_one("#client", Input).value.strip()
        return filters

    @on(Input.Changed, "#client")
    @on(Input.Submitted)
    @on(Select.Changed)
    def filters_changed(self) -> None:
        """The client filter applies as it is typed; dates when enter is pressed."""
        self.refresh_rows()

    def refresh_rows(self) -> None:
        filters = self.read_filters()
        if filters is not None:
            self.filters = filters
            self.load_rows(filters)

    @staticmethod
    def _service_filters(session, filters: dict) -> dict:
        from casetui.data.services import audit

        client = filters.get("client")
        return {
            "client_ids": audit.client_ids_matching(session, client) if client else None,
            "worker": filters.get("worker"),
            "action": filters.get("action"),
            "since": filters.get("since"),
            "until": filters.get("until"),
        }

    def load_rows(self, filters: dict) -> None:
        from casetui.data.services import audit, audit_words

        self.call_service(
            lambda session: audit_words.in_words(
                session, audit.query(session, limit=SHOWN_ROWS + 1, **self._service_filters(session, filters))
            ),
            self.show_rows,
            group="audit-rows",
            exclusive=True,
        )

    def show_rows(self, rows) -> None:
        table = self.query_one("#audit-rows", DataTable)
        table.clear()
        for row in rows[:SHOWN_ROWS]:
            event = row.event
            client = f"{row.client_name} ({event.client_id})" if row.client_name else (str(event.client_id or ""))
            table.add_row(
                *cells(f"{event.at:%Y-%m-%d %H:%M}", event.worker, row.what, row.record, client, row.reason, row.fields)
            )
        more = f"the newest {SHOWN_ROWS} shown; " if len(rows) > SHOWN_ROWS else ""
        count = "no entries" if not rows else f"{min(len(rows), SHOWN_ROWS)} entries"
        self.query_one("#audit-status", Static).update(
            f"{count} ({more}{key_text(self.app, 'audit.export')} exports every matching entry to CSV)"
        )

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_clear_filters(self) -> None:
        for input_id in ("#client", "#since", "#until"):
            self.query_one(input_id, Input).value = ""
        self.query_one("#worker", Select).clear()
        self.query_one("#action", Select).clear()

    def action_export_csv(self) -> None:
        filters = self.read_filters()
        if filters is not None:
            self.export_csv(filters)

    def export_csv(self, filters: dict) -> None:
        from casetui import config
        from casetui.data.services import audit

        path = config.documents_dir() / f"audit-{datetime.now():%Y%m%d-%H%M%S}.csv"

        def export(session):
            try:
                return audit.export_csv(session, path, **self._service_filters(session, filters))
            except OSError as exc:  # the export's audit row is not written either
                raise CasetuiError(f"Could not write the CSV: {exc.strerror}") from None

        self.call_service(
            export,
            lambda count: self.notify(f"{count} entries written to {path}", title="Audit exported"),
            group="audit-export",
        )
