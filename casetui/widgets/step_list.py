"""The wizard's step list: each step marked done, current or missing; Enter opens a step.

Drawn as one piece of text (two lines a step) so it renders the same way every time; up/down
move the highlight, Enter or a click chooses a step and posts ``StepList.Chosen``.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

MARKS = {
    "done": ("✓", "$text-success", "done"),
    "current": ("▶", "$text-warning", "to do next"),
    "missing": ("○", "$text-muted", "missing"),
}


class StepList(Widget, can_focus=True):
    """``set_steps([(key, label, status), ...], viewing=key)``."""

    BINDINGS = [
        Binding("up", "move(-1)", "Previous", show=False, id="steps.previous"),
        Binding("down", "move(1)", "Next", show=False, id="steps.next"),
        Binding("enter", "choose", "Open step", show=False, id="steps.choose"),
    ]
    DEFAULT_CSS = """
    StepList { height: auto; }
    StepList:focus { background-tint: $foreground 5%; }
    """

    highlighted: reactive[int] = reactive(0)

    class Chosen(Message):
        def __init__(self, key: str):
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.steps: list[tuple[str, str, str]] = []

    def set_steps(self, steps: list[tuple[str, str, str]], viewing: str | None = None) -> None:
        self.steps = list(steps)
        if viewing is not None:
            self.show(viewing)
        self.refresh(layout=True)

    def show(self, key: str) -> None:
        """Move the highlight to the step being viewed."""
        keys = [step[0] for step in self.steps]
        if key in keys:
            self.highlighted = keys.index(key)

    def render(self) -> Content:
        lines = []
        for index, (_key, label, status) in enumerate(self.steps):
            mark, colour, words = MARKS[status]
            title = f"{index + 1} {label}"
            if index == self.highlighted:
                title = Content.styled(title, "bold reverse" if self.has_focus else "bold underline")
            lines.append(Content.assemble((f"{mark} ", colour), title))
            lines.append(Content.styled(f"    {words}", "$text-muted"))
        return Content("\n").join(lines)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, delta: int) -> None:
        if self.steps:
            self.highlighted = (self.highlighted + delta) % len(self.steps)

    def action_choose(self) -> None:
        if self.steps:
            self.post_message(self.Chosen(self.steps[self.highlighted][0]))

    def on_click(self, event: Click) -> None:
        index = event.y // 2
        if 0 <= index < len(self.steps):
            self.highlighted = index
            self.action_choose()
