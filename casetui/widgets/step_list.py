"""The wizard's step list: each step marked done, current or missing; Enter opens a step."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

MARKS = {
    "done": ("✓", "$text-success"),
    "current": ("▶", "$text-warning"),
    "missing": ("○", "$text-muted"),
}


class StepList(OptionList):
    """``set_steps([(key, label, status), ...], viewing=key)``; selecting posts
    ``OptionList.OptionSelected`` whose ``option.id`` is the step's key."""

    DEFAULT_CSS = """
    StepList { height: 1fr; border: none; padding: 0; background: transparent; }
    StepList:focus { background-tint: $foreground 5%; }
    """

    def set_steps(self, steps: list[tuple[str, str, str]], viewing: str | None = None) -> None:
        self.clear_options()
        for number, (key, label, status) in enumerate(steps, start=1):
            mark, colour = MARKS[status]
            words = {"done": "done", "current": "to do next", "missing": "missing"}[status]
            prompt = Content.assemble((f"{mark} ", colour), f"{number} {label}\n", (f"    {words}", "$text-muted"))
            self.add_option(Option(prompt, id=key))
        if viewing is not None:
            self.show(viewing)

    def show(self, key: str) -> None:
        """Move the highlight to the step being viewed."""
        try:
            self.highlighted = self.get_option_index(key)
        except Exception:  # an unknown key: leave the highlight where it is
            pass
