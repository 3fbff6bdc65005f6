"""One need domain rated on the Self-Sufficiency Matrix, with a note and a "wants a goal" mark."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input

from casetui.data.domain import vocab
from casetui.widgets.choice_picker import ChoicePicker
from casetui.widgets.fields import FormField


class DomainRating(Vertical):
    """``DomainRating("housing", "Housing", previous=2)``: the controls are named
    ``need_housing_score``, ``need_housing_note`` and ``need_housing_goal``."""

    DEFAULT_CSS = """
    DomainRating { height: auto; margin-bottom: 1; }
    DomainRating > FormField { margin: 0; }
    DomainRating > Horizontal { height: auto; }
    DomainRating > Horizontal > Input { width: 1fr; }
    DomainRating > Horizontal > Checkbox { width: auto; margin-left: 1; }
    """

    def __init__(self, domain: str, label: str, *, previous: int | None = None):
        super().__init__(id=f"domain-{domain}")
        self.domain, self.label, self.previous = domain, label, previous

    def compose(self) -> ComposeResult:
        title = f"[b]{self.label}[/b]"
        if self.previous is not None:
            title += f"  [dim](last time {self.previous} {vocab.SSM_SCALE.get(self.previous, '')})[/dim]"
        # A digit rates and the cursor stays: the next field is the note, where a digit typed as the
        # next domain's rating would land (the issue this fixed). Tab moves on, as everywhere.
        low, high = min(vocab.SSM_SCALE), max(vocab.SSM_SCALE)
        yield FormField(
            title,
            ChoicePicker(vocab.SSM_SCALE, id=f"need_{self.domain}_score", advance=False, classes="form-control"),
            hint=f"type {low}-{high} to rate",
        )
        with Horizontal():
            yield Input(
                placeholder=f"Note on {self.label.lower()}",
                id=f"need_{self.domain}_note",
                max_length=2000,
                compact=True,
                classes="form-control",
            )
            yield Checkbox("Wants a goal", id=f"need_{self.domain}_goal", compact=True, classes="form-control")
