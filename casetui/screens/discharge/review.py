"""Step 6: the closing checklist, and closing the case."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Static

from casetui.data.domain.errors import CasetuiError
from casetui.data.services import discharge
from casetui.screens.discharge.step import Loaded, Step, read_case
from casetui.widgets.dialogs import ConfirmDialog
from casetui.widgets.plain import Plain


def _checklist(items) -> list[Static]:
    lines = []
    for item in items:
        mark = "[$text-success]✓[/]" if item.done else "[$text-error]✗[/]"
        lines.append(Static(f"{mark} [b]{item.label}[/b]", classes="check-label"))
        lines.append(Plain(item.detail, classes="check-detail"))
    return lines


class ReviewStep(Step):
    KEY = "review"
    BINDINGS = [Binding("ctrl+s", "close_case", "Close case", id="discharge.close-case")]

    def compose(self) -> ComposeResult:
        yield Static("6 · Review and close", classes="step-title")
        yield Vertical(*_checklist(self.loaded.progress[1]), id="checklist")
        yield Plain("", id="close-error", classes="error-text")
        yield Static(
            "Closing sets the stage to closure, the closed date (the discharge date) and the date the "
            "record is kept until. A closed case is read-only; it can be reopened with a reason.",
            classes="hint",
        )
        yield Button("Close case", id="close-case", variant="error")

    def show_read(self, loaded: Loaded, changed: set[str]) -> None:
        if "progress" in changed:
            checklist = self.query_one("#checklist", Vertical)
            checklist.remove_children()
            checklist.mount(*_checklist(loaded.progress[1]))
            # A refusal from before said what was missing then: it says what is missing now,
            # and goes once nothing is.
            error = self.query_one("#close-error", Static)
            missing = [item.label.lower() for item in loaded.progress[1] if not item.done]
            if not missing:
                error.update("")
                self.refused_before = False
            elif self.refused_before:
                verb = "is" if len(missing) == 1 else "are"
                error.update(f"The case cannot close yet: {', '.join(missing)} {verb} missing.")

    @on(Button.Pressed, "#close-case")
    def action_close_case(self) -> None:
        today = self.app.today

        def check(session):
            if discharge.missing_steps(session, self.case_id):
                return self._close_now(session, today)  # the service refuses and says why
            return None

        def checked(loaded) -> None:
            if loaded is not None:  # closed after all
                self._case_closed(loaded)
                return
            self.app.push_screen(
                ConfirmDialog("Close this case? It becomes read-only.", yes="Close case"),
                lambda yes: yes and self._close(),
            )

        self.save(check, checked, on_error=self._not_closed)

    def _close(self) -> None:
        today = self.app.today
        self.save(lambda session: self._close_now(session, today), self._case_closed, on_error=self._not_closed)

    def _close_now(self, session, today: date) -> Loaded:
        discharge.close_case(session, self.case_id, today)
        return read_case(session, self.case_id, today)

    refused_before = False  # the close error line shows a refusal

    def _not_closed(self, exc: CasetuiError) -> None:
        self.refused_before = True
        self.query_one("#close-error", Static).update(str(exc))
        self.notify(str(exc), severity="error", title="Case not closed")

    def _case_closed(self, loaded: Loaded) -> None:
        self.notify("The case is closed and read-only now.", title="Case closed")
        self.post_message(self.CaseClosed(loaded))
