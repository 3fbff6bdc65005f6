"""The discharge wizard: reason, goals review, linkage, coordination, documentation, close.

Each step saves in its own transaction through ``data.discharge``; leaving and coming back
resumes at the first step not done. Every rule (what closing needs, the consent gate, final
means final) lives in the service; this screen shows what it says. On a closed case the screen
shows the final record read-only and offers to reopen it.

Every read and save runs in a worker (``ServiceCalls``), one per action: a save reads what the
screen then shows (the progress, the referrals, the contacts) in its own transaction, so a slow
link costs one round trip. The screen is built once the case is read; the directory
suggestions and the consent check as a name is typed come in their own workers, newest only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import (
    Button,
    ContentSwitcher,
    DataTable,
    Footer,
    Header,
    Input,
    Markdown,
    Select,
    Static,
    TextArea,
)

from casetui.data.domain import vocab
from casetui.data.domain.errors import CasetuiError, ValidationError
from casetui.data.services import cases, clients, consent, discharge, provider_list
from casetui.keys import key_text
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.consent_dialog import ConsentDialog
from casetui.widgets.date_field import DateField
from casetui.widgets.dialogs import ConfirmDialog, ReasonDialog
from casetui.widgets.fields import FormField, show_errors
from casetui.widgets.plain import cells
from casetui.widgets.referral_form import ReferralForm
from casetui.widgets.step_list import StepList

STEP_KEYS = list(discharge.STEPS)
SUGGESTED = "Suggested for open needs"
# The ctrl+s action of each step (one binding per step so the footer names what it does; one id
# each, so that a keymap can move one of them).
PRIMARY_ACTIONS = {
    "reason": "save_reason",
    "goals": "save_goals",
    "linkage": "finish_linkage",
    "coordination": "finish_coordination",
    "documentation": "save_documentation",
    "review": "close_case",
}
STEP_ONLY_ACTIONS = {
    "record_consent": "coordination",
    "provider_list": "linkage",
    "render_summary": "documentation",
    "finalize_summary": "documentation",
    "export_summary": "documentation",
}
OPEN_ONLY_ACTIONS = {"next_step", "previous_step", *PRIMARY_ACTIONS.values(), *STEP_ONLY_ACTIONS}


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _selected(select: Select):
    return None if select.value is Select.NULL else select.value


def _written(files: Callable[[], list[Path]]) -> list[Path]:
    """Files saved inside a worker: a disk refusing them is told like a refused save."""
    try:
        return files()
    except OSError as exc:
        raise CasetuiError(str(exc)) from exc


class Loaded(NamedTuple):
    """What the screen is built from: read in one transaction when it opens (or is rebuilt)."""

    case: Any
    client: Any
    record: Any
    reviews: list
    progress: Any = None  # the rest only for an open case
    linkage: Any = None
    contacts: Any = None


class DischargeScreen(ServiceCalls, Screen):
    CSS_PATH = "discharge.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", id="discharge.back"),
        Binding("ctrl+s", "save_reason", "Save reason", id="discharge.save-reason"),
        Binding("ctrl+s", "save_goals", "Save reviews", id="discharge.save-goals"),
        Binding("ctrl+s", "finish_linkage", "Linkage done", id="discharge.finish-linkage"),
        Binding("ctrl+s", "finish_coordination", "Coordination done", id="discharge.finish-coordination"),
        Binding("ctrl+s", "save_documentation", "Save draft", id="discharge.save-documentation"),
        Binding("ctrl+s", "close_case", "Close case", id="discharge.close-case"),
        # Function keys: these work while a field has the cursor (a text area keeps f6 and f7), and mean
        # nothing else anywhere.
        Binding("f5", "render_summary", "Render", id="discharge.render"),
        Binding("f8", "finalize_summary", "Make final", id="discharge.make-final"),
        Binding("f3", "record_consent", "Record consent", id="discharge.consent"),
        Binding("f2", "provider_list", "Provider list", id="discharge.provider-list"),
        Binding("ctrl+o", "export_summary", "Export", id="discharge.export"),
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
        self._builds = 0  # a search or consent check asked before a rebuild is not shown after it
        self._saving = False  # a save (or the question before one) is under way

    # --- building ----------------------------------------------------------------------

    def on_mount(self) -> None:
        today = self.app.today

        def not_opened(error: CasetuiError) -> None:
            self.notify(str(error), severity="error", title="Discharge not opened", markup=False)
            self.dismiss()

        self.call_service(lambda session: self._read_case(session, today), self._build, on_error=not_opened)

    def _read_case(self, session, today: date) -> Loaded:
        case = cases.get_case(session, self.case_id)
        client = clients.get_client(session, case.client_id)
        record = discharge.current_discharge(session, self.case_id)
        if case.closed_on:
            return Loaded(case, client, record, [])
        return Loaded(
            case,
            client,
            record,
            discharge.goal_reviews(session, self.case_id, today),
            self._read_progress(session, today),
            self._read_linkage(session),
            discharge.coordination_contacts(session, self.case_id),
        )

    async def _build(self, loaded: Loaded) -> None:
        """Build the screen from the record; again after closing or reopening, which change what
        the screen is."""
        self._builds += 1
        self.loaded = loaded
        self.viewing = "reason"
        case, client = loaded.case, loaded.client
        self.closed = case.closed_on is not None
        self.client_id, self.client_name = client.id, client.display_name
        self.sub_title = f"Discharge · {client.display_name} · case {case.id}"
        await self.recompose()
        if self.closed:
            self.query_one(StepList).set_steps([(k, label, "done") for k, label in discharge.STEPS.items()])
            self.query_one("#final-record").focus()
            return
        self._show_reason_extras()
        states = self._show_progress(loaded.progress)
        current = next((s.key for s in states if s.status == "current"), "review")
        self.show_step(current)
        self._show_linkage(loaded.linkage)
        self.load_suggestions()
        self._show_contacts(loaded.contacts)
        self._show_documentation_status(bool(loaded.record and loaded.record.finalized_at))

    def _newest(self, read: Callable[[Any], Any], show: Callable[[Any], object], group: str, **kwargs) -> None:
        """Read in a worker and show the answer: only the newest of its group (``exclusive``),
        and only on the screen as built when it was asked."""
        builds = self._builds
        self.call_service(
            read, lambda data: show(data) if builds == self._builds else None, group=group, exclusive=True, **kwargs
        )

    def _save(
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

    def compose(self) -> ComposeResult:
        yield Header()
        if self.loaded is None:
            yield Static("Reading the case…", id="discharge-loading", classes="hint")
            yield Footer()
            return
        case, record, reviews = self.loaded.case, self.loaded.record, self.loaded.reviews
        with Horizontal(id="discharge-body"):
            with Vertical(id="discharge-side"):
                yield Static("Case closed" if self.closed else "Discharge steps", id="side-title")
                yield StepList(id="steps")
            if self.closed:
                yield from self._compose_final(case, record)
            else:
                with ContentSwitcher(initial="step-reason", id="discharge-steps"):
                    yield from self._compose_reason(record)
                    yield from self._compose_goals(reviews)
                    yield from self._compose_linkage()
                    yield from self._compose_coordination()
                    yield from self._compose_documentation(record)
                    yield from self._compose_review()
        yield Footer()

    def _compose_final(self, case, record) -> ComposeResult:
        with VerticalScroll(id="final-record"):
            yield Static(self._final_facts(case, record), id="final-facts", markup=False)
            yield Static(
                f"Press {key_text(self.app, 'discharge.reopen')} to reopen the case (a reason is asked and recorded).",
                classes="hint",
            )
            yield Markdown(
                (record.summary_text if record else None) or "_No discharge summary was saved._", id="final-summary"
            )

    def _final_facts(self, case, record) -> str:
        lines = [
            f"Closed on {case.closed_on:%Y-%m-%d}; kept read-only until {case.retention_until:%Y-%m-%d}."
            if case.retention_until
            else f"Closed on {case.closed_on:%Y-%m-%d}."
        ]
        if record is not None:
            reason = vocab.DISCHARGE_REASONS.get(record.reason or "", record.reason or "not recorded")
            if record.reason == "other" and record.reason_other:
                reason = f"Other: {record.reason_other}"
            planned = {True: "planned", False: "unplanned", None: "not recorded"}[record.planned]
            lines.append(f"Reason: {reason} ({planned})")
            lines.append(f"Destination: {discharge.destination_label(record.destination) or 'not recorded'}")
            if record.subsidy_type:
                lines.append(
                    f"Rental subsidy: {record.subsidy_type} {vocab.HMIS_SUBSIDY_TYPES.get(record.subsidy_type, '')}"
                )
        return "\n".join(lines)

    def _compose_reason(self, record) -> ComposeResult:
        group = vocab.HMIS_DESTINATIONS.get(record.destination, (None,))[0] if record and record.destination else None
        with VerticalScroll(id="step-reason", classes="step"):
            yield Static("1 · Reason for discharge", classes="step-title")
            yield FormField(
                "Why the case ends",
                Select(
                    [(label, code) for code, label in vocab.DISCHARGE_REASONS.items()],
                    value=record.reason if record and record.reason else Select.NULL,
                    prompt="Choose a reason",
                    id="reason",
                ),
            )
            yield FormField(
                "Other reason, in words",
                Input(record.reason_other or "" if record else "", id="reason_other"),
                id="field-reason_other",
            )
            with Horizontal(classes="row"):
                planned = (
                    Select.NULL
                    if not record or record.planned is None
                    else ("planned" if record.planned else "unplanned")
                )
                yield FormField(
                    "Planned or unplanned",
                    Select(
                        [("Planned", "planned"), ("Unplanned", "unplanned")],
                        value=planned,
                        prompt="Choose",
                        id="planned",
                    ),
                )
                when = record.discharge_on if record and record.discharge_on else self.app.today
                yield DateField("Discharge date", Input(f"{when:%Y-%m-%d}", id="discharge_on"))
            yield FormField(
                "Destination at exit: situation",
                Select(
                    [(label, code) for code, label in vocab.HMIS_DESTINATION_GROUPS.items()],
                    value=group or Select.NULL,
                    prompt="Choose the kind of place",
                    id="destination_group",
                ),
            )
            yield FormField(
                "Destination (HUD HMIS 3.12)",
                Select(
                    self._destination_options(group),
                    value=record.destination if group else Select.NULL,
                    prompt="Choose the destination",
                    id="destination",
                ),
            )
            yield FormField(
                "Rental subsidy type (HMIS 3.12.A)",
                Select(
                    [(f"{code} {label}", code) for code, label in vocab.HMIS_SUBSIDY_TYPES.items()],
                    value=record.subsidy_type if record and record.subsidy_type else Select.NULL,
                    prompt="Choose the subsidy",
                    id="subsidy_type",
                ),
                id="field-subsidy_type",
            )

    @staticmethod
    def _destination_options(group: str | None) -> list[tuple[str, int]]:
        return [(f"{code} {label}", code) for code, label in discharge.destinations_in(group).items()] if group else []

    def _compose_goals(self, reviews) -> ComposeResult:
        with VerticalScroll(id="step-goals", classes="step"):
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
                    yield Static(review.row.statement, classes="goal-statement", markup=False)
                    yield Static(f"Progress: {review.progress_text}", classes="goal-progress", markup=False)
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
                                review.note,
                                placeholder="What happened with this goal",
                                id=f"goal-{review.goal_id}-note",
                            ),
                            id=f"field-goal-{review.goal_id}-note",
                        )

    def _compose_linkage(self) -> ComposeResult:
        with VerticalScroll(id="step-linkage", classes="step"):
            yield Static("3 · Linkage to ongoing services", classes="step-title")
            yield Static(
                "Services for the client's open needs come first. Enter on a service refers the client; "
                "search the directory for others.",
                classes="hint",
            )
            yield Input(placeholder="Search the directory, then Enter", id="linkage-search")
            yield Static("Suggested for open needs", id="hits-title", classes="subtitle", markup=False)
            hits = DataTable(id="linkage-hits", cursor_type="row", zebra_stripes=True)
            for label, width in (("Service", 30), ("Organization", 24), ("Need", 14), ("Eligible", 8)):
                hits.add_column(label, width=width)
            yield hits
            yield Static("Referred for ongoing services", classes="subtitle")
            made = DataTable(id="linkage-made", cursor_type="row")
            for label, width in (("Service", 30), ("Provider", 24), ("Referred", 10), ("Follow up", 10)):
                made.add_column(label, width=width)
            yield made
            yield Static("", id="provider-list-result", classes="hint", markup=False)

    def _compose_coordination(self) -> ComposeResult:
        with VerticalScroll(id="step-coordination", classes="step"):
            yield Static("4 · Service coordination", classes="step-title")
            yield Static(
                "Sharing information with a receiving provider needs the client's current signed consent "
                "for that provider. Without one, log the contact but share nothing; "
                f"{key_text(self.app, 'discharge.consent')} records a consent.",
                classes="hint",
            )
            with Horizontal(classes="row"):
                yield FormField(
                    "Who was contacted", Input(placeholder="Receiving provider (→ completes)", id="recipient")
                )
                yield DateField("Date", Input(f"{self.app.today:%Y-%m-%d}", id="contacted_on"), id="field-contacted_on")
                yield FormField(
                    "How",
                    Select(
                        [(label, code) for code, label in discharge.CONTACT_METHODS.items()],
                        value="phone",
                        allow_blank=False,
                        id="method",
                    ),
                    id="field-method",
                )
            yield Static("", id="consent-status", markup=False)
            yield FormField("Information shared (leave empty when nothing was shared)", Input(id="information_shared"))
            yield FormField("Note", Input(id="note"))
            with Horizontal(classes="buttons"):
                yield Button("Log contact", id="log-contact", variant="primary")
                yield Button(f"Record consent ({key_text(self.app, 'discharge.consent')})", id="record-consent")
            table = DataTable(id="contacts", cursor_type="row")
            table.add_columns("Date", "Who", "How", "Shared", "Consent")
            yield table

    def _compose_documentation(self, record) -> ComposeResult:
        final = bool(record and record.finalized_at)
        with VerticalScroll(id="step-documentation", classes="step"):
            yield Static("5 · Documentation", classes="step-title")
            yield Static("", id="documentation-status", classes="hint")
            for name, label in (
                ("health_changes", "Health changes during services"),
                ("behavioural_changes", "Behavioural changes"),
                ("medication_changes", "Medication changes"),
                ("recommendations", "Recommendations for ongoing and future services"),
            ):
                yield FormField(
                    label,
                    TextArea(getattr(record, name) or "" if record else "", id=name, read_only=final, classes="short"),
                )
            yield FormField(
                f"Discharge summary (Markdown; {key_text(self.app, 'discharge.render')} renders it from the record, "
                "then edit)",
                TextArea(
                    record.summary_text or "" if record else "", id="summary_text", read_only=final, classes="summary"
                ),
            )
            yield FormField(
                "Export to folder (empty: your casetui documents folder)",
                Input(placeholder="e.g. ~/Documents/discharges", id="export_folder"),
            )
            yield Static("", id="export-result", classes="hint", markup=False)

    def _compose_review(self) -> ComposeResult:
        with VerticalScroll(id="step-review", classes="step"):
            yield Static("6 · Review and close", classes="step-title")
            yield Vertical(id="checklist")
            yield Static("", id="close-error", classes="error-text", markup=False)
            yield Static(
                "Closing sets the stage to closure, the closed date (the discharge date) and the date the "
                "record is kept until. A closed case is read-only; it can be reopened with a reason.",
                classes="hint",
            )
            yield Button("Close case", id="close-case", variant="error")

    # --- progress and navigation -------------------------------------------------------

    def _read_progress(self, session, today: date):
        return discharge.step_states(session, self.case_id), discharge.checklist(session, self.case_id, today)

    def _show_progress(self, progress) -> list[discharge.StepState]:
        states, items = progress
        self.query_one(StepList).set_steps([(s.key, s.label, s.status) for s in states], self.viewing)
        checklist = self.query_one("#checklist", Vertical)
        checklist.remove_children()
        for item in items:
            mark = "[$text-success]✓[/]" if item.done else "[$text-error]✗[/]"
            checklist.mount(
                Static(f"{mark} [b]{item.label}[/b]", classes="check-label"),
                Static(item.detail, classes="check-detail", markup=False),
            )
        return states

    def show_step(self, key: str) -> None:
        self.viewing = key
        self.query_one("#discharge-steps", ContentSwitcher).current = f"step-{key}"
        self.query_one(StepList).show(key)
        self.refresh_bindings()
        pane = self.query_one(f"#step-{key}")
        pane.scroll_home(animate=False)
        focusable = [w for w in pane.query("Input, Select, TextArea, DataTable, Button") if w.focusable]
        if focusable:
            focusable[0].focus()

    @on(StepList.Chosen)
    def _step_chosen(self, event: StepList.Chosen) -> None:
        if not self.closed:
            self.show_step(event.key)

    def check_action(self, action: str, parameters) -> bool | None:
        if self.loaded is None:
            return action == "back"
        if action == "reopen":
            return self.closed
        if action in OPEN_ONLY_ACTIONS and self.closed:
            return False
        if action in PRIMARY_ACTIONS.values():
            return PRIMARY_ACTIONS[self.viewing] == action
        if action in STEP_ONLY_ACTIONS:
            return STEP_ONLY_ACTIONS[action] == self.viewing
        return True

    def action_next_step(self) -> None:
        self.show_step(STEP_KEYS[min(STEP_KEYS.index(self.viewing) + 1, len(STEP_KEYS) - 1)])

    def action_previous_step(self) -> None:
        self.show_step(STEP_KEYS[max(STEP_KEYS.index(self.viewing) - 1, 0)])

    def action_back(self) -> None:
        self.app.pop_screen()

    def _saved(self, message: str, step: str, progress) -> None:
        """A step's save went through: on to the next step, unless the user has moved on already
        (the save was slow) or pressed ctrl+s twice (the first answer moved on)."""
        self.notify(message, title="Saved")
        self._show_progress(progress)
        if self.viewing == step:
            self.action_next_step()

    def _failed(self, exc: CasetuiError, pane: str, title: str) -> None:
        if isinstance(exc, ValidationError):
            for message in show_errors(self.query_one(pane), exc.errors):
                self.notify(message, severity="error", title=title, markup=False)
        else:
            self.notify(str(exc), severity="error", title=title, markup=False)

    # --- 1. reason ---------------------------------------------------------------------

    def _show_reason_extras(self) -> None:
        if not self.query("#reason"):  # a change sent before a rebuild (the case was closed) arrives after it
            return
        self.query_one("#field-reason_other").display = _selected(self.query_one("#reason", Select)) == "other"
        subsidy = _selected(self.query_one("#destination", Select)) == vocab.HMIS_SUBSIDY_DESTINATION
        self.query_one("#field-subsidy_type").display = subsidy

    @on(Select.Changed, "#reason, #destination")
    def _reason_changed(self) -> None:
        self._show_reason_extras()

    @on(Select.Changed, "#destination_group")
    def _group_changed(self, event: Select.Changed) -> None:
        if not self.query("#destination"):  # sent before a rebuild, arriving after it
            return
        destination = self.query_one("#destination", Select)
        current = _selected(destination)
        options = self._destination_options(_selected(event.select))
        destination.set_options(options)
        if current in {code for _, code in options}:
            destination.value = current
        self._show_reason_extras()

    def action_save_reason(self) -> None:
        planned = _selected(self.query_one("#planned", Select))
        values = {
            "reason": _selected(self.query_one("#reason", Select)),
            "reason_other": self.query_one("#reason_other", Input).value,
            "planned": None if planned is None else planned == "planned",
            "discharge_on": self.query_one("#discharge_on", Input).value,
            "destination": _selected(self.query_one("#destination", Select)),
            "subsidy_type": _selected(self.query_one("#subsidy_type", Select)),
            "today": self.app.today,
        }

        def save(session):
            discharge.save_reason(session, self.case_id, **values)
            return self._read_progress(session, values["today"])

        def saved(progress) -> None:
            show_errors(self.query_one("#step-reason"), {})
            self._saved("Reason, date and destination saved.", "reason", progress)

        self._save(
            save,
            saved,
            on_error=lambda exc: self._failed(exc, "#step-reason", "Reason not saved"),
        )

    # --- 2. goals ----------------------------------------------------------------------

    def action_save_goals(self) -> None:
        pane = self.query_one("#step-goals")
        reviews: dict[str, dict] = {}
        for select in pane.query(Select):
            goal_id = select.id.split("-")[1]
            reviews[goal_id] = {
                "achievement": _selected(select),
                "note": pane.query_one(f"#goal-{goal_id}-note", Input).value,
            }
        today = self.app.today

        def save(session):
            discharge.save_goal_reviews(session, self.case_id, reviews, today)
            # The open needs may have changed, and with them the suggested services.
            return self._read_progress(session, today), discharge.linkage_suggestions(session, self.case_id, today)

        def saved(result) -> None:
            progress, hits = result
            show_errors(pane, {})
            self._saved("Goals reviewed; each goal now carries its final status.", "goals", progress)
            self.workers.cancel_group(self, "linkage")  # an older search must not replace these
            self._show_hits(hits, SUGGESTED)

        self._save(
            save,
            saved,
            on_error=lambda exc: self._failed(exc, "#step-goals", "Goals review not saved"),
        )

    # --- 3. linkage --------------------------------------------------------------------

    def _read_linkage(self, session):
        return discharge.linkage_referrals(session, self.case_id), discharge.likely_recipients(session, self.case_id)

    def _show_linkage(self, linkage) -> None:
        made, recipients = linkage
        self.query_one("#recipient", Input).suggester = SuggestFromList(recipients, case_sensitive=False)
        table = self.query_one("#linkage-made", DataTable)
        table.clear()
        for referral in made:
            table.add_row(
                *cells(
                    referral.service_name,
                    referral.provider_name,
                    f"{referral.referred_on:%Y-%m-%d}",
                    f"{referral.follow_up_on:%Y-%m-%d}" if referral.follow_up_on else "",
                ),
                key=str(referral.id),
            )
        if not made:
            table.add_row("None yet", "", "", "")

    def load_suggestions(self, query: str = "") -> None:
        today = self.app.today

        def search(session):
            if query.strip():
                return discharge.search_directory(session, self.case_id, query, today)
            return discharge.linkage_suggestions(session, self.case_id, today)

        title = f"Directory matches for “{query.strip()}”" if query.strip() else SUGGESTED
        self._newest(
            search,
            lambda hits: self._show_hits(hits, title),
            "linkage",
            on_error=lambda exc: self.notify(str(exc), severity="error", title="Not searched", markup=False),
        )

    def _show_hits(self, hits, title: str) -> None:
        self.hits = {hit.id: hit for hit in hits}
        self.query_one("#hits-title", Static).update(f"{title} ({len(hits)})")
        table = self.query_one("#linkage-hits", DataTable)
        table.clear()
        for hit in hits:
            need = ", ".join(vocab.DOMAINS.get(c, c) for c in hit.categories)
            eligible = {True: "yes", False: "no", None: "check"}[hit.eligible]
            table.add_row(*cells(hit.name, hit.organization, need, eligible), key=hit.id)

    @on(Input.Submitted, "#linkage-search")
    def _search(self, event: Input.Submitted) -> None:
        self.load_suggestions(event.value)
        self.query_one("#linkage-hits", DataTable).focus()

    @on(DataTable.RowSelected, "#linkage-hits")
    def _refer(self, event: DataTable.RowSelected) -> None:
        hit = getattr(self, "hits", {}).get(event.row_key.value)
        if hit is None:
            return
        today = self.app.today

        def save(values: dict):  # the form runs it in a thread: one transaction for the whole answer
            with self.app.database.transaction() as session:
                referral = discharge.refer_for_ongoing_service(session, self.case_id, hit.id, today, **values)
                return referral, self._read_linkage(session), self._read_progress(session, today)

        def done(saved) -> None:
            if saved is not None:
                _referral, linkage, progress = saved
                self.notify(f"Referred to {hit.name} for ongoing services.", title="Saved", markup=False)
                self._show_linkage(linkage)
                self._show_progress(progress)

        def open_form(open_needs) -> None:
            domain = next((c for c in hit.categories if c in open_needs), hit.categories[0] if hit.categories else None)
            self.app.push_screen(
                ReferralForm(
                    client_name=self.client_name,
                    service_label=f"{hit.name} · {hit.organization}",
                    domain=domain,
                    referred_on=today,
                    follow_up_on=today + timedelta(days=14),
                    save=save,
                ),
                done,
            )

        self._save(lambda session: discharge.open_need_domains(session, self.case_id), open_form)

    def action_provider_list(self) -> None:
        self.save_provider_list()

    def save_provider_list(self) -> None:
        from casetui import config

        today = self.app.today

        def save(session) -> list[Path]:
            ids = [r.id for r in discharge.linkage_referrals(session, self.case_id)]
            if not ids:
                raise ValidationError("entries", "Refer the client to at least one ongoing service first.")
            return _written(
                lambda: [
                    provider_list.save(
                        session,
                        self.case_id,
                        config.documents_dir() / provider_list.default_filename(self.case_id, today, fmt),
                        today=today,
                        referral_ids=ids,
                    )
                    for fmt in provider_list.FORMATS
                ]
            )

        self._save(
            save,
            self._provider_list_saved,
            on_error=lambda exc: self.notify(str(exc), severity="error", title="Provider list not saved", markup=False),
        )

    def _provider_list_saved(self, written: list[Path]) -> None:
        self.query_one("#provider-list-result", Static).update(
            "Provider list for the client and family saved:\n" + "\n".join(f"  {path}" for path in written)
        )
        self.notify("Provider list saved (Markdown and HTML).", title="Saved")

    def action_finish_linkage(self) -> None:
        self._finish("linkage", "Linkage done.")

    def _finish(self, step: str, message: str) -> None:
        today = self.app.today

        def finish(session):
            discharge.complete_step(session, self.case_id, step)
            return self._read_progress(session, today)

        self._save(
            finish,
            lambda progress: self._saved(message, step, progress),
            on_error=lambda exc: self.notify(str(exc), severity="error", title="Not saved", markup=False),
        )

    # --- 4. coordination ---------------------------------------------------------------

    def _show_contacts(self, contacts) -> None:
        table = self.query_one("#contacts", DataTable)
        table.clear()
        for contact in contacts:
            table.add_row(
                *cells(
                    f"{contact.contacted_on:%Y-%m-%d}",
                    contact.recipient,
                    discharge.CONTACT_METHODS.get(contact.method, contact.method),
                    _short(contact.information_shared or "nothing"),
                    "on file" if contact.consent_id else "",
                ),
                key=str(contact.id),
            )
        if not contacts:
            table.add_row("", "No contacts logged yet", "", "", "")
        self.refresh_consent_status()

    @on(Input.Changed, "#recipient")
    def refresh_consent_status(self) -> None:
        recipient = self.query_one("#recipient", Input).value.strip()
        status = self.query_one("#consent-status", Static)
        if not recipient:
            self.workers.cancel_group(self, "consent-status")  # an answer for the name typed before
            status.update("Type who was contacted to see whether a consent is on file.")
            status.set_classes("")
            return
        today = self.app.today
        self._newest(
            lambda session: discharge.consent_for(session, self.case_id, recipient, today),
            lambda granted: self._show_consent(recipient, granted),
            "consent-status",
        )

    def _show_consent(self, recipient: str, granted) -> None:
        status = self.query_one("#consent-status", Static)
        if granted is None:
            status.update(
                f"✗ No current consent for {recipient}: information cannot be shared with them. "
                f"Press {key_text(self.app, 'discharge.consent')} to record the client's signed consent."
            )
            status.set_classes("no-consent")
        else:
            until = f", until {granted.expires_on:%Y-%m-%d}" if granted.expires_on else ""
            scope = vocab.CONSENT_SCOPES.get(granted.scope, granted.scope).lower()
            status.update(
                f"✓ Consent on file for {granted.recipient}: {scope}, signed {granted.signed_on:%Y-%m-%d}{until}."
            )
            status.set_classes("consent")

    @on(Input.Submitted, "#recipient, #contacted_on, #information_shared, #note")
    @on(Button.Pressed, "#log-contact")
    def log_contact(self) -> None:
        pane = self.query_one("#step-coordination")
        typed = {
            field: self.query_one(f"#{field}", Input).value for field in ("recipient", "information_shared", "note")
        }
        values = {
            **typed,
            "contacted_on": self.query_one("#contacted_on", Input).value,
            "method": _selected(self.query_one("#method", Select)),
            "today": self.app.today,
        }

        def log(session):
            discharge.log_contact(session, self.case_id, **values)
            return discharge.coordination_contacts(session, self.case_id), self._read_progress(session, values["today"])

        def logged(result) -> None:
            contacts, progress = result
            show_errors(pane, {})
            for field, value in typed.items():
                control = self.query_one(f"#{field}", Input)
                if control.value == value:  # what was typed while saving is kept
                    control.value = ""
            self._show_contacts(contacts)
            self._show_progress(progress)
            self.notify("Contact logged.", title="Saved")
            self.query_one("#recipient", Input).focus()

        self._save(
            log,
            logged,
            on_error=lambda exc: self._failed(exc, "#step-coordination", "Contact not logged"),
        )

    @on(Button.Pressed, "#record-consent")
    def action_record_consent(self) -> None:
        today = self.app.today

        def save(values: dict):  # the form runs it in a thread
            with self.app.database.transaction() as session:
                granted = consent.record_consent(session, self.client_id, today=today, **values)
                recipient = granted.recipient.strip()
                return (
                    granted,
                    self._read_linkage(session),
                    discharge.consent_for(session, self.case_id, recipient, today),
                )

        def done(saved) -> None:
            if saved is not None:
                granted, linkage, on_file = saved
                self._show_linkage(linkage)
                self.workers.cancel_group(self, "consent-status")  # a check for the name typed before
                with self.prevent(Input.Changed):  # checked already, in the same transaction
                    self.query_one("#recipient", Input).value = granted.recipient
                self._show_consent(granted.recipient.strip(), on_file)
                self.notify(f"Consent to share with {granted.recipient} recorded.", title="Saved", markup=False)

        self.app.push_screen(
            ConsentDialog(
                recipient=self.query_one("#recipient", Input).value.strip(), signed_on=self.app.today, save=save
            ),
            done,
        )

    def action_finish_coordination(self) -> None:
        self._finish("coordination", "Service coordination done.")

    # --- 5. documentation --------------------------------------------------------------

    def _documentation_values(self) -> dict:
        return {
            name: self.query_one(f"#{name}", TextArea).text
            for name in (
                "health_changes",
                "behavioural_changes",
                "medication_changes",
                "recommendations",
                "summary_text",
            )
        }

    def _save_documentation(
        self, then: Callable[[Any], None], *, final: bool = False, after: Callable[[Any, date], Any] | None = None
    ) -> None:
        """Save the documentation as typed, read ``after(session, today)`` in the same transaction,
        then ``then(what it read)``; an error shows beside its field."""
        today = self.app.today
        values = {**self._documentation_values(), "final": final, "today": today}

        def save(session):
            discharge.save_documentation(session, self.case_id, **values)
            return after(session, today) if after else None

        def saved(result) -> None:
            show_errors(self.query_one("#step-documentation"), {})
            then(result)

        self._save(
            save, saved, on_error=lambda exc: self._failed(exc, "#step-documentation", "Documentation not saved")
        )

    def _show_documentation_status(self, final: bool) -> None:
        for area in self.query("#step-documentation TextArea"):
            area.read_only = final
        key = partial(key_text, self.app)
        self.query_one("#documentation-status", Static).update(
            f"The summary is final and can no longer be edited. {key('discharge.export')} exports it as Markdown "
            "and HTML."
            if final
            else f"Enter the changes and recommendations, {key('discharge.render')} renders the summary, edit it, "
            f"{key('discharge.save-documentation')} saves a draft, {key('discharge.make-final')} makes it final."
        )

    def action_save_documentation(self) -> None:
        self._save_documentation(lambda _: self.notify("Documentation draft saved.", title="Saved"))

    def action_render_summary(self) -> None:
        def ask(_) -> None:
            self.app.push_screen(
                ConfirmDialog(
                    "Replace the summary text (and your edits) with a fresh render from the record?", yes="Replace"
                ),
                lambda yes: yes and self.render_summary(),
            )

        if self.query_one("#summary_text", TextArea).text.strip():
            self._save_documentation(ask)
        else:  # nothing to replace: rendered in the same transaction as the save
            self._save_documentation(
                self._show_summary, after=lambda session, today: discharge.render_summary(session, self.case_id, today)
            )

    def render_summary(self) -> None:
        today = self.app.today
        self._save(
            lambda session: discharge.render_summary(session, self.case_id, today),
            self._show_summary,
            on_error=lambda exc: self.notify(str(exc), severity="error", title="Summary not rendered", markup=False),
        )

    def _show_summary(self, text: str) -> None:
        area = self.query_one("#summary_text", TextArea)
        area.load_text(text)
        area.focus()
        self.notify(
            f"Summary rendered: edit it, then {key_text(self.app, 'discharge.save-documentation')} to save or "
            f"{key_text(self.app, 'discharge.make-final')} to make it final."
        )

    def action_finalize_summary(self) -> None:
        def final(progress) -> None:
            self._show_documentation_status(True)
            self._saved("The discharge summary is final.", "documentation", progress)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._save_documentation(final, final=True, after=self._read_progress)

        self.app.push_screen(
            ConfirmDialog("Make the discharge summary final? It cannot be edited afterwards.", yes="Make final"),
            confirmed,
        )

    def action_export_summary(self) -> None:
        self.export_summary(self.query_one("#export_folder", Input).value.strip())

    def export_summary(self, folder: str) -> None:
        from casetui import config

        today = self.app.today

        def export(session):
            written = _written(
                lambda: discharge.export_summary(session, self.case_id, folder or config.documents_dir(), today)
            )
            return written, self._read_progress(session, today)

        self._save(
            export,
            lambda result: self._exported(*result),
            on_error=lambda exc: self.notify(str(exc), severity="error", title="Not exported", markup=False),
        )

    def _exported(self, written: list[Path], progress) -> None:
        self.query_one("#export-result", Static).update("Exported:\n" + "\n".join(f"  {p}" for p in written))
        self.notify("Discharge summary exported as Markdown and HTML.", title="Exported")
        self._show_progress(progress)

    # --- 6. review and close -----------------------------------------------------------

    @on(Button.Pressed, "#close-case")
    def action_close_case(self) -> None:
        today = self.app.today

        def check(session):
            if discharge.missing_steps(session, self.case_id):
                return self._close_now(session, today)  # the service refuses and says why
            return None

        async def checked(loaded) -> None:
            if loaded is not None:  # closed after all
                await self._case_closed(loaded)
                return
            self.app.push_screen(
                ConfirmDialog("Close this case? It becomes read-only.", yes="Close case"),
                lambda yes: yes and self._close(),
            )

        self._save(check, checked, on_error=self._not_closed)

    def _close(self) -> None:
        today = self.app.today
        self._save(lambda session: self._close_now(session, today), self._case_closed, on_error=self._not_closed)

    def _close_now(self, session, today: date) -> Loaded:
        discharge.close_case(session, self.case_id, today)
        return self._read_case(session, today)

    def _not_closed(self, exc: CasetuiError) -> None:
        self.query_one("#close-error", Static).update(str(exc))
        self.notify(str(exc), severity="error", title="Case not closed", markup=False)

    async def _case_closed(self, loaded: Loaded) -> None:
        self.notify("The case is closed and read-only now.", title="Case closed")
        await self._build(loaded)

    # --- closed case -------------------------------------------------------------------

    def action_reopen(self) -> None:
        def reopen(reason: str | None) -> None:
            if not reason:
                return

            today = self.app.today

            def reopen_now(session) -> Loaded:
                discharge.reopen_case(session, self.case_id, reason, today)
                return self._read_case(session, today)

            async def reopened(loaded: Loaded) -> None:
                self.notify("The case is open again.", title="Reopened")
                await self._build(loaded)

            self._save(
                reopen_now,
                reopened,
                on_error=lambda exc: self.notify(str(exc), severity="error", title="Not reopened", markup=False),
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
