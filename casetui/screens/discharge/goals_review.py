"""Step 2: each goal's final status and a note on what happened with it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Select, Static

from casetui.data.domain import vocab
from casetui.data.services import discharge
from casetui.keys import key_text
from casetui.screens.discharge.step import Step, read_progress, selected
from casetui.widgets.fields import FormField, show_errors
from casetui.widgets.plain import Plain


class GoalsStep(Step):
    KEY = "goals"
    BINDINGS = [Binding("ctrl+s", "save_goals", "Save reviews", id="discharge.save-goals")]

    def compose(self) -> ComposeResult:
        reviews = self.loaded.reviews
        yield Static("2 · Goals review", classes="step-title")
        if not reviews:
            yield Static(
                f"This case has no goals to review. Press {key_text(self.app, 'discharge.save-goals')} "
                "to mark the step done.",
                classes="hint",
            )
        achievements = [(label, code) for code, label in vocab.GOAL_ACHIEVEMENT.items()]
        for review in reviews:
            with Vertical(classes="goal-review"):
                yield Plain(review.row.statement, classes="goal-statement")
                yield Plain(f"Progress: {review.progress_text}", classes="goal-progress")
                with Horizontal(classes="row"):
                    yield FormField(
                        "Final status",
                        Select(
                            achievements,
                            value=review.achievement or Select.NULL,
                            prompt="Choose",
                            id=f"goal-{review.goal_id}-achievement",
                        ),
                    )
                    yield FormField(
                        "Note",
                        Input(
                            review.note, placeholder="What happened with this goal", id=f"goal-{review.goal_id}-note"
                        ),
                        id=f"field-goal-{review.goal_id}-note",
                    )

    def action_save_goals(self) -> None:
        reviews: dict[str, dict] = {}
        for select in self.query(Select):
            goal_id = select.id.split("-")[1]
            reviews[goal_id] = {
                "achievement": selected(select),
                "note": self.query_one(f"#goal-{goal_id}-note", Input).value,
            }
        today = self.app.today

        def save(session):
            discharge.save_goal_reviews(session, self.case_id, reviews, today)
            # The open needs may have changed, and with them the suggested services.
            return read_progress(session, self.case_id, today), discharge.linkage_suggestions(
                session, self.case_id, today
            )

        def saved(result) -> None:
            progress, hits = result
            show_errors(self, {})
            self.saved("Goals reviewed; each goal now carries its final status.", progress=progress, suggestions=hits)

        self.save(save, saved, on_error=lambda exc: self.failed(exc, "Goals review not saved"))
