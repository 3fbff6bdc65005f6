"""Help: the keys of the screen it was opened from, with what each one does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from casetui.commands import screen_keys
from casetui.keys import key_text
from casetui.widgets.footer import KeyFooter


def describe_keys(app, screen: Screen) -> list[tuple[str, str]]:
    """(key, what it does) for the keys of ``screen``, its own first."""
    rows = [(shown, description) for shown, description, _action, _node in screen_keys(app, screen)]
    rows.append((key_text(app, "app.palette"), "Command palette: any action or client, by name"))
    return rows


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", key_display="esc", id="help.close"),
        Binding("question_mark,f1", "dismiss", "Close", show=False, id="help.toggle"),  # the keys that opened it
    ]

    def __init__(self, screen: Screen):
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        screen = self.for_screen
        # A form is named by its own title ("Edit the client's details"), never by its class.
        title = getattr(screen, "HELP_TITLE", None) or getattr(screen, "form_title", None)
        title = title or screen.__class__.__name__.removesuffix("Screen")
        with Vertical(id="help-box"):
            yield Static(Content.from_markup("[b]Keys: $title[/]", title=title), id="help-title")
            table = DataTable(id="help-keys", cursor_type="row", zebra_stripes=True, show_header=False)
            table.add_columns("Key", "Action")
            for key, description in describe_keys(self.app, self.for_screen):
                table.add_row(key, description)
            yield table
            yield Static("esc closes this help", classes="muted")
        yield KeyFooter()
