"""Small modal dialogs: yes/no confirmation and asking for a reason."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ConfirmDialog(ModalScreen[bool]):
    """``push_screen(ConfirmDialog("Revoke this consent?"), callback)``: True for yes."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
        Binding("y", "confirm", "Yes", show=False, id="confirm.yes"),
        Binding("n", "cancel", "No", show=False, id="confirm.no"),
    ]
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 60; max-width: 95%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    ConfirmDialog Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmDialog Button { margin-left: 1; }
    """

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "Cancel"):
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question)
            with Horizontal():
                yield Button(self.no, id="no")
                yield Button(self.yes, id="yes", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ReasonDialog(ModalScreen[str | None]):
    """Ask for a short reason (stage change, reopening, a goal's status change).

    Dismisses with the text, or None when cancelled. An empty reason is refused in place.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reason.cancel")]
    DEFAULT_CSS = """
    ReasonDialog { align: center middle; }
    ReasonDialog > Vertical {
        width: 70; max-width: 95%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    ReasonDialog .error { color: $error; height: auto; }
    ReasonDialog Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ReasonDialog Button { margin-left: 1; }
    """

    def __init__(self, title: str, *, label: str = "Reason", placeholder: str = "", ok: str = "Save"):
        super().__init__()
        self.title_text, self.label, self.placeholder, self.ok = title, label, placeholder, ok

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]{self.title_text}[/]")
            yield Label(self.label)
            yield Input(placeholder=self.placeholder, id="reason")
            yield Static("", classes="error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(self.ok, id="ok", variant="primary")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one(".error", Static).update(f"{self.label} is required.")
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
