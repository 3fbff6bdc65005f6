"""Dialogs of the goals screen: goal, objective, progress entry, status change, history.

Each form is handed a ``save(values)`` callable by its screen: the screen calls the service,
the form shows whatever ``ValidationError`` comes back beside the fields, keeps what was
typed, and closes (dismissing True) only once ``save`` succeeds. No database in here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Select, SelectionList, Static

from casetui.data.domain import vocab
from casetui.widgets.date_field import DateField
from casetui.widgets.fields import FormField
from casetui.widgets.footer import KeyFooter
from casetui.widgets.form_dialog import FormDialog
from casetui.widgets.plain import Plain

Save = Callable[[dict], None]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class GoalForm(FormDialog):
    """A new goal, or with ``ask_reason`` a revision of one (the reason is kept in its history)."""

    def __init__(self, title: str, save: Save, values: dict | None = None, *, ask_reason: bool = False):
        super().__init__(title, save, wide=True)
        self.initial = values or {}
        self.ask_reason = ask_reason

    def form(self) -> ComposeResult:
        start = self.initial
        if self.ask_reason:
            yield FormField("Why revise it", Input(placeholder="e.g. Reassessment: new job offer", id="reason"))
        yield FormField("Goal, in the client's words", Input(_text(start.get("statement")), id="statement"))
        chosen = set(start.get("domains") or [])
        yield FormField(
            "Need domains",
            SelectionList(*[(label, code, code in chosen) for code, label in vocab.DOMAINS.items()], id="domains"),
            hint="space to tick",
        )
        with Horizontal(classes="pair"):
            yield FormField("Measure (what is counted)", Input(_text(start.get("measure")), id="measure"))
            yield FormField("Unit", Input(_text(start.get("unit")), placeholder="days, $, visits", id="unit"))
        with Horizontal(classes="pair"):
            yield FormField(
                "Direction",
                Select(
                    [(label, code) for code, label in vocab.GOAL_DIRECTIONS.items()],
                    value=start.get("direction") or "increase",
                    allow_blank=False,
                    id="direction",
                ),
            )
            yield FormField(
                "Who acts",
                Select(
                    [(label, code) for code, label in vocab.GOAL_ACTORS.items()],
                    value=start.get("actor") or "client",
                    allow_blank=False,
                    id="actor",
                ),
            )
        with Horizontal(classes="pair"):
            yield FormField("Baseline", Input(_text(start.get("baseline")), id="baseline"), hint="yes/no for reach")
            yield FormField("Target", Input(_text(start.get("target")), id="target"))
        with Horizontal(classes="pair"):
            yield DateField("Start date", Input(_text(start.get("start_on")), id="start_on"))
            yield DateField("Due date", Input(_text(start.get("due_on")), id="due_on"))

    def initial_focus(self) -> Input:
        return self.query_one("#reason" if self.ask_reason else "#statement", Input)


class ObjectiveForm(FormDialog):
    def form(self) -> ComposeResult:
        yield FormField("Objective: a short step toward the goal", Input(id="text"))
        yield DateField("Due date", Input(id="due_on"), hint="optional")


class ProgressForm(FormDialog):
    """A progress entry; ``value_hint`` says what to type (the unit, or yes/no)."""

    def __init__(self, title: str, save: Save, *, today: str, value_hint: str):
        super().__init__(title, save)
        self.today, self.value_hint = today, value_hint

    def form(self) -> ComposeResult:
        with Horizontal(classes="pair"):
            yield DateField("Date", Input(self.today, id="recorded_on"))
            yield FormField("Value", Input(id="value"), hint=self.value_hint)
        yield FormField("Evidence source", Input(placeholder="e.g. Pay stub, client report", id="evidence_source"))
        yield FormField("Note", Input(id="note"))

    def initial_focus(self) -> Input:
        return self.query_one("#value", Input)


class StatusForm(FormDialog):
    """The goal's FHIR lifecycle and achievement status, and why it changes."""

    def __init__(self, title: str, save: Save, *, lifecycle: str, achievement: str | None):
        super().__init__(title, save)
        self.lifecycle, self.achievement = lifecycle, achievement

    def form(self) -> ComposeResult:
        with Horizontal(classes="pair"):
            yield FormField(
                "Lifecycle",
                Select(
                    [(label, code) for code, label in vocab.GOAL_LIFECYCLE.items()],
                    value=self.lifecycle,
                    allow_blank=False,
                    id="lifecycle_status",
                ),
            )
            yield FormField(
                "Achievement",
                Select(
                    [(label, code) for code, label in vocab.GOAL_ACHIEVEMENT.items()],
                    value=self.achievement or Select.NULL,
                    prompt="(none)",
                    id="achievement_status",
                ),
            )
        yield FormField("Reason for the change", Input(id="reason"))


class HistoryDialog(ModalScreen[None]):
    """A goal's revisions and status changes, newest first.

    ``entries`` are (heading, changes, reason) in plain words; each is shown as a short block
    that wraps, so long statements stay readable at 80 columns."""

    BINDINGS = [Binding("escape", "close", "Close", id="goal-history.close")]
    DEFAULT_CSS = """
    HistoryDialog { align: center middle; }
    HistoryDialog > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        padding: 0 1; border: thick $primary; background: $surface;
    }
    HistoryDialog .dialog-title { text-style: bold; margin-bottom: 1; }
    HistoryDialog VerticalScroll { height: auto; max-height: 70vh; }
    HistoryDialog .history-entry { height: auto; margin-bottom: 1; }
    """

    def __init__(self, title: str, entries: Sequence[tuple[str, list[str], str]]):
        super().__init__()
        self.title_text, self.entries = title, entries

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Plain(self.title_text, classes="dialog-title")
            with VerticalScroll(id="history"):
                for heading, changes, reason in self.entries:
                    text = Text(heading, style="bold")
                    for change in changes:
                        text.append(f"\n  {change}")
                    text.append(f"\n  Reason: {reason}", style="italic")
                    yield Static(text, classes="history-entry")
                if not self.entries:
                    yield Static("This goal has not been revised and its status has not changed.", classes="muted")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#history", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
