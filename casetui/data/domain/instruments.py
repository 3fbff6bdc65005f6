"""Standardized instruments given at intake: PHQ-9 (depression) and GAD-7 (anxiety).

Both are free to use; their items are kept word for word as published, with the answer scale,
the unscored difficulty question, the severity bands and the credit line that must travel with
them on any document that shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

from casetui.data.domain.errors import ValidationError

ANSWERS: dict[int, str] = {
    0: "Not at all",
    1: "Several days",
    2: "More than half the days",
    3: "Nearly every day",
}

DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to do your "
    "work, take care of things at home, or get along with other people?"
)
DIFFICULTY_ANSWERS: tuple[str, ...] = (
    "Not difficult at all",
    "Somewhat difficult",
    "Very difficult",
    "Extremely difficult",
)

CREDIT = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an "
    "educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute."
)


@dataclass(frozen=True)
class Instrument:
    key: str  # form and draft field prefix, e.g. "phq9"
    code: str  # as stored in InstrumentScore.instrument, e.g. "PHQ-9"
    title: str
    stem: str
    items: tuple[str, ...]
    bands: tuple[tuple[int, int, str], ...]  # (lowest total, highest total, severity)

    @property
    def max_total(self) -> int:
        return 3 * len(self.items)

    def field(self, number: int) -> str:
        """The form field of item ``number`` (1-based)."""
        return f"{self.key}_{number}"

    @property
    def difficulty_field(self) -> str:
        return f"{self.key}_difficulty"


PHQ9 = Instrument(
    key="phq9",
    code="PHQ-9",
    title="Patient Health Questionnaire (PHQ-9)",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
        "fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    bands=((0, 4, "Minimal"), (5, 9, "Mild"), (10, 14, "Moderate"), (15, 19, "Moderately severe"), (20, 27, "Severe")),
)

GAD7 = Instrument(
    key="gad7",
    code="GAD-7",
    title="Generalized Anxiety Disorder (GAD-7)",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
    bands=((0, 4, "Minimal"), (5, 9, "Mild"), (10, 14, "Moderate"), (15, 21, "Severe")),
)

INSTRUMENTS: dict[str, Instrument] = {PHQ9.code: PHQ9, GAD7.code: GAD7}
# PHQ-9 item 9 (thoughts of death or self-harm): any answer above 0 needs a safety follow-up.
PHQ9_SAFETY_ITEM = 9


def severity(instrument: Instrument, total: int) -> str:
    for low, high, label in instrument.bands:
        if low <= total <= high:
            return label
    raise ValueError(f"{instrument.code} total {total} is outside 0-{instrument.max_total}")


@dataclass(frozen=True)
class Result:
    instrument: Instrument
    answers: list[int]
    total: int
    severity: str
    difficulty: str | None


def _answer(value, field: str, label: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(field, f"{label}: choose an answer from 0 to 3.")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(field, f"{label}: choose an answer from 0 to 3.") from None
    if number not in ANSWERS:
        raise ValidationError(field, f"{label}: choose an answer from 0 to 3.")
    return number


def score(instrument: Instrument, answers, difficulty=None) -> Result | None:
    """Check and score a set of answers (one per item, None for unanswered).

    All unanswered means the instrument was not given: returns None. A partly answered
    instrument is refused, naming the first unanswered item, since its total would mislead.
    """
    answers = list(answers)
    if len(answers) != len(instrument.items):
        raise ValidationError(instrument.field(1), f"{instrument.code} has {len(instrument.items)} items.")
    errors: dict[str, str] = {}
    checked: list[int | None] = []
    for number, value in enumerate(answers, start=1):
        field = instrument.field(number)
        try:
            checked.append(_answer(value, field, f"{instrument.code} item {number}"))
        except ValidationError as exc:
            errors.update(exc.errors)
            checked.append(None)
    if errors:
        raise ValidationError(errors)
    difficulty = difficulty or None
    if difficulty is not None and difficulty not in DIFFICULTY_ANSWERS:
        raise ValidationError(instrument.difficulty_field, "Choose one of the four difficulty answers.")
    if all(value is None for value in checked):
        if difficulty is not None:
            raise ValidationError(
                instrument.field(1), f"Answer the {instrument.code} items, or clear the difficulty answer."
            )
        return None
    missing = [number for number, value in enumerate(checked, start=1) if value is None]
    if missing:
        raise ValidationError(
            instrument.field(missing[0]),
            f"Answer every {instrument.code} item (item {missing[0]} is blank), or leave them all blank if it was not given.",
        )
    total = sum(checked)
    return Result(instrument, checked, total, severity(instrument, total), difficulty)


def from_form(instrument: Instrument, data: dict) -> Result | None:
    """Score the instrument from flat form values (``phq9_1`` ... ``phq9_difficulty``)."""
    answers = [data.get(instrument.field(n)) for n in range(1, len(instrument.items) + 1)]
    return score(instrument, answers, data.get(instrument.difficulty_field))


def needs_safety_follow_up(result: Result | None) -> bool:
    return bool(result and result.instrument is PHQ9 and result.answers[PHQ9_SAFETY_ITEM - 1] > 0)
