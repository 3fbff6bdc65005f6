"""A modal form: labelled fields, a save callback, errors shown beside the fields.

The form knows nothing of the database: the screen hands it ``save(values)``, which calls a
service and raises ``ValidationError`` (shown inline, nothing typed is lost) or another
``CasetuiError`` (shown above the buttons). The form closes with True once ``save`` returns.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from casetui.data.domain.errors import CasetuiError, ValidationError
from casetui.keys import key_text
from casetui.widgets.fields import FormField, show_errors


class RecordForm(ModalScreen[bool]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="record-form.cancel"),
        Binding("ctrl+s", "save", "Save", id="record-form.save"),
    ]
    DEFAULT_CSS = """
    RecordForm { align: center middle; }
    RecordForm > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    RecordForm #form-title { text-style: bold; padding: 0 0 1 0; }
    RecordForm VerticalScroll { height: auto; max-height: 1fr; }
    RecordForm TextArea { height: 6; }
    RecordForm #form-error { color: $error; height: auto; }
    RecordForm Horizontal { height: auto; align-horizontal: right; }
    RecordForm Button { margin-left: 1; }
    """

    def __init__(self, title: str, fields: list[FormField], save: Callable[[dict], object], *, ok: str = "Save"):
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.save = save
        self.ok = ok

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.form_title, id="form-title", markup=False)  # it may name a service or a person
            with VerticalScroll():
                yield from self.fields
            yield Static("", id="form-error", markup=False)
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(f"{self.ok} ({key_text(self.app, 'record-form.save')})", id="save", variant="primary")

    def on_mount(self) -> None:
        if self.fields:
            self.fields[0].control.focus()

    def values(self) -> dict:
        return {field.control.id: field.value for field in self.fields}

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        error = self.query_one("#form-error", Static)
        try:
            self.save(self.values())
        except ValidationError as exc:
            unmatched = show_errors(self, exc.errors)
            error.update(" ".join(unmatched))
        except CasetuiError as exc:
            show_errors(self, {})
            error.update(str(exc))
        else:
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
