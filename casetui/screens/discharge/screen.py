"""The discharge screen: reads the case, shows the step list and one step at a time.

A step is built when it is first shown (opening builds only the one to do next), then kept, so
what was typed in it stays. A step saves through this screen's workers (``save``: one at a time)
and says what its transaction read again with ``Step.Saved``: the screen keeps that in
``loaded`` (a step built later starts from it) and hands it to the steps built already. Every
read and save runs in a worker (``ServiceCalls``); the screen is built once the case is read,
and again after closing or reopening, which change what the screen is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Header, Static

from casetui.data.domain.errors import CasetuiError
from casetui.data.services import discharge
from casetui.screens.discharge.closed import ClosedRecord
from casetui.screens.discharge.coordination import CoordinationStep
from casetui.screens.discharge.documentation import DocumentationStep
from casetui.screens.discharge.goals_review import GoalsStep
from casetui.screens.discharge.linkage import LinkageStep
from casetui.screens.discharge.reason import ReasonStep
from casetui.screens.discharge.review import ReviewStep
from casetui.screens.discharge.step import Loaded, Step, read_case
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.dialogs import ReasonDialog
from casetui.widgets.fields import show_errors
from casetui.widgets.footer import KeyFooter
from casetui.widgets.step_list import StepList

STEPS: dict[str, type[Step]] = {
    step.KEY: step for step in (ReasonStep, GoalsStep, LinkageStep, CoordinationStep, DocumentationStep, ReviewStep)
}
STEP_KEYS = list(discharge.STEPS)


class DischargeScreen(ServiceCalls, Screen):
    CSS_PATH = "discharge.tcss"
    # Each step's ctrl+s and its own keys are on the step (casetui/screens/discharge/*.py).
    BINDINGS = [
        Binding("escape", "back", "Back", id="discharge.back"),
        # priority: a field or pane that can scroll sideways would take ctrl+pageup/down first (as on the intake)
        Binding("ctrl+n,ctrl+pagedown", "next_step", "Next step", priority=True, id="discharge.next"),
        Binding("ctrl+b,ctrl+pageup", "previous_step", "Previous", priority=True, id="discharge.previous"),
        Binding("r", "reopen", "Reopen case", id="discharge.reopen"),
    ]

    def __init__(self, case_id: int):
        super().__init__()
        self.case_id = case_id
        self.viewing = "reason"
        self.closed = False
        self.loaded: Loaded | None = None  # None until the case is read: only escape works then
        self._saving = False  # a save (or the question before one) is under way

    # --- building ----------------------------------------------------------------------

    def on_mount(self) -> None:
        today = self.app.today

        def not_opened(error: CasetuiError) -> None:
            self.notify(str(error), severity="error", title="Discharge not opened")
            self.dismiss()

        self.call_service(lambda session: read_case(session, self.case_id, today), self._build, on_error=not_opened)

    async def _build(self, loaded: Loaded) -> None:
        """Build the body from the case as read; again after closing or reopening, which change what
        the screen is. The header and footer stay (building them again costs more than the body)."""
        self.loaded = loaded
        self.closed = loaded.case.closed_on is not None
        self.sub_title = f"Discharge · {loaded.client.display_name} · case {loaded.case.id}"
        states = [] if self.closed else loaded.progress[0]
        self.viewing = next((s.key for s in states if s.status == "current"), "review" if states else "reason")
        await self.query("#discharge-loading, #discharge-body").remove()
        if self.closed:
            shown = ClosedRecord(loaded)
        else:  # only the step shown is built: the others when first shown (show_step)
            shown = ContentSwitcher(STEPS[self.viewing](loaded), initial=f"step-{self.viewing}", id="discharge-steps")
        side = Vertical(
            Static("Case closed" if self.closed else "Discharge steps", id="side-title"),
            StepList(id="steps"),
            id="discharge-side",
        )
        await self.mount(Horizontal(side, shown, id="discharge-body"), before=self.query_one(KeyFooter))
        if self.closed:
            self.query_one(StepList).set_steps([(k, label, "done") for k, label in discharge.STEPS.items()])
            shown.focus()
            return
        self._show_progress()
        self.query_one(Step).focus_first()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the case…", id="discharge-loading", classes="hint")
        yield KeyFooter()

    def save(
        self,
        work: Callable[[Any], Any],
        then: Callable[[Any], object],
        on_error: Callable[[CasetuiError], object] | None = None,
    ) -> None:
        """A save, or the read that asks a question before one: one at a time, so a key pressed
        again while the first is under way neither saves twice nor opens a second dialog."""
        if self._saving:
            return
        self._saving = True

        def answered(callback: Callable[[Any], object]) -> Callable[[Any], object]:
            def answer(value):
                self._saving = False  # before the callback: the dialog it opens may save at once
                return callback(value)

            return answer

        self.call_service(work, answered(then), on_error=answered(on_error or self.show_service_error), group="save")

    # --- progress and navigation -------------------------------------------------------

    def _show_progress(self) -> None:
        states, _checklist = self.loaded.progress
        self.query_one(StepList).set_steps([(s.key, s.label, s.status) for s in states], self.viewing)

    async def show_step(self, key: str) -> None:
        self.viewing = key
        switcher = self.query_one(ContentSwitcher)
        step = next((s for s in switcher.query_children(Step) if s.KEY == key), None)
        if step is None:
            step = STEPS[key](self.loaded)
            step.display = False  # until it is current, below
            await switcher.mount(step)
            if self.viewing != key or not step.is_attached:  # moved on, or rebuilt, while it was built
                return
        switcher.current = step.id
        self.query_one(StepList).show(key)
        step.focus_first()

    @on(StepList.Chosen)
    async def _step_chosen(self, event: StepList.Chosen) -> None:
        if not self.closed:
            await self.show_step(event.key)

    @on(Step.Saved)
    async def _step_saved(self, event: Step.Saved) -> None:
        if not event.step.is_attached:  # saved just before the screen was rebuilt
            return
        self.loaded = self.loaded._replace(**event.read)
        # What the step refused before (a consent missing, a field left empty) was said of an
        # earlier attempt: a save of that step went through, so those messages no longer hold.
        show_errors(event.step, {})
        if "progress" in event.read:
            self._show_progress()
        for step in self.query(Step):
            step.show_read(self.loaded, set(event.read))
        # On to the next step, unless the user has moved on already (the save was slow) or
        # pressed ctrl+s twice (the first answer moved on).
        if event.finished and self.viewing == event.step.KEY:
            await self.action_next_step()

    @on(Step.CaseClosed)
    async def _case_closed(self, event: Step.CaseClosed) -> None:
        await self._build(event.loaded)

    @property
    def _binding_chain(self):
        """The keys of the step shown apply on the step list too, and the footer names them there,
        as when the cursor is in the step: a Tab past a step's last field lands on the list. Textual
        builds the chain from the focused widget up; the step goes in just below the screen."""
        chain = super()._binding_chain
        switcher = next(iter(self.query(ContentSwitcher)), None)
        step = switcher.visible_content if switcher is not None and switcher.current else None
        if step is None or any(node is step for node, _bindings in chain):
            return chain
        bindings = step._bindings.copy()
        if self.app._keymap:
            bindings.apply_keymap(self.app._keymap)
        at = next(index for index, (node, _bindings) in enumerate(chain) if node is self)
        return [*chain[:at], (step, bindings), *chain[at:]]

    def check_action(self, action: str, parameters) -> bool | None:
        if self.loaded is None:
            return action == "back"
        if self.closed:  # nothing to step through or save: the steps are gone
            return action in ("back", "reopen", "copy_text")
        return action != "reopen"

    async def action_next_step(self) -> None:
        await self.show_step(STEP_KEYS[min(STEP_KEYS.index(self.viewing) + 1, len(STEP_KEYS) - 1)])

    async def action_previous_step(self) -> None:
        await self.show_step(STEP_KEYS[max(STEP_KEYS.index(self.viewing) - 1, 0)])

    def action_back(self) -> None:
        self.app.pop_screen()

    # --- closed case -------------------------------------------------------------------

    def action_reopen(self) -> None:
        def reopen(reason: str | None) -> None:
            if not reason:
                return

            today = self.app.today

            def reopen_now(session) -> Loaded:
                discharge.reopen_case(session, self.case_id, reason, today)
                return read_case(session, self.case_id, today)

            async def reopened(loaded: Loaded) -> None:
                self.notify("The case is open again.", title="Reopened")
                await self._build(loaded)

            self.save(
                reopen_now,
                reopened,
                on_error=lambda exc: self.notify(str(exc), severity="error", title="Not reopened"),
            )

        self.app.push_screen(
            ReasonDialog(
                "Reopen this case",
                label="Reason for reopening",
                placeholder="e.g. the client asked for help again",
                ok="Reopen",
            ),
            reopen,
        )
