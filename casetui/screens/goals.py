"""A case's goals: progress toward each target, objectives, progress entries and a chart."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from casetui.data.domain import vocab
from casetui.data.services import cases, clients, corrections, goals
from casetui.keys import key_text
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.correction_form import correction_form
from casetui.widgets.footer import KeyFooter
from casetui.widgets.goal_forms import (
    GoalForm,
    HistoryDialog,
    ObjectiveForm,
    ProgressForm,
    StatusForm,
)
from casetui.widgets.plain import cell, cells
from casetui.widgets.progress_chart import ProgressChart

DRAFT = "draft:"  # row keys of goal drafts offered from the assessment
BAR_CELLS = 10
TRACK_COLOURS = {
    "on_track": "text-success",
    "behind": "text-warning",
    "overdue": "text-error",
    "achieved": "text-success",
    "closed": "foreground-muted",
}
WRITE_ACTIONS = {
    "add_goal",
    "revise_goal",
    "change_status",
    "add_objective",
    "toggle_objective",
    "add_progress",
    "progress_in_error",
}


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class GoalsScreen(ServiceCalls, Screen):
    CSS_PATH = "goals.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="goals.back"),
        Binding("n", "add_goal", "Add", tooltip="Add a goal (from a highlighted draft, if any)", id="goals.add"),
        Binding("e", "revise_goal", "Edit", tooltip="Revise the goal; the current version is kept", id="goals.revise"),
        Binding(
            "s", "change_status", "Status", tooltip="Change the lifecycle or achievement status", id="goals.status"
        ),
        Binding("o", "add_objective", "Step", tooltip="Add an objective to the goal", id="goals.add-objective"),
        Binding(
            "x",
            "toggle_objective",
            "Done",
            tooltip="Mark the highlighted objective done or open",
            id="goals.toggle-objective",
        ),
        Binding("p", "add_progress", "Progress", tooltip="Record a progress entry", id="goals.progress"),
        Binding("h", "history", "History", tooltip="The goal's revisions and status changes", id="goals.history"),
        Binding(
            "m",
            "progress_in_error",
            "In error",
            tooltip="Mark the highlighted progress entry entered in error",
            id="goals.progress-in-error",
        ),
    ]

    def __init__(self, case_id: int):
        super().__init__()
        self.case_id = case_id
        self.case_closed = False
        self.rows: dict[int, goals.GoalRow] = {}
        self.drafts: dict[str, goals.GoalDraft] = {}
        self.detail: goals.GoalDetail | None = None
        self.pending_objective: int | None = None  # to highlight once the details are shown again
        self.shown_key: str | None = None  # the goal list row whose details are shown
        self.statement_width = 0
        self.colours: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="case-line")
        with Horizontal(id="body"):
            with Vertical(id="list-pane"):
                yield DataTable(id="goals", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="details"):
                yield Static("", id="goal-summary")
                yield ProgressChart(id="chart")
                yield Static("Objectives", classes="section")
                yield DataTable(id="objectives", cursor_type="row", zebra_stripes=True)
                yield Static("Progress entries", classes="section")
                yield DataTable(id="entries", cursor_type="row", zebra_stripes=True)
        # No palette hint: at 80 columns the footer has room for every key of the screen only.
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._clear_details()
        self.load()
        self.query_one("#goals", DataTable).focus()
        # Cell colours come from the theme: redraw the list when it changes.
        self.watch(
            self.app, "theme", lambda _theme: self.fill_goal_table() if self.statement_width else None, init=False
        )

    def on_resize(self) -> None:
        if self.statement_width and self.statement_width != self._statement_width():
            self.fill_goal_table()  # the statement column's width follows the terminal's

    # --- loading -------------------------------------------------------------------------

    def load(self, select_goal: int | None = None, *, select_objective: int | None = None) -> None:
        """Ask the services for the goal list (and the highlighted goal's details) and show them."""
        today = self.app.today

        def read(session):
            case = cases.get_case(session, self.case_id)
            client = clients.get_client(session, case.client_id)
            rows = goals.goal_rows(session, self.case_id, today)
            drafts = goals.goal_drafts(session, self.case_id) if case.closed_on is None else []
            return case, client, rows, drafts

        self.pending_objective = select_objective
        self.call_service(read, lambda loaded: self.show_goals(*loaded, select_goal), group="load", exclusive=True)

    def show_goals(self, case, client, rows, drafts, select_goal: int | None = None) -> None:
        self.case_closed = case.closed_on is not None
        self.title = f"Goals: {client.display_name}"
        self.sub_title = case.program
        self.rows = {row.goal_id: row for row in rows}
        self.drafts = {draft.domain: draft for draft in drafts}
        self.query_one("#case-line", Static).update(self._case_line(rows, drafts))
        self.fill_goal_table(select_goal)
        self.show_detail()
        self.refresh_bindings()

    def _statement_width(self) -> int:
        """What the other columns (about 50 cells) leave of the list's width."""
        return max(24, min(60, (80 if self.has_class("-wide") else self.app.size.width) - 50))

    def fill_goal_table(self, select_goal: int | None = None) -> None:
        table = self.query_one("#goals", DataTable)
        current = select_goal if select_goal is not None else self.selected_goal_id()
        table.clear(columns=True)  # columns too, so they fit the new widths
        table.add_columns("Goal", "Progress", "Track", "Due")
        self.statement_width = width = self._statement_width()
        variables = self.app.get_css_variables()
        background = Color.parse(variables["background"])
        # Theme colours for Rich text in cells, blended over the background where translucent.
        self.colours = {
            name: (background + Color.parse(variables[name])).hex
            for name in {*TRACK_COLOURS.values(), "foreground-muted"}
        }
        for row in self.rows.values():
            table.add_row(
                cell(_short(row.statement, width)),
                self._bar(row),
                self._track(row),
                f"{row.due_on:%Y-%m-%d}",
                key=str(row.goal_id),
            )
        for draft in self.drafts.values():
            table.add_row(
                Text(_short(f"+ {draft.label} (draft)", width), style="italic"),
                f"press {key_text(self.app, 'goals.add')}",
                "",
                "",
                key=DRAFT + draft.domain,
            )
        if current in self.rows:
            table.move_cursor(row=table.get_row_index(str(current)))

    def _case_line(self, rows, drafts) -> str:
        counts = {}
        for row in rows:
            counts[row.track] = counts.get(row.track, 0) + 1
        parts = [f"{len(rows)} goal{'s' if len(rows) != 1 else ''}"]
        parts += [f"{n} {goals.TRACK_STATUSES[track].lower()}" for track, n in counts.items()]
        if drafts:
            parts.append(f"{len(drafts)} draft{'s' if len(drafts) != 1 else ''} from the assessment")
        line = " · ".join(parts)
        if self.case_closed:
            line += "  [b]Case closed: read-only[/]"
        return line

    def _colour(self, name: str) -> str:
        return self.colours[name]

    def _track(self, row: goals.GoalRow) -> Text:
        """The track status; a goal paused or not yet started says so (e.g. "Behind, on hold")."""
        text = Text(goals.TRACK_STATUSES[row.track], style=self._colour(TRACK_COLOURS[row.track]))
        if row.track != "closed" and row.lifecycle != "active":
            text.append(f", {vocab.GOAL_LIFECYCLE.get(row.lifecycle, row.lifecycle).lower()}")
        return text

    def _bar(self, row: goals.GoalRow) -> Text:
        filled = round(row.percent / 100 * BAR_CELLS)
        bar = Text("█" * filled, style=self._colour(TRACK_COLOURS[row.track]))
        bar.append("░" * (BAR_CELLS - filled), style=self._colour("foreground-muted"))
        bar.append(f" {row.percent:3.0f}%")
        return bar

    def selected_key(self) -> str | None:
        table = self.query_one("#goals", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def selected_goal_id(self) -> int | None:
        key = self.selected_key()
        return int(key) if key and not key.startswith(DRAFT) else None

    @on(DataTable.RowHighlighted, "#goals")
    def _goal_highlighted(self) -> None:
        # A reload re-highlights the row it just showed: keep the details (and their cursors).
        if self.selected_key() != self.shown_key:
            self.show_detail()
            self.refresh_bindings()

    @on(DataTable.RowSelected, "#goals")
    def _goal_chosen(self) -> None:
        key = self.selected_key()
        if key and key.startswith(DRAFT):
            self.action_add_goal()

    def show_detail(self) -> None:
        self.shown_key = self.selected_key()
        goal_id = self.selected_goal_id()
        summary = self.query_one("#goal-summary", Static)
        chart = self.query_one("#chart", ProgressChart)
        self._clear_details()
        if goal_id is None:
            self.detail = None
            chart.clear()
            key = self.selected_key()
            if key:
                draft = self.drafts[key.removeprefix(DRAFT)]
                summary.update(
                    f"[b]{draft.label}[/]: the client wants a goal here (assessment score "
                    f"{draft.score if draft.score is not None else 'not rated'}). "
                    f"Press [b]{key_text(self.app, 'goals.add')}[/] or Enter to write it with them."
                )
            else:
                summary.update(f"No goals yet. Press [b]{key_text(self.app, 'goals.add')}[/] to add one.")
            return
        self.detail = None  # until the highlighted goal's details arrive
        self.call_service(
            lambda session: goals.goal_detail(session, goal_id), self._show_goal_detail, group="detail", exclusive=True
        )

    def _clear_details(self) -> None:
        """Empty the objectives and entries tables, columns too: each goal's columns are sized to
        its own rows, not to the widest of the goals shown before it."""
        objectives = self.query_one("#objectives", DataTable)
        objectives.clear(columns=True)
        objectives.add_columns("Done", "Objective", "Due")
        entries = self.query_one("#entries", DataTable)
        entries.clear(columns=True)
        entries.add_columns("Date", "Value", "Evidence", "Note")

    def _show_goal_detail(self, detail: goals.GoalDetail) -> None:
        if detail.goal.id != self.selected_goal_id():  # the user has moved on meanwhile
            return
        summary = self.query_one("#goal-summary", Static)
        chart = self.query_one("#chart", ProgressChart)
        objectives = self.query_one("#objectives", DataTable)
        entries = self.query_one("#entries", DataTable)
        self._clear_details()
        self.detail = detail
        goal, row = detail.goal, self.rows[detail.goal.id]
        summary.update(self._summary(goal, row, detail.revisions))
        chart.show(
            [(entry.recorded_on, entry.value) for entry in detail.valid_progress],
            baseline=goal.baseline,
            target=goal.target,
            start_on=goal.start_on,
            due_on=goal.due_on,
            today=self.app.today,
            label=lambda value: goals.format_value(goal, value) if goal.direction == "reach" else f"{value:g}",
        )
        for objective in detail.objectives:
            due = f"{objective.due_on:%Y-%m-%d}" if objective.due_on else ""
            objectives.add_row(*cells("✔" if objective.done_on else "·", objective.text, due), key=str(objective.id))
        if self.pending_objective is not None and any(o.id == self.pending_objective for o in detail.objectives):
            objectives.move_cursor(row=objectives.get_row_index(str(self.pending_objective)))
        self.pending_objective = None
        corrected = detail.corrected or {}
        for entry in reversed(detail.progress):
            if entry.id in corrected:  # kept in view, struck through, with the reason
                note = f"Entered in error: {corrected[entry.id].reason}"
                row = [
                    Text(f"{entry.recorded_on:%Y-%m-%d}", style="strike dim"),
                    Text(goals.format_value(goal, entry.value), style="strike dim"),
                    Text(entry.evidence_source or "", style="strike dim"),
                    Text(_short(note, 40), style="dim italic"),
                ]
            else:
                row = cells(
                    f"{entry.recorded_on:%Y-%m-%d}",
                    goals.format_value(goal, entry.value),
                    entry.evidence_source or "",
                    _short(entry.note or "", 40),
                )
            entries.add_row(*row, key=str(entry.id))

    def _summary(self, goal, row: goals.GoalRow, revisions: int) -> Content:
        domains = ", ".join(vocab.DOMAINS.get(code, code) for code in goal.domains)
        now = goals.format_value(goal, row.latest_value) if row.latest_value is not None else "nothing yet"
        status = vocab.GOAL_LIFECYCLE.get(goal.lifecycle_status, goal.lifecycle_status)
        if goal.achievement_status:
            status += f", {vocab.GOAL_ACHIEVEMENT.get(goal.achievement_status, goal.achievement_status).lower()}"
        colour = self._colour(TRACK_COLOURS[row.track])
        # Typed text (statement, measure, unit, reason) goes in as template values, never markup.
        lines = [
            "[b]$statement[/]",
            f"Now $now, target $target · {row.percent:.0f}% · "
            f"[{colour}]{goals.TRACK_STATUSES[row.track]}[/] · due {goal.due_on:%Y-%m-%d}",
            f"[dim]{domains} · $measure · from $baseline on "
            f"{goal.start_on:%Y-%m-%d} · {vocab.GOAL_ACTORS.get(goal.actor, goal.actor)} acts · {status} · "
            f"rev. {goal.revision}" + (f" (h: {revisions} earlier)" if revisions else "") + "[/]",
        ]
        if goal.status_reason:
            lines.append("[dim]Status reason: $reason[/]")
        return Content.from_markup(
            "\n".join(lines),
            statement=goal.statement,
            now=now,
            measure=goal.measure,
            target=goals.format_value(goal, goal.target),
            baseline=goals.format_value(goal, goal.baseline),
            reason=goal.status_reason or "",
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.case_closed:
            return False
        if action in WRITE_ACTIONS - {"add_goal"} | {"history"} and self.is_mounted:
            return None if self.selected_goal_id() is None else True  # shown dimmed without a goal
        return True

    # --- actions -------------------------------------------------------------------------

    def _saved(self, message: str, select_goal: int | None = None):
        def done(saved: bool | None) -> None:
            if saved:
                self.load(select_goal)
                self.notify(message)

        return done

    def action_add_goal(self) -> None:
        key = self.selected_key()
        today = self.app.today
        values = {"start_on": today.isoformat(), "due_on": (today + timedelta(days=90)).isoformat()}
        if key and key.startswith(DRAFT):
            values["domains"] = [key.removeprefix(DRAFT)]
        created = {}

        def save(form: dict) -> None:
            with self.app.database.transaction() as session:
                created["id"] = goals.create_goal(session, self.case_id, form).id

        def done(saved: bool | None) -> None:
            if saved:
                self.load(created["id"])
                self.notify("Goal added.")

        self.app.push_screen(GoalForm("New goal", save, values), done)

    def action_revise_goal(self) -> None:
        if self.detail is None:
            return
        goal = self.detail.goal
        values = {name: getattr(goal, name) for name in goals.GOAL_FIELDS}

        def save(form: dict) -> None:
            reason = form.pop("reason")
            with self.app.database.transaction() as session:
                goals.revise_goal(session, goal.id, form, reason, expected_version=goal.version)

        self.app.push_screen(
            GoalForm("Revise goal (the current version is kept in its history)", save, values, ask_reason=True),
            self._saved("Goal revised.", goal.id),
        )

    def action_change_status(self) -> None:
        if self.detail is None:
            return
        goal = self.detail.goal

        def save(form: dict) -> None:
            with self.app.database.transaction() as session:
                goals.change_status(
                    session,
                    goal.id,
                    lifecycle_status=form["lifecycle_status"],
                    achievement_status=form["achievement_status"],
                    reason=form["reason"],
                    expected_version=goal.version,
                )

        self.app.push_screen(
            StatusForm(
                "Change the goal's status", save, lifecycle=goal.lifecycle_status, achievement=goal.achievement_status
            ),
            self._saved("Status changed.", goal.id),
        )

    def action_add_objective(self) -> None:
        if self.detail is None:
            return
        goal_id = self.detail.goal.id

        def save(form: dict) -> None:
            with self.app.database.transaction() as session:
                goals.add_objective(session, goal_id, text=form["text"], due_on=form["due_on"])

        self.app.push_screen(ObjectiveForm("New objective", save), self._saved("Objective added.", goal_id))

    def action_toggle_objective(self) -> None:
        if self.detail is None:
            return
        table = self.query_one("#objectives", DataTable)
        if table.row_count == 0:
            self.notify(
                f"This goal has no objectives yet: press {key_text(self.app, 'goals.add-objective')} to add one.",
                severity="warning",
            )
            return
        objective_id = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        objective = next(o for o in self.detail.objectives if o.id == objective_id)
        goal_id, today = self.detail.goal.id, self.app.today

        def toggled(_objective) -> None:
            self.load(goal_id, select_objective=objective_id)
            self.notify("Objective done." if objective.done_on is None else "Objective open again.")

        self.call_service(
            lambda session: goals.set_objective_done(session, objective_id, objective.done_on is None, today), toggled
        )

    def action_add_progress(self) -> None:
        if self.detail is None:
            return
        goal = self.detail.goal
        hint = "yes or no" if goal.direction == "reach" else (goal.unit or goal.measure)

        def save(form: dict) -> None:
            with self.app.database.transaction() as session:
                goals.add_progress(
                    session,
                    goal.id,
                    recorded_on=form["recorded_on"],
                    value=form["value"],
                    note=form["note"],
                    evidence_source=form["evidence_source"],
                    today=self.app.today,
                )

        self.app.push_screen(
            ProgressForm("New progress entry", save, today=self.app.today.isoformat(), value_hint=hint),
            self._saved("Progress recorded.", goal.id),
        )

    def action_progress_in_error(self) -> None:
        if self.detail is None:
            return
        table = self.query_one("#entries", DataTable)
        if table.row_count == 0:
            self.notify("This goal has no progress entries.", severity="warning")
            return
        entry_id = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        entry = next(item for item in self.detail.progress if item.id == entry_id)
        goal = self.detail.goal
        if entry_id in (self.detail.corrected or {}):
            self.notify("That progress entry is already marked entered in error.", severity="warning")
            return

        def save(form: dict) -> None:
            with self.app.database.transaction() as session:
                corrections.mark_in_error(session, "progress_entry", entry_id, form["reason"])

        words = f"Progress of {entry.recorded_on:%Y-%m-%d}: {goals.format_value(goal, entry.value)}"
        self.app.push_screen(
            correction_form("progress entry", words, save),
            self._saved("Progress entry marked entered in error.", goal.id),
        )

    def action_history(self) -> None:
        if self.detail is None:
            return
        goal = self.detail.goal
        self.call_service(
            lambda session: goals.goal_history(session, goal.id), lambda history: self._show_history(goal, history)
        )

    def _show_history(self, goal, history) -> None:
        entries = [
            (
                f"Revision {item.revision} · {item.revised_at:%Y-%m-%d} · {item.worker}",
                [f"{label}: {before} → {after}" for label, before, after in item.changes],
                item.reason,
            )
            for item in history
        ]
        self.app.push_screen(HistoryDialog(f"History of: {_short(goal.statement, 60)}", entries))
