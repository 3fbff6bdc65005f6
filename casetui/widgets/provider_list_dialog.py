"""Save the provider list: what it will hold, the format, and where to write it.

The screen hands over the entries' names, a default folder and file stem, and a
``save(path)`` callable that renders and writes the document (it runs in a thread worker,
since rendering and writing are slow work). Errors show under the path; the dialog
dismisses with the written path, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from casetui.data.domain.errors import CasetuiError
from casetui.widgets.fields import FormField
from casetui.widgets.footer import KeyFooter
from casetui.widgets.plain import Plain

FORMATS = [("Markdown (.md)", "md"), ("Web page (.html)", "html"), ("PDF (.pdf)", "pdf")]


class ProviderListDialog(ModalScreen):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="provider-list.cancel"),
        Binding("ctrl+s", "save", "Save", id="provider-list.save"),
    ]
    DEFAULT_CSS = """
    ProviderListDialog { align: center middle; }
    ProviderListDialog > VerticalScroll {
        width: 84; max-width: 100%; height: auto; max-height: 100%; padding: 0 2;
        border: thick $primary; background: $surface;
    }
    ProviderListDialog #list-title { text-style: bold; }
    ProviderListDialog #list-entries { color: $text-muted; margin-bottom: 1; max-height: 8; }
    ProviderListDialog Horizontal.buttons { height: auto; align-horizontal: right; }
    ProviderListDialog Button { margin-left: 1; }
    """

    def __init__(self, *, names: list[str], folder: Path, stem: str, save: Callable[[Path], Path]):
        super().__init__()
        self.names, self.folder, self.stem, self.save = names, folder, stem, save

    def compose(self) -> ComposeResult:
        shown = self.names[:6] + ([f"... and {len(self.names) - 6} more"] if len(self.names) > 6 else [])
        with VerticalScroll():
            yield Static(
                f"Provider list: {len(self.names)} service{'s' if len(self.names) != 1 else ''}", id="list-title"
            )
            yield Plain("\n".join(f"• {name}" for name in shown), id="list-entries")
            yield FormField("Format", Select(FORMATS, value="md", allow_blank=False, compact=True, id="format"))
            yield FormField("Save to", Input(str(self.folder / f"{self.stem}.md"), id="path"))
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Select.Changed, "#format")
    def change_suffix(self, event: Select.Changed) -> None:
        path_input = self.query_one("#path", Input)
        path = Path(path_input.value or str(self.folder / self.stem))
        path_input.value = str(path.with_suffix(f".{event.value}"))

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self.query_one("#field-path", FormField).set_error("Say where to save the list.")
            return
        self.query_one("#save", Button).disabled = True
        self.write(Path(raw).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False)
    def write(self, path: Path) -> None:
        try:
            written = self.save(path)
        except CasetuiError as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        except Exception as exc:  # keep the dialog usable; say what went wrong in one line
            self.app.call_from_thread(self.failed, f"Could not save: {type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self.dismiss, written)

    def failed(self, message: str) -> None:
        self.query_one("#save", Button).disabled = False
        self.query_one("#field-path", FormField).set_error(message)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
