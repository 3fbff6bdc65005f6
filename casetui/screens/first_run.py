"""The first run (a new database, or a worker who has not said who they are): their name, the
agency's name and the date order, then the lock PIN (``lock.FirstRunLockDialog``, chained by the
app). Each can be changed later on the settings screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Select

from casetui import config
from casetui.data.domain.errors import ValidationError
from casetui.keys import key_text
from casetui.widgets.fields import FormField
from casetui.widgets.form_dialog import FormDialog
from casetui.widgets.plain import Plain


def worker_note() -> str:
    """Where the worker's name is kept, and what wins over it: said wherever it is asked."""
    where = config.user_file_path()
    if config.worker_from_environment():
        return f"CASETUI_WORKER is set: casetui uses it while it is. The name saved in {where} is used when it is not."
    return f"Kept on this computer ({where}), not in the shared database. CASETUI_WORKER, if set, wins."


def save_worker(name: str) -> str:
    """In a form's save thread: the name saved in the worker's file (ValidationError beside the
    name field when it cannot be used or written)."""
    try:
        return config.save_worker_name(name)
    except ValueError as exc:
        raise ValidationError("worker_name", str(exc)) from None
    except OSError as exc:
        raise ValidationError("worker_name", f"Your name could not be saved ({exc.strerror or exc}).") from None


class FirstRunDialog(FormDialog):
    """Who you are, the agency, the date order. Escape does not skip it: the app needs a name for
    the audit trail, and nothing asks again once these are set."""

    HELP_TITLE = "First run"
    # Escape does not cancel here (there is nothing to go back to): it says what to do.
    BINDINGS = [Binding("escape", "cancel", show=False, id="first-run.stay")]
    DEFAULT_CSS = """
    FirstRunDialog #field-worker_name { margin-bottom: 0; }
    FirstRunDialog .first-run-note { margin-bottom: 1; }
    """

    def __init__(self, app, agency_name: str, date_order: str):
        from casetui.data.services import settings_list

        self.agency_name, self.date_order = agency_name, date_order
        self.choices = settings_list.date_order_choices()
        database = app.database

        def save(values: dict) -> str:
            # Everything is checked before anything is written (every error shown at once): the
            # database's part in one transaction, rolled back if the name is wrong; the name's
            # file last.
            errors: dict[str, str] = {}
            name = None
            if not config.worker_from_environment():
                try:
                    name = config.check_worker_name(values["worker_name"] or "")
                except ValueError as exc:
                    errors["worker_name"] = str(exc)
            with database.transaction() as session:
                try:
                    settings_list.set_agency_name(session, values["agency_name"] or "")
                    settings_list.set_date_order(session, values["date_order"] or "")
                except ValidationError as exc:
                    errors.update(exc.errors)
                if errors:
                    raise ValidationError(errors)
            if name is not None:
                save_worker(name)
            return values["date_order"]

        super().__init__(
            "Welcome to casetui",
            save,
            subtitle=f"Each can be changed later in Settings ({key_text(app, 'app.settings')}). "
            "Next: a lock PIN, so client records are hidden while you are away.",
            ok="Continue",
        )

    def form(self) -> ComposeResult:
        from_environment = config.worker_from_environment()
        name = Input(
            from_environment or config.saved_worker_name() or "",
            placeholder=f"e.g. {config.os_user()}",
            id="worker_name",
            disabled=bool(from_environment),
            compact=True,  # the whole first run fits 80x24
        )
        yield FormField("Your name (on every record and audit entry you write)", name)
        yield Plain(worker_note(), classes="muted first-run-note")  # where it is kept
        yield FormField(
            "The agency's name (on documents and summaries)",
            Input(self.agency_name, placeholder="e.g. Riverside Family Services", id="agency_name", compact=True),
        )
        yield FormField(
            "How dates are written here",
            Select(self.choices, value=self.date_order, allow_blank=False, id="date_order", compact=True),
        )

    def on_mount(self) -> None:
        self.query_one("#cancel").display = False  # nothing to cancel back to

    def initial_focus(self):
        for control_id in ("#worker_name", "#agency_name"):
            control = self.query_one(control_id, Input)
            if not control.disabled and not control.value:
                return control
        return self.query_one("#agency_name", Input)

    def action_cancel(self) -> None:
        self.query_one("#form-error", Plain).update(
            f"Fill in your name and the agency's, then {key_text(self.app, 'form.save')}."
        )
