"""Before a new client is created: people already on file who look like the same person."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option


@dataclass(frozen=True)
class PossibleMatch:
    client_id: int
    name: str
    details: str  # date of birth, city: enough to tell two people apart


class DuplicateDialog(ModalScreen[tuple[str, int | None] | None]):
    """Dismisses with ("open", client_id), ("create", None), or None to go back to the form."""

    BINDINGS = [
        Binding("escape", "cancel", "Back to the form", id="duplicate.back"),
        # A function key: no key pressed by habit (n for "no", ctrl+s once more) makes a duplicate.
        Binding("f4", "create", "Create new client anyway", id="duplicate.create"),
    ]
    DEFAULT_CSS = """
    DuplicateDialog { align: center middle; }
    DuplicateDialog > Vertical {
        width: 76; max-width: 95%; height: auto; max-height: 90%; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    DuplicateDialog OptionList { height: auto; max-height: 10; margin: 1 0; }
    DuplicateDialog Horizontal { height: auto; align-horizontal: right; }
    DuplicateDialog Button { margin-left: 1; }
    """

    def __init__(self, matches: list[PossibleMatch]):
        super().__init__()
        self.matches = matches

    def compose(self) -> ComposeResult:
        with Vertical():
            count = len(self.matches)
            yield Static(
                f"[b]{'This person' if count == 1 else 'These people'} may already be on file[/b]\n"
                "Same date of birth and a similar name. Open the existing record instead of "
                "creating a duplicate? Your intake draft is kept."
            )
            # Content, not markup: names are typed ("Smith [Jr]").
            yield OptionList(
                *[
                    Option(Content.assemble(m.name, "  ", (m.details, "dim")), id=str(m.client_id))
                    for m in self.matches
                ],
                id="matches",
            )
            with Horizontal():
                yield Button("Back", id="back")
                yield Button("Create new client", id="create", variant="warning")
                yield Button("Open selected record", id="open", variant="primary")

    def on_mount(self) -> None:
        options = self.query_one("#matches", OptionList)
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def open_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(("open", int(event.option.id)))

    @on(Button.Pressed, "#open")
    def open_highlighted(self) -> None:
        options = self.query_one("#matches", OptionList)
        option = options.get_option_at_index(options.highlighted or 0)
        self.dismiss(("open", int(option.id)))

    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        self.dismiss(("create", None))

    @on(Button.Pressed, "#back")
    def action_cancel(self) -> None:
        self.dismiss(None)
