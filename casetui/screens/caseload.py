"""The caseload: the screen a case manager starts the day on, what is due first."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Static

from casetui.data.domain import vocab
from casetui.data.services import caseload
from casetui.data.services.caseload import OVERDUE, TODAY, Caseload, CaseloadRow
from casetui.keys import key_text
from casetui.screens import ReloadOnReturn
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.footer import KeyFooter
from casetui.widgets.plain import Plain, cells

# A table of thousands of rows is slow to fill and useless to read: show the most urgent ones
# and let the filters narrow the rest.
ROW_LIMIT = 200
FIRST_PAGE = 50  # more than a 160x50 terminal shows
FILTER_DELAY_S = 0.15

SHOW_ALL, SHOW_OVERDUE, SHOW_WEEK = "all", "overdue", "week"
SHOW_CLOSED, SHOW_DRAFTS = "closed", "drafts"  # views of their own: other rows, other columns
SHOW_OPTIONS = [
    ("All open cases", SHOW_ALL),
    ("Overdue", SHOW_OVERDUE),
    # A case with something overdue and something due this week is listed: say so.
    ("Overdue or due this week", SHOW_WEEK),
    ("Closed cases", SHOW_CLOSED),
    ("Intake drafts", SHOW_DRAFTS),
]
MINE, EVERYONE = "\x00mine", "\x00all"
ALL_STAGES = "\x00stages"

ACTION_MIN_WIDTH = 24
COLUMNS = [
    ("Client", "client", 20),
    ("Flag", "safety", 4),
    ("Due", "due", 10),
    ("When", "when", 9),
    ("Next action", "action", ACTION_MIN_WIDTH),
    ("Stage", "stage", 14),
    ("Goals", "goals", 5),
    ("Contact", "contact", 7),
    ("Consent", "consent", 8),
    ("Worker", "worker", 12),
]

# Narrower than this (an 80-column terminal), the table keeps four columns and the highlighted
# case's other facts go in a line under it.
COMPACT_WIDTH = 100
COMPACT_COLUMNS = [
    ("Client", "client", 18),
    ("Due", "due", 10),
    ("Next action", "action", ACTION_MIN_WIDTH),
    ("Stage", "stage", 14),
]

CLOSED_COLUMNS = [
    ("Client", "client", 20),
    ("Closed on", "closed", 10),
    ("Reason", "reason", 30),
    ("Opened on", "opened", 10),
    ("Program", "program", 24),
    ("Worker", "worker", 12),
]
DRAFT_COLUMNS = [
    ("Client", "client", 24),
    ("What", "what", 12),
    ("Saved", "saved", 16),
    ("Worker", "worker", 16),
]
VIEW_COLUMNS = {"cases": COLUMNS, SHOW_CLOSED: CLOSED_COLUMNS, SHOW_DRAFTS: DRAFT_COLUMNS}
VIEW_SORTS = {"cases": caseload.CASELOAD_SORTS, SHOW_CLOSED: caseload.CLOSED_SORTS, SHOW_DRAFTS: caseload.DRAFT_SORTS}
# Each view's usual order, which the sort key starts from: most urgent, latest closed, latest saved.
DEFAULT_SORTS = {"cases": ("due", False), SHOW_CLOSED: ("closed", True), SHOW_DRAFTS: ("saved", True)}
ARROWS = {False: "▲", True: "▼"}

CONSENT_LABELS = {
    "current": "Current",
    "expiring": "Expiring",
    "expired": "Expired",
    "revoked": "Revoked",
    "not_yet": "Not yet",
    "none": "None",
}


def due_cell(row: CaseloadRow) -> Text:
    item = row.next_item
    if item is None:
        return Text("")
    style = "bold red" if item.urgency <= OVERDUE else ("bold" if item.urgency == TODAY else "")
    return Text(f"{item.due_on:%Y-%m-%d}", style=style)


def marker_cell(row: CaseloadRow) -> Text:
    item = row.next_item
    if item is None:
        return Text("")
    style = "bold red" if item.urgency <= OVERDUE else ("bold" if item.urgency == TODAY else "")
    return Text(item.urgency_label if item.urgency <= caseload.THIS_WEEK else "", style=style)


def contact_cell(row: CaseloadRow, today: date) -> str:
    if row.last_contact_on is None:  # how long since the case opened is in the next action
        return "never"
    return "today" if row.days_since_contact == 0 else f"{row.days_since_contact}d"


class CaseloadScreen(ServiceCalls, ReloadOnReturn, Screen):
    # Its CSS (caseload.tcss) is loaded by the app, whose default screen this is.
    HELP_TITLE = "Caseload"
    # In the footer's order: where it is narrow, the last keys give way first (help lists them all).
    BINDINGS = [
        Binding("enter", "open_client", "Open", id="caseload.open"),
        Binding("slash,ctrl+f", "focus_filter", "Find", key_display="/", id="caseload.find"),
        Binding("a", "today", "Today", id="caseload.today"),
        Binding("n", "new_client", "New client", id="caseload.new-client"),
        Binding("o", "show('overdue')", "Overdue", id="caseload.overdue"),
        Binding("u", "show('week')", "Week+overdue", id="caseload.due-this-week"),
        Binding("x", "show('closed')", "Closed", id="caseload.closed"),
        Binding("d", "show('drafts')", "Drafts", id="caseload.drafts"),
        Binding("t", "sort_next", "Sort", id="caseload.sort"),
        Binding("T", "sort_reverse", "Reverse sort", show=False, id="caseload.reverse-sort"),
        Binding("w", "toggle_workers", "All workers", id="caseload.all-workers"),
        Binding("p", "new_appointment", "Appointment", show=False, id="caseload.new-appointment"),
        Binding("r", "refresh", "Refresh", id="caseload.refresh"),
        # Only here: on a form a stray q must not close the app (ctrl+q quits everywhere).
        Binding("q", "app.quit", "Quit", id="caseload.quit"),
        # Nothing is behind the caseload: escape cancels the find instead.
        Binding("escape", "clear_filters", "Clear filters", show=False, id="caseload.clear"),
        Binding("ctrl+r", "clear_filters", "Clear filters", show=False, id="caseload.clear-filters"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.loaded: Caseload | None = None
        self.by_case: dict[int, CaseloadRow] = {}
        self._filter_timer: Timer | None = None
        self._scope = MINE  # what the last load covered: my cases or everyone's
        self._worker_options = [("My caseload", MINE), ("All workers", EVERYONE)]
        self._shown_state: tuple | None = None
        self._fill_round = 0
        self._pending_rows: tuple | None = None  # rows held back until the first frame is shown
        self._filters_mounting = self._filters_ready = False
        self._typing_ahead = False  # "/" came before the name filter was there
        self._filter_options: list = []  # the worker options the worker Select shows
        # The filters' values; the widgets showing them arrive after the first paint.
        self.filters = {"name": "", "show": SHOW_ALL, "stage": ALL_STAGES, "worker": MINE}
        # Per view: (column key, descending). Kept across reloads and filter changes.
        self.sorts = dict(DEFAULT_SORTS)
        self.other_rows: dict[str, list] = {}  # the closed and drafts views' rows, once read
        self._columns_of: str | None = None  # the view whose columns the table has
        self._columns_state: tuple | None = None
        self.day_counts = ""  # "2 appointments today · 1 task due", read after the caseload

    def compose(self) -> ComposeResult:
        yield Header()
        yield Horizontal(id="filters")  # filled after the first paint (mount_filters)
        yield Plain("Loading the caseload…", id="summary")  # it names the worker
        table = DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        self.add_columns(table, ACTION_MIN_WIDTH)
        yield table
        yield Plain("", id="detail")
        yield KeyFooter()

    @property
    def view(self) -> str:
        """Which rows the table shows: open cases ("cases"), closed cases or intake drafts."""
        show = self.filters["show"]
        return show if show in (SHOW_CLOSED, SHOW_DRAFTS) else "cases"

    @property
    def compact(self) -> bool:
        return (self.size.width or self.app.size.width) < COMPACT_WIDTH

    def columns_of_view(self, view: str) -> list[tuple[str, str, int]]:
        return COMPACT_COLUMNS if view == "cases" and self.compact else VIEW_COLUMNS[view]

    def column_width(self, key: str, width: int) -> int:
        """Wide enough for the label with its sort arrow when the table is sorted by it."""
        if self.sorts[self.view][0] != key:
            return width
        label = next(label for label, column, _width in self.columns_of_view(self.view) if column == key)
        return max(width, len(label) + 2)

    def add_columns(self, table: DataTable, action_width: int) -> None:
        view = self._columns_of = self.view
        column, descending = self.sorts[view]
        for label, key, width in self.columns_of_view(view):
            shown = f"{label} {ARROWS[descending]}" if key == column else label
            table.add_column(shown, key=key, width=action_width if key == "action" else self.column_width(key, width))

    def action_width(self, screen_width: int) -> int:
        """ "Next action" takes the width the other columns leave (2 cells of padding each); the
        worker column comes last and may scroll out of view."""
        fixed = (
            sum(
                self.column_width(key, width) + 2
                for _label, key, width in self.columns_of_view("cases")
                if key not in ("action", "worker")
            )
            + 2
            + 2
        )
        if self.compact:
            fixed += 2  # the vertical scrollbar: the last column must not be cut
        return max(ACTION_MIN_WIDTH, screen_width - fixed)

    def rebuild_columns(self, *, force: bool = False) -> None:
        """Build the table's columns again when the view, the sort or the width asks for others."""
        table = self.query_one("#cases", DataTable)
        state = (
            self.view,
            self.sorts[self.view],
            self.action_width(self.size.width or self.app.size.width),
            self.compact,
        )
        if force or state != self._columns_state:
            self._columns_state = state
            table.clear(columns=True)
            self.add_columns(table, state[2])
            self.apply_filters(force=True)

    def on_resize(self) -> None:
        self.rebuild_columns()

    def on_mount(self) -> None:
        table = self.query_one("#cases", DataTable)
        table.columns["action"].width = self.action_width(self.app.size.width)
        self._columns_state = (self.view, self.sorts[self.view], table.columns["action"].width, self.compact)
        table.focus()
        first, self.app.first_caseload = self.app.first_caseload, None
        if first is not None:
            self.show_caseload(first, MINE)
        else:
            self.load()
        if self.app.first_frame_shown:
            self.call_after_refresh(self.after_first_frame)

    def after_first_frame(self) -> None:
        """What the first frame can do without: the filter widgets (four of them cost a good
        part of a frame), the table rows below the first screenful, and the rest of a caseload
        of which the first frame had only the most urgent rows."""
        if self._filters_mounting:
            return
        self._filters_mounting = True
        self.call_later(self.mount_filters)
        if self._pending_rows is not None:
            self._add_rows(*self._pending_rows)
            self._pending_rows = None
        if self.loaded is not None and not self.loaded.complete:
            self.load_open()

    async def mount_filters(self) -> None:
        from textual.widgets import Input, Select  # not needed for the first frame

        values, options = self.filters, self._worker_options
        await self.query_one("#filters").mount(
            Input(value=values["name"], placeholder="Filter by name  (/)", id="name", compact=True),
            Select(
                SHOW_OPTIONS,
                value=values["show"],
                allow_blank=False,
                id="show",
                compact=True,
            ),
            Select(
                [("All stages", ALL_STAGES)]
                + [(label, code) for code, label in vocab.STAGES.items() if code != "closure"],
                value=values["stage"],
                allow_blank=False,
                id="stage",
                compact=True,
            ),
            Select(options, value=values["worker"], allow_blank=False, id="worker", compact=True),
        )
        self._filter_options = options
        self._filters_ready = True
        # Keys (o, u, w) or a finished load may have changed the filters while they mounted.
        for name in self.filters:
            self.show_filter(name)
        if self._typing_ahead:
            self.filter_widget("name").focus()

    def filter_widget(self, name: str):
        """The widget showing a filter, once the filters are mounted (None before)."""
        return self.query_one(f"#filters #{name}") if self._filters_ready else None

    def show_filter(self, name: str) -> None:
        """Make the filter's widget show its value (and the worker list its current options)."""
        widget = self.filter_widget(name)
        if widget is None:
            return
        with widget.prevent(widget.Changed):
            if name == "worker" and self._filter_options != self._worker_options:
                self._filter_options = self._worker_options
                widget.set_options(self._worker_options)
            if widget.value != self.filters[name]:
                widget.value = self.filters[name]

    def set_filter(self, name: str, value) -> None:
        """Change one filter (from a key or its widget), show it, and apply it."""
        if self.filters[name] == value:
            return
        self.filters[name] = value
        self.show_filter(name)
        if name in ("show", "worker") and self.view != "cases":
            self.rebuild_columns()
            self.load_view()  # read each time it is chosen: cases close and drafts are saved elsewhere
            if name == "worker" and self.wanted_scope != self._scope:
                self.load_open()
        elif name == "worker" and self.wanted_scope != self._scope:
            self.load()
        elif name == "show":
            self.rebuild_columns()
            self.apply_filters()
        elif name == "name":
            # Debounced: a fast typist gets one filtering per pause, not one per key.
            if self._filter_timer is not None:
                self._filter_timer.stop()
            self._filter_timer = self.set_timer(FILTER_DELAY_S, self.apply_filters)
        else:
            self.apply_filters()

    # --- loading -------------------------------------------------------------------------

    @property
    def wanted_scope(self) -> str:
        return MINE if self.filters["worker"] == MINE else EVERYONE

    def load(self) -> None:
        """Read the open cases again, and the closed or drafts view if it is the one shown."""
        self.load_open()
        if self.view != "cases":
            self.load_view()

    def load_view(self) -> None:
        """Read the closed cases or the intake drafts (of the worker chosen, or everyone's)."""
        view = self.view
        worker = self.filters["worker"]
        worker = self.app.worker_name if worker == MINE else None if worker == EVERYONE else worker
        read = caseload.closed_cases if view == SHOW_CLOSED else caseload.intake_drafts

        def shown(rows: list) -> None:
            self.other_rows[view] = rows
            self.apply_filters(force=True)

        self.call_service(lambda session: read(session, worker=worker), shown, group=f"caseload-{view}", exclusive=True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="caseload")
    def load_open(self) -> None:
        from casetui.data.services import agenda  # SQLAlchemy: not before the first frame

        scope = self.wanted_scope
        worker = self.app.worker_name if scope == MINE else None
        with self.app.database.transaction() as session:
            loaded = caseload.load_caseload(session, self.app.today, worker=worker)
            day = agenda.day(session, self.app.worker_name, self.app.today, self.app.today, with_due=False)
        self.app.call_from_thread(self.show_day_counts, day)
        self.app.call_from_thread(self.show_caseload, loaded, scope)

    def after_database_open(self) -> None:
        """The first paint's rows were the whole caseload: only the day is left to read (once the
        database is open and checked, so a refused file reads nothing)."""
        if self.loaded is not None and self.loaded.complete and getattr(self, "_day", None) is None:
            self.load_day_counts()

    def load_day_counts(self) -> None:
        from casetui.data.services import agenda  # SQLAlchemy: not before the first frame

        worker, today = self.app.worker_name, self.app.today

        def shown(day) -> None:
            self.show_day_counts(day)
            self.query_one("#summary", Static).update(self.summary_text(self.visible_rows()))

        self.call_service(
            lambda session: agenda.day(session, worker, today, today, with_due=False), shown, group="caseload-day"
        )

    def show_day_counts(self, day) -> None:
        """The worker's own day, ahead of the caseload's counts (whatever the worker filter)."""
        from casetui.data.services import agenda

        self._day = day
        self.day_counts = day.summary(self.app.today)
        line = agenda.next_line(day.appointments, self.app.now) if self.app.clock_known else ""
        if line:
            self.day_counts += f" · {line}"

    def show_next(self) -> None:
        """The time has moved on (the reminders' check): "next" may be another appointment."""
        if getattr(self, "_day", None) is not None and self.loaded is not None:
            self.show_day_counts(self._day)
            self.query_one("#summary", Static).update(self.summary_text(self.visible_rows()))

    def show_caseload(self, loaded: Caseload, scope: str) -> None:
        self.loaded = loaded
        self._shown_state = None
        self._scope = scope
        self.by_case = {row.case_id: row for row in loaded.rows}
        options = [("My caseload", MINE), ("All workers", EVERYONE)] + [(Text(name), name) for name in loaded.workers]
        if options != self._worker_options:
            self._worker_options = options
            if self.filters["worker"] not in {value for _label, value in options}:
                self.filters["worker"] = MINE
            self.show_filter("worker")
        self.apply_filters()

    # --- filtering -----------------------------------------------------------------------

    def visible_rows(self) -> list[CaseloadRow]:
        words = self.filters["name"].lower().split()
        column, descending = self.sorts[self.view]
        if self.view != "cases":
            rows = [row for row in self.other_rows.get(self.view, []) if all(word in row.search_text for word in words)]
            return caseload.sort_rows(rows, VIEW_SORTS[self.view], column, descending)
        if self.loaded is None:
            return []
        show, stage, worker = self.filters["show"], self.filters["stage"], self.filters["worker"]
        rows = []
        for row in self.loaded.rows:
            if worker not in (MINE, EVERYONE) and row.worker != worker:
                continue
            if stage != ALL_STAGES and row.stage != stage:
                continue
            if show == SHOW_OVERDUE and not row.overdue:
                continue
            if show == SHOW_WEEK and not (row.overdue or row.due_this_week):
                continue
            if words and not all(word in row.search_text for word in words):
                continue
            rows.append(row)
        return caseload.sort_rows(rows, caseload.CASELOAD_SORTS, column, descending)

    def scope_rows(self) -> list[CaseloadRow]:
        """The cases the summary counts: the chosen worker's, before the other filters."""
        worker = self.filters["worker"]
        rows = self.loaded.rows if self.loaded else []
        return rows if worker in (MINE, EVERYONE) else [row for row in rows if row.worker == worker]

    def apply_filters(self, *, force: bool = False) -> None:
        """Fill the table with the rows the filters keep (at most ROW_LIMIT): the first screenful
        at once, the rest after that has painted, so a big caseload shows up quickly."""
        table = self.query_one("#cases", DataTable)
        if self._columns_of != self.view:
            return  # the columns of the view chosen are on their way (rebuild_columns)
        state = (id(self.loaded), *self.filters.values(), self.sorts[self.view], self._columns_state)
        if state == self._shown_state and not force:
            return  # e.g. a Select announcing the value it was given
        self._shown_state = state
        current = self.current_case_id()
        rows = self.visible_rows()
        table.clear()
        self._fill_round += 1
        self._add_rows(self._fill_round, rows[:FIRST_PAGE], current)
        if len(rows) > FIRST_PAGE:
            rest = (self._fill_round, rows[FIRST_PAGE:ROW_LIMIT], current)
            if self.app.first_frame_shown:
                self.call_after_refresh(self._add_rows, *rest)
            else:
                self._pending_rows = rest
        self.query_one("#summary", Static).update(self.summary_text(rows))

    def _add_rows(self, fill_round: int, rows: list[CaseloadRow], cursor_case: int | None) -> None:
        if fill_round != self._fill_round:
            return  # the filters changed since: a newer fill is under way
        table = self.query_one("#cases", DataTable)
        today = self.app.today
        if self.view != "cases":
            self._add_other_rows(table, rows)
            rows = []
        keys = [key for _label, key, _width in self.columns_of_view("cases")]
        for row in rows:
            values = {
                "client": Text(row.client_name, style="bold" if row.overdue else ""),
                "safety": Text("FLAG", style="bold reverse red") if row.safety_flag else "",
                "due": due_cell(row),
                "when": marker_cell(row),
                # Cut to the column with "…", so a cut label does not read as whole.
                "action": Text(row.next_item.label, no_wrap=True, overflow="ellipsis", end="")
                if row.next_item
                else Text("nothing due", style="dim"),
                "stage": vocab.STAGES.get(row.stage, row.stage),
                "goals": str(row.open_goals),
                "contact": contact_cell(row, today),
                "consent": Text(
                    CONSENT_LABELS.get(row.consent, row.consent),
                    style="bold red" if row.consent == "expired" else ("bold" if row.consent == "expiring" else ""),
                ),
                "worker": row.worker,
            }
            # typed text (names, goals, services) as plain cells, never markup
            table.add_row(*cells(*(values[key] for key in keys)), key=str(row.case_id))
        if cursor_case is not None and self.view == "cases" and str(cursor_case) in table.rows:
            table.move_cursor(row=table.get_row_index(str(cursor_case)))
        self.show_detail()

    @on(DataTable.RowHighlighted, "#cases")
    def show_detail(self) -> None:
        """On a narrow screen: the highlighted case's facts the four columns leave out."""
        detail = self.query_one("#detail", Static)
        detail.display = shown = self.compact and self.view == "cases"
        if not shown:
            return
        row = self.by_case.get(self.current_case_id() or -1)
        if row is None:
            detail.update("")
            return
        facts = [
            "SAFETY FLAG"
            if row.safety_flag
            else (row.next_item.urgency_label if row.next_item and row.next_item.urgency <= caseload.THIS_WEEK else ""),
            f"{row.open_goals} goal" + ("" if row.open_goals == 1 else "s"),
            f"contact {contact_cell(row, self.app.today)}",
            f"consent {CONSENT_LABELS.get(row.consent, row.consent).lower()}",
            row.worker,
        ]
        detail.update(" · ".join(fact for fact in facts if fact))

    def _add_other_rows(self, table: DataTable, rows: list) -> None:
        for row in rows:
            if self.view == SHOW_CLOSED:
                values = (
                    row.client_name,
                    f"{row.closed_on:%Y-%m-%d}",
                    Text(row.reason or "not recorded", style="" if row.reason else "dim"),
                    f"{row.opened_on:%Y-%m-%d}",
                    row.program,
                    row.worker,
                )
                key = f"closed-{row.case_id}"
            else:
                saved = row.saved_at.astimezone()  # the worker's own clock
                values = (row.client_name, row.what, f"{saved:%Y-%m-%d %H:%M}", row.worker)
                key = f"draft-{row.draft_id}"
            table.add_row(*cells(*values), key=key)

    def summary_text(self, rows: list) -> str:
        if self.view != "cases":
            return self.other_summary(rows)
        scope = self.scope_rows()
        text = self.loaded.summary(scope) if self.loaded else ""
        if self.day_counts and self.loaded is not None and self.loaded.complete:
            text = f"{self.day_counts} · {text}"
        if len(rows) != len(scope):
            text += f" · {len(rows)} shown"
        if len(rows) > ROW_LIMIT:
            text += f" (the first {ROW_LIMIT}: type a name or filter to narrow)"
        if self.filters["show"] == SHOW_WEEK:
            text += " · showing cases overdue or with something due this week"
        elif self.filters["show"] == SHOW_OVERDUE:
            text += " · showing overdue cases"
        if not scope and self.filters["worker"] == MINE:
            text += (
                f" · no open cases for {self.app.worker_name}: "
                f"press {key_text(self.app, 'caseload.all-workers')} for all workers"
            )
        return text

    def other_summary(self, rows: list) -> str:
        if self.view not in self.other_rows:
            return "Reading the closed cases…" if self.view == SHOW_CLOSED else "Reading the intake drafts…"
        every = len(self.other_rows[self.view])
        worker = self.filters["worker"]
        whose = "yours" if worker == MINE else "every worker's" if worker == EVERYONE else f"{worker}'s"
        enter = key_text(self.app, "caseload.open")
        if self.view == SHOW_CLOSED:
            cases = "closed case" if every == 1 else "closed cases"
            text = f"{every} {cases} ({whose}) · {enter} opens one read-only"
        else:
            drafts = "unfinished intake or reassessment" if every == 1 else "unfinished intakes and reassessments"
            text = f"{every} {drafts} ({whose}) · {enter} resumes one of yours"
        if len(rows) != every:
            text += f" · {len(rows)} shown"
        if len(rows) > ROW_LIMIT:
            text += f" (the first {ROW_LIMIT}: type a name to narrow)"
        return text

    # Handlers by name rather than @on(Input.Changed...): Input and Select are imported only
    # once the first frame is shown (mount_filters). The filters are this screen's only ones.
    def on_input_changed(self, event) -> None:
        if event.input.id == "name":
            self.set_filter("name", event.value)

    def on_input_submitted(self, event) -> None:
        if event.input.id != "name":
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self.apply_filters()
        self.query_one("#cases", DataTable).focus()

    def on_select_changed(self, event) -> None:
        if event.select.id in self.filters:
            self.set_filter(event.select.id, event.value)

    # --- actions -------------------------------------------------------------------------

    def current_key(self) -> str | None:
        table = self.query_one("#cases", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def current_case_id(self) -> int | None:
        """The highlighted open case (None in the closed and drafts views)."""
        key = self.current_key()
        return int(key) if key is not None and key.isdigit() else None

    @on(DataTable.RowSelected, "#cases")
    def action_open_client(self) -> None:
        key = self.current_key()
        if key is None:
            return
        if key.isdigit():
            self.app.open_client(self.by_case[int(key)].client_id)
        elif key.startswith("closed-"):
            closed = {f"closed-{row.case_id}": row for row in self.other_rows.get(SHOW_CLOSED, [])}
            self.app.open_client(closed[key].client_id)  # the client screen shows a closed case read-only
        else:
            draft = {f"draft-{row.draft_id}": row for row in self.other_rows.get(SHOW_DRAFTS, [])}[key]
            if draft.worker != self.app.worker_name:
                # Drafts are each worker's own: the intake offers only yours to resume.
                self.notify(f"This draft is {draft.worker}'s: only they can resume it.", title="Not yours")
                return
            self.app.open_intake(draft.case_id)  # the intake offers the draft to resume

    def action_sort_next(self) -> None:
        """Sort by the next column, ascending."""
        keys = [key for _label, key, _width in self.columns_of_view(self.view)]
        column, _descending = self.sorts[self.view]
        self.sorts[self.view] = (keys[(keys.index(column) + 1) % len(keys)], False)
        self.rebuild_columns(force=True)

    def action_sort_reverse(self) -> None:
        column, descending = self.sorts[self.view]
        self.sorts[self.view] = (column, not descending)
        self.rebuild_columns(force=True)

    def action_focus_filter(self) -> None:
        # Letters typed right after "/" (before the name filter has focus, or is even mounted:
        # type-ahead at start-up) still go into it.
        self._typing_ahead = True
        if (name := self.filter_widget("name")) is not None:
            name.focus()

    def on_key(self, event) -> None:
        if self._typing_ahead and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.set_filter("name", self.filters["name"] + event.character)

    def on_descendant_focus(self, event) -> None:
        if self._typing_ahead:
            self._typing_ahead = False
            name = self.filter_widget("name")
            if event.widget is name:
                name.cursor_position = len(name.value)

    def action_show(self, what: str) -> None:
        self.set_filter("show", SHOW_ALL if self.filters["show"] == what else what)

    def action_toggle_workers(self) -> None:
        self.set_filter("worker", EVERYONE if self.filters["worker"] == MINE else MINE)

    def action_clear_filters(self) -> None:
        self.set_filter("name", "")
        self.set_filter("show", SHOW_ALL)
        self.set_filter("stage", ALL_STAGES)
        self.query_one("#cases", DataTable).focus()

    def action_today(self) -> None:
        self.app.open_today()

    def action_new_appointment(self) -> None:
        """An appointment with the highlighted client (the form says whom)."""
        from casetui.screens.client_appointments import new_appointment  # services: not at start-up

        row = self.by_case.get(self.current_case_id() or -1)
        if row is None:
            self.notify("Highlight an open case first.", severity="warning")
            return
        last, _comma, first = row.client_name.partition(", ")
        new_appointment(self, row.case_id, f"{first} {last}".strip())

    def action_new_client(self) -> None:
        self.app.open_intake()

    def action_refresh(self) -> None:
        self.load()
