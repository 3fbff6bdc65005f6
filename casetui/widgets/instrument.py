"""A standardized questionnaire (PHQ-9, GAD-7) as a form: every item, the total as it stands, the credit."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from casetui.data.domain import instruments
from casetui.data.domain.errors import ValidationError
from casetui.widgets.choice_picker import ChoicePicker
from casetui.widgets.fields import FormField


class InstrumentPanel(Vertical):
    """Items answered 0-3 with one key each; the running total and severity update as you go.

    Every answer control carries the class ``form-control`` and the instrument's field names
    (``phq9_1`` ...), so the screen reads and fills it like any other field.
    """

    DEFAULT_CSS = """
    InstrumentPanel { height: auto; }
    InstrumentPanel > .instrument-stem { text-style: bold; }
    InstrumentPanel > .instrument-keys { color: $text-muted; margin-bottom: 1; }
    InstrumentPanel > .instrument-total { margin: 0 0 1 0; padding: 0 1; background: $boost; text-style: bold; }
    InstrumentPanel > .instrument-credit { color: $text-muted; }
    """

    def __init__(self, instrument: instruments.Instrument, *, id: str | None = None):
        super().__init__(id=id)
        self.instrument = instrument

    def compose(self) -> ComposeResult:
        instrument = self.instrument
        yield Static(instrument.stem, classes="instrument-stem")
        low, high = min(instruments.ANSWERS), max(instruments.ANSWERS)
        yield Static(
            f"Type {low}-{high} to answer a question: the cursor then moves to the next one "
            "(left and right change an answer, backspace clears it).",
            classes="instrument-keys",
        )
        for number, text in enumerate(instrument.items, start=1):
            yield FormField(
                f"{number}. {text}",
                ChoicePicker(instruments.ANSWERS, id=instrument.field(number), classes="form-control"),
            )
        yield FormField(
            instruments.DIFFICULTY_QUESTION,
            ChoicePicker(
                {a: a for a in instruments.DIFFICULTY_ANSWERS},
                shortcuts="0123",
                advance=False,  # the last question: the cursor stays
                id=instrument.difficulty_field,
                classes="form-control",
            ),
        )
        yield Static(self.describe_total(), classes="instrument-total")
        yield Static(instruments.CREDIT, classes="instrument-credit")

    def answers(self) -> list:
        return [
            self.query_one(f"#{self.instrument.field(n)}", ChoicePicker).value
            for n in range(1, len(self.instrument.items) + 1)
        ]

    def describe_total(self) -> str:
        instrument = self.instrument
        if not self.is_mounted:
            return f"{instrument.code}: not given yet"
        answers = self.answers()
        answered = [a for a in answers if a is not None]
        if not answered:
            return f"{instrument.code}: not given yet"
        if len(answered) < len(answers):
            return f"{instrument.code}: {len(answered)} of {len(answers)} items answered (total so far {sum(answered)})"
        try:
            result = instruments.score(instrument, answers)
        except ValidationError as exc:
            return str(exc)
        return f"{instrument.code} total {result.total} of {instrument.max_total}: {result.severity.lower()}"

    @on(ChoicePicker.Changed)
    def update_total(self) -> None:
        # The message keeps bubbling: the screen autosaves on it.
        self.query_one(".instrument-total", Static).update(self.describe_total())
