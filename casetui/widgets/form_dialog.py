"""The one modal form frame: a title, fields, an error line, Cancel and Save.

The form knows nothing of the database: its screen hands it ``save(values)``, which opens a
transaction and calls a service. Save runs that callable in a thread worker, so the interface
never waits on the database. A ``ValidationError`` shows beside the fields it names (the rest on
the error line); any other ``CasetuiError`` (a closed case; a colleague's save, with what to do)
shows on the error line. Either way the form stays open with everything typed. The form dismisses with what
``save`` returned (True when that is None), or None when cancelled.

A form either is given its ``fields`` or overrides ``form()`` to compose them (pairs side by
side in ``Horizontal(classes="pair")``). ``values()`` reads every field the one way
``FormField.value`` does, keyed by the control's id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from casetui.data.domain.errors import CasetuiError, ConflictError, ValidationError
from casetui.keys import key_text
from casetui.widgets.fields import FormField, show_errors
from casetui.widgets.footer import KeyFooter
from casetui.widgets.plain import Plain


def conflict_message(what: str, close_key: str) -> str:
    """A colleague saved the record while this form was open: what happened, and what works."""
    return (
        f"Someone else saved this {what} after you opened this form, so nothing of yours was written. "
        f"What you typed is still here: note what you need, close the form ({close_key}) and open it "
        "again to see their version, then make your change again."
    )


class FormDialog(ModalScreen):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
        # The app's help, shown as f1: in a field `?` types a question mark, f1 always works.
        Binding("question_mark,f1", "app.help", "Help", key_display="f1", id="form.help"),
    ]
    # Widths and the frame's look live in theme.tcss (FormDialog, .-wide); a form's own CSS only
    # says what is particular to it.

    def __init__(
        self,
        title: str,
        save: Callable[[dict], object],
        *,
        fields: Iterable[FormField] = (),
        subtitle: str | None = None,
        ok: str = "Save",
        wide: bool = False,
    ):
        super().__init__(classes="-wide" if wide else None)
        self.form_title, self.subtitle, self.save, self.ok = title, subtitle, save, ok
        self.fields = list(fields)
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            # Titles may name a client or a service: never read as markup.
            yield Plain(self.form_title, classes="dialog-title")
            if self.subtitle:
                yield Plain(self.subtitle, classes="dialog-subtitle")
            with VerticalScroll(classes="dialog-body"):
                yield from self.form()
            yield Plain("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(f"{self.ok} ({key_text(self.app, 'form.save')})", id="save", variant="primary")
        yield KeyFooter(compact=True, show_command_palette=False)

    def form(self) -> ComposeResult:
        yield from self.fields

    def on_mount(self) -> None:
        target = self.initial_focus()
        if target is not None:
            target.focus()

    def initial_focus(self) -> Widget | None:
        """Where typing starts (Textual runs every class's on_mount, so forms override this)."""
        fields = self.query(FormField)
        return fields.first().control if fields else None

    def values(self) -> dict:
        """What the user typed, keyed by the names the service expects (the controls' ids)."""
        return {field.control.id: field.value for field in self.query(FormField) if field.control.id}

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.saving:  # a second ctrl+s while the first save is still running
            return
        self.saving = True
        self._run_save(self.values())

    @work(thread=True, group="form-save")
    def _run_save(self, values: dict) -> None:
        try:
            result = self.save(values)
        except CasetuiError as exc:
            self.app.call_from_thread(self.show_refusal, exc)
            return
        self.app.call_from_thread(self.dismiss, True if result is None else result)

    def show_refusal(self, error: CasetuiError) -> None:
        """Errors beside their fields, the rest on the form's error line; nothing typed is lost."""
        self.saving = False
        if isinstance(error, ValidationError):
            message = " ".join(show_errors(self, error.errors))
        elif isinstance(error, ConflictError):
            show_errors(self, {})
            message = conflict_message(error.what, key_text(self.app, "form.cancel"))
        else:
            show_errors(self, {})
            message = str(error)
        self.query_one("#form-error", Static).update(message)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
