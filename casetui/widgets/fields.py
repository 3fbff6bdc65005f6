"""A labelled form field that shows its validation message beside the input."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Label, Select, SelectionList, Static, TextArea

from casetui.widgets.plain import Plain


class FormField(Vertical):
    """Label, one input widget, and a one-line error under it.

    ``FormField("Date of birth", Input(id="date_of_birth"))``; ``set_error("...")`` shows a
    message (and marks the field), ``set_error(None)`` clears it. ``value`` reads the input.
    """

    DEFAULT_CSS = """
    FormField {
        height: auto;
        margin: 0 0 1 0;
    }
    FormField > Label {
        color: $text-muted;
    }
    FormField > .field-error {
        color: $error;
        height: auto;
        display: none;
    }
    FormField.-invalid > .field-error {
        display: block;
    }
    FormField.-invalid > Input, FormField.-invalid > Select, FormField.-invalid > TextArea {
        border: tall $error;
    }
    """

    def __init__(self, label: str, control: Widget, *, hint: str | None = None, id: str | None = None):
        super().__init__(id=id or (f"field-{control.id}" if control.id else None))
        self.label = label
        self.control = control
        self.hint = hint

    def compose(self) -> ComposeResult:
        # The label is our markup; a hint may be typed text (a goal's unit) and an error may
        # quote what was typed, so neither is read as markup.
        label = Content.from_markup(self.label)
        # The hint in italics, not dim: faint text on a terminal falls below 4.5:1 (test_contrast.py).
        yield Label(Content.assemble(label, "  ", (self.hint, "italic")) if self.hint else label)
        yield self.control
        yield Plain("", classes="field-error")

    @property
    def value(self):
        control = self.control
        if isinstance(control, TextArea):
            return control.text
        if isinstance(control, Select):
            return None if control.value is Select.NULL else control.value
        if isinstance(control, SelectionList):
            return list(control.selected)
        return getattr(control, "value", None)

    def set_error(self, message: str | None) -> None:
        self.set_class(bool(message), "-invalid")
        self.query_one(".field-error", Static).update(message or "")


def show_errors(container: Widget, errors: dict[str, str]) -> list[str]:
    """Put each error beside the field whose control id is the error's key.

    Clears the other fields' errors; returns the errors that match no field (show those in a
    notification) and focuses the first invalid field.
    """
    unmatched = dict(errors)
    first = None
    for field in container.query(FormField):
        key = field.control.id
        message = errors.get(key) if key else None
        field.set_error(message)
        if message:
            unmatched.pop(key, None)
            first = first or field
    if first is not None:
        first.control.focus()
    return list(unmatched.values())
