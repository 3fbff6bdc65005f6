"""Pick one of a few numbered answers from the keyboard (a rating scale, a questionnaire item)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class ChoicePicker(Widget, can_focus=True):
    """One answer out of a handful, all visible at once.

    Type an answer's number to choose it (focus then moves on, so a questionnaire is answered
    with one key per item), or move with left/right; backspace clears. ``value`` is the chosen
    option's value, or None.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"choice-picker--selected"}
    BINDINGS = [
        Binding("right", "move(1)", "Next answer", show=False, id="choice.next"),
        Binding("left", "move(-1)", "Previous answer", show=False, id="choice.previous"),
        Binding("backspace,delete", "clear", "Clear", show=False, id="choice.clear"),
    ]
    DEFAULT_CSS = """
    ChoicePicker {
        height: auto;
        padding: 0 1;
        border-left: outer $border-blurred;
        background: $boost;
    }
    ChoicePicker:focus {
        border-left: outer $accent;
        background: $accent 15%;
    }
    ChoicePicker > .choice-picker--selected {
        background: $accent;
        color: $text;
        text-style: bold;
    }
    """

    value: reactive[Any] = reactive(None, init=False)

    @dataclass
    class Changed(Message):
        picker: ChoicePicker
        value: Any

        @property
        def control(self) -> ChoicePicker:
            return self.picker

    def __init__(
        self,
        options: dict,
        *,
        shortcuts: str | None = None,
        value=None,
        advance: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(id=id, classes=classes)
        self.options = dict(options)
        values = list(self.options)
        # Each option's key: its own number for numeric scales, else 1, 2, 3, ...
        keys = shortcuts or "".join(str(v) if isinstance(v, int) else str(i) for i, v in enumerate(values, start=1))
        self.shortcuts = dict(zip(keys, values))
        self.advance = advance
        self.set_reactive(ChoicePicker.value, value if value in self.options else None)

    def _layout(self, width: int) -> list[list[tuple[str, object]]]:
        """Answers in rows that fit ``width``, wrapping between answers, never inside one."""
        rows: list[list[tuple[str, object]]] = [[]]
        used = 0
        for key, value in self.shortcuts.items():
            label = f" {key} {self.options[value]} "
            if used and used + 1 + len(label) > width:
                rows.append([])
                used = 0
            rows[-1].append((label, value))
            used += len(label) + (1 if used else 0)
        return rows

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._layout(width))

    def render(self) -> Content:
        selected = self.get_visual_style("choice-picker--selected")
        parts: list = []
        for number, row in enumerate(self._layout(max(1, self.content_size.width))):
            if number:
                parts.append("\n")
            for index, (label, value) in enumerate(row):
                if index:
                    parts.append(" ")
                parts.append((label, selected) if value == self.value else label)
        return Content.assemble(*parts)

    def watch_value(self, value) -> None:
        self.post_message(self.Changed(self, value))

    def on_key(self, event) -> None:
        if event.character in self.shortcuts:
            event.stop()
            event.prevent_default()
            self.value = self.shortcuts[event.character]
            if self.advance:
                self.screen.focus_next()

    def action_move(self, step: int) -> None:
        values = list(self.options)
        if self.value is None:
            index = 0 if step > 0 else len(values) - 1
        else:
            index = max(0, min(len(values) - 1, values.index(self.value) + step))
        self.value = values[index]

    def action_clear(self) -> None:
        self.value = None
