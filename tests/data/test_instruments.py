"""PHQ-9 and GAD-7: wording, scoring and severity bands on known answer sets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from casetui.data.domain import instruments
from casetui.data.domain.errors import ValidationError
from casetui.data.domain.instruments import GAD7, PHQ9


def answers_totalling(instrument, total):
    """A full answer set with the given total (fill items with 3s, then the remainder)."""
    answers = []
    left = total
    for _ in instrument.items:
        answers.append(min(3, left))
        left -= answers[-1]
    assert left == 0
    return answers


@pytest.mark.parametrize(
    "total, band",
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
        (27, "Severe"),
    ],
)
def test_phq9_band_edges(total, band):
    result = instruments.score(PHQ9, answers_totalling(PHQ9, total))
    assert (result.total, result.severity) == (total, band)


@pytest.mark.parametrize(
    "total, band",
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Severe"),
        (21, "Severe"),
    ],
)
def test_gad7_band_edges(total, band):
    result = instruments.score(GAD7, answers_totalling(GAD7, total))
    assert (result.total, result.severity) == (total, band)


def test_a_known_answer_set_scores_as_on_paper():
    # 1+2+0+3+1+0+2+1+0 = 10: moderate
    result = instruments.score(PHQ9, [1, 2, 0, 3, 1, 0, 2, 1, 0], "Somewhat difficult")
    assert (result.total, result.severity, result.difficulty) == (10, "Moderate", "Somewhat difficult")
    assert not instruments.needs_safety_follow_up(result)


def test_item_nine_above_zero_needs_a_safety_follow_up():
    result = instruments.score(PHQ9, [0] * 8 + [1])
    assert result.total == 1 and result.severity == "Minimal"
    assert instruments.needs_safety_follow_up(result)
    # GAD-7 has no safety item, whatever its last answer.
    assert not instruments.needs_safety_follow_up(instruments.score(GAD7, [0] * 6 + [3]))


def test_an_instrument_not_given_scores_nothing():
    assert instruments.score(PHQ9, [None] * 9) is None
    assert instruments.from_form(GAD7, {}) is None


def test_a_partly_answered_instrument_names_the_first_blank_item():
    with pytest.raises(ValidationError) as caught:
        instruments.score(PHQ9, [1, 1, None, 2, None, 0, 0, 0, 0])
    assert caught.value.field == "phq9_3"
    assert "item 3 is blank" in caught.value.errors["phq9_3"]


@pytest.mark.parametrize("bad", [4, -1, "x", True, 1.5])
def test_answers_outside_the_scale_are_refused(bad):
    answers = [0] * 7
    answers[2] = bad
    with pytest.raises(ValidationError) as caught:
        instruments.score(GAD7, answers)
    assert "gad7_3" in caught.value.errors


def test_form_values_as_text_are_scored():
    data = {f"gad7_{n}": str(n % 4) for n in range(1, 8)} | {"gad7_difficulty": "Very difficult"}
    result = instruments.from_form(GAD7, data)
    assert result.answers == [1, 2, 3, 0, 1, 2, 3] and result.total == 12


def test_an_unknown_difficulty_answer_is_refused():
    with pytest.raises(ValidationError) as caught:
        instruments.score(GAD7, [0] * 7, "Quite difficult")
    assert caught.value.field == "gad7_difficulty"


def test_original_wording_and_credit():
    assert len(PHQ9.items) == 9 and len(GAD7.items) == 7
    assert PHQ9.items[0] == "Little interest or pleasure in doing things"
    assert PHQ9.items[8] == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert GAD7.items[1] == "Not being able to stop or control worrying"
    assert list(instruments.ANSWERS.values()) == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]
    assert instruments.DIFFICULTY_ANSWERS[0] == "Not difficult at all"
    assert instruments.CREDIT.startswith("Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke")
    assert instruments.CREDIT.endswith("No permission required to reproduce, translate, display or distribute.")
    assert PHQ9.max_total == 27 and GAD7.max_total == 21


def test_the_data_layer_does_not_import_textual():
    code = "import casetui.data.domain.instruments, casetui.data.services.assessments, sys; assert 'textual' not in sys.modules and 'rich' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
