"""Settings: every setting the worker can change, with its value; Enter changes the highlighted one.

Your name is kept in your own settings file (``config``); everything else is the agency's and is
kept in the database (``services/settings_list``), audited like any other change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Select

from casetui import config
from casetui.data.domain import dates
from casetui.keys import key_text
from casetui.screens.first_run import save_worker, worker_note
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.fields import FormField
from casetui.widgets.footer import KeyFooter
from casetui.widgets.form_dialog import FormDialog
from casetui.widgets.plain import Plain, cells


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    value: str
    about: str  # what it does and where it is kept: the line under the table


class SettingsScreen(ServiceCalls, Screen):
    CSS_PATH = "settings.tcss"
    HELP_TITLE = "Settings"
    AUTO_FOCUS = "#settings"
    BINDINGS = [
        Binding("escape", "back", "Back", id="settings.back"),
        Binding("enter", "change", "Change", id="settings.change"),
    ]

    def __init__(self):
        super().__init__()
        self.rows: list[Row] = []
        self.values = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("Settings", classes="title")
        table = DataTable(id="settings", cursor_type="row", zebra_stripes=True)
        table.add_columns("Setting", "Value")
        yield table
        yield Plain("", id="settings-about", classes="muted")
        yield Plain(
            f"{key_text(self.app, 'settings.change')} changes the highlighted setting · "
            "yours: this computer only; the rest: the agency's, for everyone using this database",
            classes="hint",
            id="settings-hint",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        from casetui.data.services import settings_list

        app = self.app
        self.call_service(
            lambda session: settings_list.read_values(session, app.database.encrypted), self.show, group="settings"
        )

    def show(self, values) -> None:
        from casetui.data.services import settings_list

        self.values = values
        encrypted = self.app.database.encrypted
        environment = config.worker_from_environment()
        name = self.app.worker_name + (" (from CASETUI_WORKER)" if environment else "")
        rows = [
            Row("worker", "Your name", name, worker_note()),
            Row(
                "agency",
                "Agency name",
                values.agency_name or "not set",
                "On documents and summaries. Kept in the database: the same for everyone using it.",
            ),
            Row(
                "agency_profile",
                "Agency profile",
                "program, address, notice, identifiers, signatures",
                "What every document carries: the agency's header, the client identifiers shown, the"
                " confidentiality notice, signature lines and paper size.",
            ),
            Row(
                "lock",
                "Idle lock",
                values.lock.describe(encrypted),
                "Hides client records after the idle minutes until your PIN is typed; "
                f"{key_text(self.app, 'app.lock')} locks at once.",
            ),
            Row(
                "date_order",
                "Date order",
                dates.ORDERS[values.date_order] + f" ({dates.example(values.date_order)})",
                "How dates are typed and shown; a date can always be typed as YYYY-MM-DD too.",
            ),
        ]
        for number in settings_list.NUMBERS:
            value = values.numbers[number.key]
            rows.append(Row(number.key, number.label, f"{value} {number.unit}", f"{number.purpose}."))
        self.rows = rows
        table = self.query_one("#settings", DataTable)
        at = table.cursor_row
        table.clear()
        for row in rows:
            table.add_row(*cells(row.label, row.value), key=row.key)
        table.move_cursor(row=min(max(at, 0), len(rows) - 1))
        self.show_about()

    @on(DataTable.RowHighlighted, "#settings")
    def show_about(self) -> None:
        table = self.query_one("#settings", DataTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            self.query_one("#settings-about", Plain).update(self.rows[table.cursor_row].about)

    agency_profile_open = False

    def on_screen_resume(self) -> None:
        # Back from the agency profile (the app's form, which may have changed the agency's name);
        # the screen's own forms read the settings again when they save.
        if self.agency_profile_open:
            self.agency_profile_open = False
            self.load()

    def action_back(self) -> None:
        self.dismiss()

    @on(DataTable.RowSelected, "#settings")
    def action_change(self) -> None:
        table = self.query_one("#settings", DataTable)
        if self.values is None or not 0 <= table.cursor_row < len(self.rows):
            return
        key = self.rows[table.cursor_row].key
        if key == "worker":
            self.change_worker()
        elif key == "agency_profile":
            self.agency_profile_open = True
            self.app.action_agency_profile()
        elif key == "lock":
            self.change_lock()
        else:
            self.change_stored(key)

    def _ask(self, dialog: FormDialog, then: Callable[[object], None] | None = None) -> None:
        def answered(result) -> None:
            if result is None:
                return  # cancelled: nothing changed
            if then is not None:
                then(result)
            self.load()

        self.app.push_screen(dialog, answered)

    def change_worker(self) -> None:
        field = FormField(
            "Your name (on every record and audit entry you write)",
            Input(config.saved_worker_name() or self.app.worker_name, id="worker_name"),
        )
        dialog = FormDialog("Your name", lambda values: save_worker(values["worker_name"] or ""), fields=[field])
        dialog.subtitle = worker_note()
        self._ask(dialog, lambda _name: self.app.take_worker_name(config.worker_name()))

    def change_lock(self) -> None:
        from casetui.screens.lock import LockSettingsDialog

        def saved(changed: bool | None) -> None:
            if changed:
                self.app.load_lock_policy()
                self.load()

        minutes = self.values.lock.minutes if self.values.lock.chosen else 10
        self.app.push_screen(LockSettingsDialog(minutes, self.app.database.encrypted), saved)

    def change_stored(self, key: str) -> None:
        """A setting kept in the database: one form, saved in one transaction."""
        from casetui.data.services import settings_list

        app, values = self.app, self.values
        if key == "agency":
            control_id, label = settings_list.AGENCY_NAME, "The agency's name (on documents and summaries)"
            control = Input(values.agency_name, placeholder="e.g. Riverside Family Services", id=control_id)
            write = settings_list.set_agency_name
        elif key == "date_order":
            control_id, label = "date_order", "How dates are written here"
            control = Select(
                settings_list.date_order_choices(), value=values.date_order, allow_blank=False, id=control_id
            )
            write = settings_list.set_date_order
        else:
            number = settings_list.NUMBER_KEYS[key]
            control_id = key
            label = f"{number.label} ({number.lowest} to {number.highest} {number.unit})"
            control = Input(str(values.numbers[key]), id=control_id)

            def write(session, value, key=key):
                settings_list.set_number(session, key, value)

        def save(typed: dict):
            value = typed[control_id]
            with app.database.transaction() as session:
                write(session, "" if value is None else value)
            return value

        title = next(row.label for row in self.rows if row.key == key)
        about = next(row.about for row in self.rows if row.key == key)
        dialog = FormDialog(title, save, fields=[FormField(label, control)], subtitle=about)
        self._ask(dialog, (lambda order: setattr(app, "date_order", order)) if key == "date_order" else None)
