"""A labelled form field that shows its validation message beside the input."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from casetui.data.domain.errors import CasetuiError, ValidationError


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
        yield Label(Content.assemble(label, "  ", (self.hint, "dim")) if self.hint else label)
        yield self.control
        yield Static("", classes="field-error", markup=False)

    @property
    def value(self):
        control = self.control
        if isinstance(control, TextArea):
            return control.text
        if isinstance(control, Select):
            return None if control.value is Select.NULL else control.value
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


class FormDialog(ModalScreen):
    """A modal form whose Save hands ``values()`` to the ``save`` callable its caller gave.

    A ValidationError shows beside the fields; any other casetui error (a closed case, a
    colleague's save) is a notification titled ``ERROR_TITLE``. Either way the form stays open
    with everything typed. Dismisses with what ``save`` returned, or None when cancelled.
    Subclasses set ``self.save``, compose the fields and buttons ``#save``/``#cancel``, and
    implement ``values()``.
    """

    ERROR_TITLE = "Not saved"
    # The frame every form shares (Textual applies a base class's CSS to its subclasses):
    # a centred box that scrolls, fields side by side in a Horizontal.pair, buttons right.
    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > VerticalScroll {
        width: 72; max-width: 100%; height: auto; max-height: 100%; padding: 0 2;
        border: thick $primary; background: $surface;
    }
    FormDialog Horizontal.pair { height: auto; }
    FormDialog Horizontal.pair > FormField { width: 1fr; margin-right: 1; }
    FormDialog Horizontal.buttons { height: auto; align-horizontal: right; }
    FormDialog Button { margin-left: 1; }
    """
    save: Callable[[dict], object]

    def values(self) -> dict:
        raise NotImplementedError

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            result = self.save(self.values())
        except ValidationError as exc:
            for message in show_errors(self, exc.errors):
                self.notify(message, severity="error", title=self.ERROR_TITLE, markup=False)
            return
        except CasetuiError as exc:
            show_errors(self, {})
            self.notify(str(exc), severity="error", title=self.ERROR_TITLE, markup=False)
            return
        self.dismiss(result)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
