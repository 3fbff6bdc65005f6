"""One client's record: overview, assessments, goals, notes, referrals, consents, documents, appointments, contacts.

Entries marked entered in error stay in their lists, struck through, with who, when and why
under the list; ``m`` marks the highlighted entry of the tab in view (on the overview: the
latest stage change)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Header,
    Input,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from casetui.data.domain import vocab
from casetui.data.domain.errors import CaseClosedError, ValidationError
from casetui.data.services import cases, clients, consent, corrections, goals, households, notes, referrals
from casetui.data.services.client_record import ClientRecord, client_record
from casetui.keys import key_text
from casetui.screens import ReloadOnReturn
from casetui.screens.client_appointments import ClientAppointments, new_appointment, new_task
from casetui.screens.client_documents import DocumentsPane
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.contact_log import ContactLogView
from casetui.widgets.correction_form import correction_form
from casetui.widgets.date_field import DateField
from casetui.widgets.fields import FormField
from casetui.widgets.footer import KeyFooter
from casetui.widgets.form_dialog import FormDialog
from casetui.widgets.household import HouseholdPanel
from casetui.widgets.note_form import NoteForm
from casetui.widgets.plain import Plain, cells

TABS = ("overview", "assessments", "goals", "notes", "referrals", "consents", "documents", "appointments", "contacts")
# The entry kind (corrections.KINDS) each tab's table lists, for "mark entered in error".
TAB_ENTITIES = {
    "assessments": ("assessment", "assessments-table"),
    "goals": ("goal", "goals-table"),
    "notes": ("note", "notes-table"),
    "referrals": ("referral", "referrals-table"),
    "consents": ("consent", "consents-table"),
    "contacts": ("note", "contacts-table"),
}
IN_ERROR = "strike dim"
CONSENT_STATUS = {
    "current": "Current",
    "expiring": "Expiring soon",
    "expired": "Expired",
    "revoked": "Revoked",
    "not_yet": "Not yet in force",
}


def _day(value) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def _one_line(text: str | None, width: int = 70) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _struck(row: tuple, correction) -> tuple:
    """A row of an entry entered in error: every cell struck through and dimmed."""
    if correction is None:
        return row
    return tuple(
        Text(value.plain if isinstance(value, Text) else str(value), style=IN_ERROR, no_wrap=True, end="")
        for value in row
    )


def note_status(note, correction) -> str:
    if correction is not None:
        return "In error"
    status = "Signed" if note.signed_at is not None else "Draft"
    return f"Late, {status.lower()}" if note.late_entry else status


# What acts on the record shown: nothing to act on until it is read.
RECORD_ACTIONS = {
    "show_tab",
    "add_note",
    "change_stage",
    "edit_client",
    "safety_followup",
    "reassess",
    "goals",
    "find_resources",
    "referral_outcome",
    "record_consent",
    "revoke_consent",
    "discharge",
    "new_appointment",
    "new_task",
    "mark_in_error",
    "sign_note",
    "addendum",
    "add_household_member",
}


class ClientScreen(ReloadOnReturn, ServiceCalls, Screen):
    CSS_PATH = "client.tcss"
    HELP_TITLE = "Client record"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="client.back"),
        Binding("n", "add_note", "Note", id="client.note"),
        Binding("s", "change_stage", "Stage", id="client.stage"),
        Binding("e", "edit_client", "Edit", id="client.edit"),
        Binding("x", "safety_followup", "Safety", id="client.safety"),
        Binding("a", "reassess", "Reassess", id="client.reassess"),
        Binding("g", "goals", "Goals", id="client.goals"),
        Binding("f", "find_resources", "Resources", id="client.resources"),
        Binding("o", "referral_outcome", "Outcome", id="client.outcome"),
        Binding("k", "record_consent", "Consent", id="client.consent"),
        Binding("v", "revoke_consent", "Revoke", id="client.revoke-consent"),
        Binding("d", "discharge", "Discharge", id="client.discharge"),
        Binding("p", "new_appointment", "Appointment", id="client.new-appointment"),
        Binding("t", "new_task", "Task", id="client.new-task"),
        Binding(
            "m",
            "mark_in_error",
            "In error",
            tooltip="Mark the highlighted entry entered in error",
            show=False,
            id="client.in-error",
        ),
        Binding(
            "i",
            "sign_note",
            "Sign",
            tooltip="Sign the highlighted note (it is read-only then)",
            show=False,
            id="client.sign",
        ),
        Binding(
            "u",
            "addendum",
            "Addendum",
            tooltip="Add an addendum to the highlighted signed note",
            show=False,
            id="client.addendum",
        ),
        Binding(
            "h",
            "add_household_member",
            "Household",
            tooltip="Add a household member",
            show=False,
            id="client.household",
        ),
        *[
            Binding(str(number), f"show_tab('{tab}')", f"{tab.capitalize()} tab", show=False, id=f"client.tab-{tab}")
            for number, tab in enumerate(TABS, start=1)
        ],
    ]

    def __init__(self, client_id: int):
        super().__init__()
        self.client_id = client_id
        self.record: ClientRecord | None = None
        self.note_format = "narrative"  # the agency's default (settings), read with the record

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="client-title")
        yield Static("", id="banner")
        with TabbedContent(id="tabs", initial="overview"):
            with TabPane("1 Overview", id="overview"):
                with VerticalScroll(id="overview-scroll"):
                    with Horizontal(id="overview-top"):
                        yield Static("", id="demographics", classes="panel")
                        yield Static("", id="safety", classes="panel")
                    yield Static("", id="timeline", classes="panel")
                    yield Static("", id="needs", classes="panel")
                    yield Static("", id="goal-progress", classes="panel")
                    yield HouseholdPanel("", id="household", classes="panel")
            with TabPane("2 Assess", id="assessments"):
                yield self._table("assessments-table", "Date", "Kind", "Worker", "Open needs", "Referral source")
            with TabPane("3 Goals", id="goals"):
                yield self._table("goals-table", "Due", "Status", "Achievement", "Goal", "Measure")
            with TabPane("4 Notes", id="notes"):
                with Vertical():
                    yield self._table("notes-table", "Date", "Type", "Minutes", "Worker", "Status", "Note")
                    yield Plain("", id="note-text")
            with TabPane("5 Referral", id="referrals"):
                yield self._table(
                    "referrals-table", "Referred", "Service", "Provider", "Status", "Follow up", "Outcome"
                )
            with TabPane("6 Consent", id="consents"):
                yield self._table("consents-table", "Recipient", "Scope", "Signed", "Expires", "Status")
            with TabPane("7 Docs", id="documents"):
                yield DocumentsPane()
            with TabPane("8 Appts", id="appointments"):
                yield ClientAppointments(id="client-appointments")
            # Built when first shown (``show_contacts``): opening the record does not wait for it.
            yield TabPane("9 Log", id="contacts")
        # Under the list in view: the highlighted entry's correction, when it was entered in error.
        yield Plain("", id="entry-detail")
        yield KeyFooter()

    @staticmethod
    def _table(table_id: str, *columns: str) -> DataTable:
        table = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
        table.add_columns(*columns)
        return table

    # --- loading -------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.load(opening=True)

    def load(self, *, opening: bool = False) -> None:
        """Read the record (fast: a dozen small queries) and fill every section; ``opening``
        also writes the audit trail's "opened" row, in the same transaction."""
        client_id, today = self.client_id, self.app.today

        def read(session):
            if opening:
                clients.record_opened(session, client_id)
            record = client_record(session, client_id, today)
            # Goals at a glance: each open goal's progress and whether it is on track today.
            summaries = goals.goal_summaries(session, record.case.id, today) if record.case is not None else []
            return record, summaries, notes.default_format(session)

        self.call_service(read, lambda loaded: self.show_record(*loaded), group="load", exclusive=True)

    def show_record(self, record: ClientRecord, summaries: list, note_format: str = "narrative") -> None:
        self.record = record
        self.note_format = note_format
        self.refresh_bindings()
        client, case = record.client, record.case
        stage = vocab.STAGES.get(case.stage, case.stage) if case else "no case"
        age = f" · {record.age}" if record.age is not None else ""
        pronouns = f" · {client.pronouns}" if client.pronouns else ""
        case_text = f" · case {case.id} · {case.program} · {stage} · worker {case.worker}" if case else ""
        # Typed text goes in as template values: Textual would read "[...]" in it as markup.
        self.query_one("#client-title", Static).update(
            Content.from_markup("[b]$name[/]$rest", name=client.sort_name, rest=f"{age}{pronouns}{case_text}")
        )
        banner = self.query_one("#banner", Static)
        if case is None:
            banner.update("This client has no case. Start one with an intake.")
        elif case.closed_on:
            banner.update(f"Case closed on {case.closed_on:%Y-%m-%d}: this record is read-only.")
        banner.display = record.read_only
        self.sub_title = client.sort_name
        self.show_overview(record)
        self.show_goal_progress(summaries)
        self.show_assessments(record)
        self.show_goals(record)
        self.show_notes(record)
        self.show_referrals(record)
        self.show_consents(record)
        self.show_documents(record)
        self.query_one(ClientAppointments).load(self.client_id)
        self.load_contacts()
        self.refresh_bindings()

    def show_overview(self, record: ClientRecord) -> None:
        client = record.client
        facts = [
            ("Preferred name", client.preferred_name),
            ("Date of birth", _day(client.date_of_birth)),
            ("Gender", vocab.GENDERS.get(client.gender or "", client.gender)),
            ("Pronouns", client.pronouns),
            ("Language", (client.language or "") + (" (interpreter)" if client.interpreter_needed else "")),
            ("Phone", client.phone),
            ("Email", client.email),
            ("Address", ", ".join(filter(None, (client.address, client.city, client.postal_code)))),
            ("Household", str(record.household_size) if record.household_size else None),
            ("Veteran", "yes" if client.veteran else None),
            ("Last contact", _day(record.last_contact_on) or "none recorded"),
            ("No-shows", str(record.no_shows) if record.no_shows else None),
        ]
        lines = [f"{label:<15}{value}" for label, value in facts if value]
        self.query_one("#household", HouseholdPanel).show(
            record.household, record.household_size, key_text(self.app, "client.household")
        )
        self.query_one("#demographics", Static).update(
            Content.from_markup("[b]Client[/]\n$facts", facts="\n".join(lines))
        )

        safety = self.query_one("#safety", Static)
        case = record.case
        if case is not None and case.safety_flag:
            safety.update(
                Content.from_markup(
                    "[b]SAFETY FLAG[/]\n$reason\n\nAwaiting follow-up: press $key to record it.",
                    reason=case.safety_flag_reason or "Raised at assessment",
                    key=key_text(self.app, "client.safety"),
                )
            )
            safety.set_class(True, "-flagged")
        else:
            followed = (
                f"\nLast follow-up {case.safety_followup_on:%Y-%m-%d}" if case and case.safety_followup_on else ""
            )
            safety.update(f"[b]Safety[/]\nNo flag awaiting follow-up.{followed}")
            safety.set_class(False, "-flagged")

        steps = []
        for step in record.timeline:
            when = _day(step.entered_on) or "—"
            mark = "●" if step.current else ("✓" if step.entered_on else "○")
            label = f"[b]{step.label}[/]" if step.current else step.label
            steps.append(f"{mark} {label} {when}")
        timeline = Content.from_markup("[b]Stages[/]\n" + ("  →  ".join(steps) if steps else "No case."))
        for change in record.stage_changes:
            if (correction := record.correction("stage_change", change.id)) is not None:
                timeline += Content.styled(
                    f"\nStage change {corrections.stage_label(change)}: {corrections.describe(correction)}", "dim"
                )
        self.query_one("#timeline", Static).update(timeline)

        if record.open_needs:
            needs = [
                f"{need.label:<22}{need.score if need.score is not None else '-'} {need.score_label}"
                + ("  · wants a goal" if need.wants_goal else "")
                for need in record.open_needs
            ]
            needs_text = "\n".join(needs)
        else:
            needs_text = "No open needs in the latest assessment." if record.assessments else "Not assessed yet."
        self.query_one("#needs", Static).update("[b]Open needs[/] (latest assessment, 1-5)\n" + needs_text)

    def show_goal_progress(self, summaries: list) -> None:
        """Goals at a glance on the overview (computed by the goals service from the progress entries)."""
        open_goals = [row for row in summaries if row["lifecycle"] in vocab.GOAL_LIFECYCLE_OPEN]
        track_colours = {
            "on_track": "$text-success",
            "achieved": "$text-success",
            "behind": "$text-warning",
            "overdue": "$text-error",
            "closed": "$text-muted",
        }
        lines = []
        for row in open_goals:
            filled = round(row["percent"] / 10)
            bar = "█" * filled + "[$text-muted]" + "░" * (10 - filled) + "[/]"
            track = f"[{track_colours[row['track']]}]{row['track_label']:<8}[/]"
            line = f"{bar} {row['percent']:3d}%  {track}  due {row['due_on']:%Y-%m-%d}  $goal"
            lines.append(Content.from_markup(line, goal=_one_line(row["statement"], 50)))
        body = Content("\n").join(lines) if lines else Content("No open goals.")
        heading = Content.from_markup(f"[b]Goals[/] ({len(open_goals)} open · g opens them)\n")
        self.query_one("#goal-progress", Static).update(heading + body)

    def _fill(self, table_id: str, rows: list[tuple], keys: list) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        cursor = table.cursor_row
        table.clear()
        for row, key in zip(rows, keys):
            table.add_row(*cells(*row), key=str(key))
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    def show_assessments(self, record: ClientRecord) -> None:
        self._fill(
            "assessments-table",
            [
                _struck(
                    (
                        _day(row.assessment.assessed_on),
                        row.assessment.kind.capitalize(),
                        row.assessment.worker,
                        str(row.needs),
                        row.assessment.referral_source or "",
                    ),
                    record.correction("assessment", row.assessment.id),
                )
                for row in record.assessments
            ],
            [row.assessment.id for row in record.assessments],
        )

    def show_goals(self, record: ClientRecord) -> None:
        today = self.app.today
        rows = []
        for goal in record.goals:
            overdue = goal.due_on < today and goal.lifecycle_status in vocab.GOAL_LIFECYCLE_OPEN
            correction = record.correction("goal", goal.id)
            rows.append(
                _struck(
                    (
                        Text(_day(goal.due_on), style="bold red" if overdue and correction is None else ""),
                        vocab.GOAL_LIFECYCLE.get(goal.lifecycle_status, goal.lifecycle_status),
                        vocab.GOAL_ACHIEVEMENT.get(goal.achievement_status or "", goal.achievement_status or ""),
                        _one_line(goal.statement, 50),
                        _one_line(goal.measure, 30),
                    ),
                    correction,
                )
            )
        self._fill("goals-table", rows, [goal.id for goal in record.goals])

    def show_notes(self, record: ClientRecord) -> None:
        self._fill(
            "notes-table",
            [
                _struck(
                    (
                        _day(note.occurred_on),
                        vocab.NOTE_KINDS.get(note.kind, note.kind),
                        str(note.duration_minutes) if note.duration_minutes is not None else "",
                        note.worker,
                        note_status(note, record.correction("note", note.id)),
                        _one_line(note.text, 60),
                    ),
                    record.correction("note", note.id),
                )
                for note in record.notes
            ],
            [note.id for note in record.notes],
        )
        self.show_note_text()

    def show_referrals(self, record: ClientRecord) -> None:
        today = self.app.today
        rows = []
        for referral in record.referrals:
            open_ = referral.status not in vocab.REFERRAL_CLOSED
            late = open_ and referral.follow_up_on is not None and referral.follow_up_on < today
            rows.append(
                _struck(
                    (
                        _day(referral.referred_on),
                        _one_line(referral.service_name, 34),
                        _one_line(referral.provider_name, 28),
                        vocab.REFERRAL_STATUSES.get(referral.status, referral.status),
                        Text(_day(referral.follow_up_on) if open_ else "", style="bold red" if late else ""),
                        referrals.outcome_words(referral),
                    ),
                    record.correction("referral", referral.id),
                )
            )
        self._fill("referrals-table", rows, [referral.id for referral in record.referrals])

    def show_consents(self, record: ClientRecord) -> None:
        rows = []
        for item, status in record.consents:
            style = "bold red" if status == "expired" else ("bold" if status == "expiring" else "")
            correction = record.correction("consent", item.id)
            rows.append(
                _struck(
                    (
                        _one_line(item.recipient, 34),
                        vocab.CONSENT_SCOPES.get(item.scope, item.scope),
                        _day(item.signed_on),
                        _day(item.expires_on) or "no expiry",
                        Text("In error" if correction else CONSENT_STATUS.get(status, status), style=style),
                    ),
                    correction,
                )
            )
        self._fill("consents-table", rows, [item.id for item, _status in record.consents])

    def show_documents(self, record: ClientRecord) -> None:
        self.query_one(DocumentsPane).show(record)

    @on(DataTable.RowHighlighted, "#notes-table")
    def show_note_text(self) -> None:
        note_id = self.selected("notes-table")
        note = next((n for n in self.record.notes if n.id == note_id), None) if self.record else None
        self.query_one("#note-text", Static).update(
            self.note_words(note) if note else f"No notes yet: press {key_text(self.app, 'client.note')} to add one."
        )

    def note_words(self, note) -> str:
        """The whole note as the record shows it: status, contact, text, addenda, any correction."""
        record = self.record
        correction = record.correction("note", note.id)
        if note.signed_at is not None:
            status = f"Signed by {note.worker} on {note.signed_at:%Y-%m-%d}."
        else:
            status = f"Draft by {note.worker}: Enter edits it, {key_text(self.app, 'client.sign')} signs it."
        lines = []
        if correction is not None:
            lines.append(corrections.describe(correction))
        if note.late_entry:
            lines.append(f"Late entry: contact on {_day(note.occurred_on)}, written on {_day(note.written_on)}.")
        contact = [
            vocab.NOTE_KINDS.get(note.kind, note.kind),
            note.start_time and f"at {note.start_time}",
            note.duration_minutes is not None and f"{note.duration_minutes} min",
            note.place and f"place: {note.place}",
            note.participants and f"with: {note.participants}",
            note.note_format != "narrative"
            and vocab.NOTE_FORMATS.get(note.note_format, note.note_format).split(" ")[0],
        ]
        lines.append(" · ".join(str(part) for part in contact if part) + f" · {status}")
        lines.append(note.text)
        for addendum in record.addenda.get(note.id, []):
            lines.append(f"Addendum {addendum.written_at:%Y-%m-%d %H:%M} by {addendum.worker}: {addendum.text}")
        return "\n".join(lines)

    @on(DataTable.RowHighlighted, "#assessments-table, #goals-table, #referrals-table, #consents-table")
    @on(TabbedContent.TabActivated)
    def show_entry_detail(self) -> None:
        """Under the list in view, the highlighted entry's correction, if it was entered in error
        (the notes tab says it in the note's own text)."""
        tab = self.query_one("#tabs", TabbedContent).active
        correction = None
        if self.record is not None and tab in TAB_ENTITIES and tab not in ("notes", "contacts"):
            entity, table_id = TAB_ENTITIES[tab]
            entry_id = self.selected(table_id)
            correction = self.record.correction(entity, entry_id) if entry_id is not None else None
        detail = self.query_one("#entry-detail", Plain)
        detail.update(corrections.describe(correction) if correction else "")
        detail.display = correction is not None

    @on(DataTable.RowSelected, "#notes-table")
    def edit_highlighted_note(self) -> None:
        """Enter on a draft edits it; a signed note is read-only (an addendum corrects it)."""
        note = self.highlighted_note()
        if note is None:
            return
        if self.record.correction("note", note.id) is not None:
            self.notify("This note was marked entered in error: it cannot be changed.", severity="warning")
            return
        if note.signed_at is not None:
            self.notify(
                f"This note is signed and read-only: press {key_text(self.app, 'client.addendum')} to add an addendum.",
                severity="warning",
            )
            return
        if self.writable_case() is None:
            return
        values = {
            "occurred_on": _day(note.occurred_on),
            "start_time": note.start_time,
            "kind": note.kind,
            "duration_minutes": note.duration_minutes,
            "place": note.place,
            "participants": note.participants,
            "note_format": note.note_format,
        }
        if note.note_format == "narrative":
            values["text"] = note.text
        else:
            values.update({f"section_{code}": text for code, text in (note.sections or {}).items()})
        today, note_id = self.app.today, note.id
        self.open_note_form(
            "Edit the draft note",
            values,
            lambda session, form: notes.update_note(session, note_id, form, today),
            "Draft saved.",
        )

    def highlighted_note(self):
        note_id = self.selected("notes-table")
        return next((n for n in self.record.notes if n.id == note_id), None) if self.record else None

    # --- the contact log -----------------------------------------------------------------

    @on(TabbedContent.TabActivated, pane="#contacts")
    def show_contacts(self) -> None:
        pane = self.query_one("#contacts", TabPane)
        if not pane.query(ContactLogView):
            pane.mount(ContactLogView(self.app.today, id="contact-log"))  # it asks for its rows once mounted

    def load_contacts(self, wanted: ContactLogView.FilterChanged | None = None) -> None:
        case_id = self.case_id
        views = self.query(ContactLogView)
        if case_id is None or not views:
            return
        view = views.first()
        wanted = wanted or view.current_filter()
        self.call_service(
            lambda session: notes.contact_log(session, case_id, kind=wanted.kind, start=wanted.start, end=wanted.end),
            view.show,
            group="contacts",
            exclusive=True,
        )

    @on(ContactLogView.FilterChanged)
    def contact_filter_changed(self, event: ContactLogView.FilterChanged) -> None:
        self.load_contacts(event)

    # --- helpers for actions -------------------------------------------------------------

    def selected(self, table_id: str) -> int | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @property
    def case_id(self) -> int | None:
        return self.record.case.id if self.record and self.record.case else None

    def writable_case(self) -> int | None:
        """The case id if it can be changed; otherwise say why (the service's own words)."""
        if self.case_id is None:
            self.notify("This client has no case yet.", severity="warning")
            return None
        if self.record.case.is_closed:  # the service refuses it too; say so before a form is filled in
            self.notify(str(CaseClosedError()), severity="error", title="Read-only")
            return None
        return self.case_id

    def open_form(self, title: str, fields: list[FormField], save: Callable[[object, dict], object], done: str) -> None:
        """Show a form; ``save(session, values)`` calls the service. Reload when it saved."""

        def save_values(values: dict) -> None:
            with self.app.database.transaction() as session:
                save(session, values)

        def closed(saved: bool | None) -> None:
            if saved:
                self.notify(done)
                self.load()

        self.app.push_screen(FormDialog(title, save_values, fields=fields), closed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in RECORD_ACTIONS and self.record is None:
            return False  # the record is still being read: a key pressed at once waits for it
        return True

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    # --- writing actions -----------------------------------------------------------------

    def action_add_note(self) -> None:
        case_id = self.writable_case()
        if case_id is None:
            return
        today = self.app.today
        values = {"occurred_on": f"{today:%Y-%m-%d}", "kind": "visit", "note_format": self.note_format}
        self.open_note_form(
            "Add a note or contact",
            values,
            lambda session, form: notes.new_note(session, case_id, form, today),
            f"Note saved as a draft: {key_text(self.app, 'client.sign')} signs it.",
        )

    def open_note_form(self, title: str, values: dict, save: Callable[[object, dict], object], done: str) -> None:
        def save_values(form: dict) -> None:
            with self.app.database.transaction() as session:
                save(session, form)

        def closed(saved: bool | None) -> None:
            if saved:
                self.notify(done)
                self.load()

        self.app.push_screen(NoteForm(title, save_values, values), closed)

    def action_sign_note(self) -> None:
        if self.writable_case() is None:
            return
        self.action_show_tab("notes")
        note = self.highlighted_note()
        if note is None:
            self.notify("No note to sign.", severity="warning")
            return
        if self.record.correction("note", note.id) is not None:
            self.notify("This note was marked entered in error: it cannot be signed.", severity="warning")
            return
        if note.signed_at is not None:
            self.notify(f"This note was already signed on {note.signed_at:%Y-%m-%d}.", severity="warning")
            return
        note_id = note.id

        def signed(_note) -> None:
            self.notify("Note signed: it is read-only now.")
            self.load()

        self.call_service(lambda session: notes.sign_note(session, note_id), signed)

    def action_addendum(self) -> None:
        if self.writable_case() is None:
            return
        self.action_show_tab("notes")
        note = self.highlighted_note()
        if note is None:
            self.notify("No note to add to.", severity="warning")
            return
        if note.signed_at is None:
            self.notify("This note is a draft: press Enter to edit it instead.", severity="warning")
            return
        note_id = note.id
        self.open_form(
            f"Addendum to the note of {_day(note.occurred_on)} by {note.worker}",
            [FormField("Addendum", TextArea(id="text"), hint="dated and signed with your name; the note is unchanged")],
            lambda session, values: notes.add_addendum(session, note_id, values["text"]),
            "Addendum added.",
        )

    def action_add_household_member(self) -> None:
        if self.writable_case() is None:
            return
        self.action_show_tab("overview")
        today, client_id = self.app.today, self.client_id
        fields = [
            FormField("Name", Input(id="name", placeholder="First and last name")),
            FormField(
                "Relationship to the client",
                Select(
                    [(label, code) for code, label in vocab.HOUSEHOLD_RELATIONSHIPS.items()],
                    prompt="Choose a relationship",
                    id="relationship",
                ),
            ),
            DateField("Date of birth", Input(id="date_of_birth"), hint="if known"),
            FormField(
                "Client number",
                Input(id="member_client_id", type="integer"),
                hint="if they are a client too (found by name and date of birth when blank)",
            ),
        ]
        self.open_form(
            "Add a household member",
            fields,
            lambda session, values: households.add_member(
                session,
                client_id,
                name=values["name"],
                relationship=values["relationship"],
                date_of_birth=values["date_of_birth"],
                member_client_id=values["member_client_id"],
                today=today,
            ),
            "Household member added.",
        )

    def action_mark_in_error(self) -> None:
        if self.writable_case() is None:
            return
        tab = self.query_one("#tabs", TabbedContent).active
        record = self.record
        if tab == "overview":
            changes = [
                change
                for change in record.stage_changes
                if change.from_stage is not None and record.correction("stage_change", change.id) is None
            ]
            if not changes:
                self.notify(
                    "No stage change to mark in error (the opening of the case is not one).", severity="warning"
                )
                return
            change = changes[-1]
            self._mark("stage_change", change.id, "stage change", corrections.stage_label(change))
            return
        if tab not in TAB_ENTITIES:
            self.notify("Documents are not entries of the record: nothing to mark in error here.", severity="warning")
            return
        entity, table_id = TAB_ENTITIES[tab]
        entry_id = self.selected(table_id)
        if entry_id is None:
            self.notify("Nothing is highlighted to mark in error.", severity="warning")
            return
        if (earlier := record.correction(entity, entry_id)) is not None:
            self.notify(f"Already marked: {corrections.describe(earlier)}", severity="warning")
            return
        self._mark(entity, entry_id, corrections.KINDS[entity].label, self.entry_words(entity, entry_id))

    def entry_words(self, entity: str, entry_id: int) -> str:
        """The highlighted entry in a few words, for the form that marks it."""
        record = self.record
        if entity == "note":
            note = next((n for n in record.notes if n.id == entry_id), None)
            if note is None:
                return "A contact"
            return (
                f"{vocab.NOTE_KINDS.get(note.kind, note.kind)} on {_day(note.occurred_on)}: {_one_line(note.text, 60)}"
            )
        if entity == "assessment":
            row = next(r for r in record.assessments if r.assessment.id == entry_id)
            return f"{row.assessment.kind.capitalize()} assessment of {_day(row.assessment.assessed_on)}"
        if entity == "goal":
            goal = next(g for g in record.goals if g.id == entry_id)
            return f"Goal: {_one_line(goal.statement, 60)}"
        if entity == "referral":
            referral = next(r for r in record.referrals if r.id == entry_id)
            return f"Referral of {_day(referral.referred_on)} to {_one_line(referral.service_name, 50)}"
        item = next(c for c, _status in record.consents if c.id == entry_id)
        return f"Consent to {_one_line(item.recipient, 50)} signed {_day(item.signed_on)}"

    def _mark(self, entity: str, entry_id: int, what: str, words: str) -> None:
        def save(values: dict) -> None:
            with self.app.database.transaction() as session:
                corrections.mark_in_error(session, entity, entry_id, values["reason"])

        def closed(saved: bool | None) -> None:
            if saved:
                self.notify(f"The {what} is marked entered in error; it stays in the record.")
                self.load()

        self.app.push_screen(correction_form(what, words, save), closed)

    def action_change_stage(self) -> None:
        case_id = self.writable_case()
        if case_id is None:
            return
        current, version = self.record.case.stage, self.record.case.version
        options = [(label, code) for code, label in vocab.STAGES.items() if code != current]
        fields = [
            FormField("Move to stage", Select(options, id="stage", prompt="Choose a stage")),
            FormField("Reason", Input(id="reason", placeholder="Why the case moves on (kept in the record)")),
        ]

        def save(session, values):
            if values["stage"] == "closure":
                raise ValidationError("stage", "A case closes through the discharge wizard: use d to discharge.")
            cases.change_stage(
                session, case_id, values["stage"], values["reason"], self.app.today, expected_version=version
            )

        self.open_form(f"Change stage (now {vocab.STAGES.get(current, current)})", fields, save, "Stage changed.")

    def action_safety_followup(self) -> None:
        case_id = self.writable_case()
        if case_id is None:
            return
        if not self.record.case.safety_flag:
            self.notify("This case has no safety flag to follow up.", severity="warning")
            return
        today = self.app.today
        fields = [
            DateField("Follow-up date", Input(value=f"{today:%Y-%m-%d}", id="followed_up_on")),
            FormField("What was done", TextArea(id="note")),
        ]
        version = self.record.case.version
        self.open_form(
            "Record the safety follow-up",
            fields,
            lambda session, values: cases.record_safety_followup(
                session, case_id, values["followed_up_on"], values["note"], today, expected_version=version
            ),
            "Safety follow-up recorded.",
        )

    def action_referral_outcome(self) -> None:
        case_id = self.writable_case()
        if case_id is None:
            return
        referral_id = self.selected("referrals-table")
        if referral_id is None:
            self.notify(
                f"No referral to update: press {key_text(self.app, 'client.resources')} to find a resource and refer.",
                severity="warning",
            )
            return
        self.action_show_tab("referrals")
        today = self.app.today
        fields = [
            FormField(
                "Outcome",
                Select(
                    [(label, code) for code, label in vocab.REFERRAL_STATUSES.items() if code != "sent"],
                    id="status",
                    prompt="Choose an outcome",
                ),
            ),
            DateField("Outcome date", Input(value=f"{today:%Y-%m-%d}", id="outcome_on")),
            FormField("Reason", Input(id="reason"), hint="required when declined or a no-show"),
        ]
        referral = next(r for r in self.record.referrals if r.id == referral_id)
        self.open_form(
            f"Outcome of the referral to {referral.service_name}",
            fields,
            lambda session, values: referrals.record_outcome(
                session,
                referral_id,
                status=values["status"],
                outcome_on=values["outcome_on"],
                reason=values["reason"],
                today=today,
                expected_version=referral.version,
            ),
            "Referral outcome recorded.",
        )

    def action_record_consent(self) -> None:
        if self.writable_case() is None:
            return
        today = self.app.today
        fields = [
            FormField("Recipient", Input(id="recipient", placeholder="Who may receive information")),
            FormField(
                "Scope",
                Select(
                    [(label, code) for code, label in vocab.CONSENT_SCOPES.items()],
                    id="scope",
                    prompt="What may be shared",
                ),
            ),
            DateField("Signed on", Input(value=f"{today:%Y-%m-%d}", id="signed_on")),
            DateField("Expires on", Input(id="expires_on"), hint="blank for none"),
        ]
        self.open_form(
            "Record a consent (release of information)",
            fields,
            lambda session, values: consent.record_consent(
                session,
                self.client_id,
                recipient=values["recipient"],
                scope=values["scope"],
                signed_on=values["signed_on"],
                expires_on=values["expires_on"],
                today=today,
            ),
            "Consent recorded.",
        )

    def action_revoke_consent(self) -> None:
        if self.writable_case() is None:
            return
        consent_id = self.selected("consents-table")
        if consent_id is None:
            self.notify("No consent to revoke.", severity="warning")
            return
        self.action_show_tab("consents")
        item = next(c for c, _status in self.record.consents if c.id == consent_id)
        today = self.app.today
        fields = [
            DateField("Revoked on", Input(value=f"{today:%Y-%m-%d}", id="revoked_on")),
            FormField("Reason", Input(id="reason")),
        ]
        self.open_form(
            f"Revoke the consent to {item.recipient}",
            fields,
            lambda session, values: consent.revoke_consent(
                session, consent_id, revoked_on=values["revoked_on"], reason=values["reason"], today=today
            ),
            "Consent revoked.",
        )

    def action_edit_client(self) -> None:
        if self.record.case is not None and self.writable_case() is None:  # a closed case is read-only
            return
        client = self.record.client
        version = client.version
        today = self.app.today
        text_fields = [
            ("first_name", "First name"),
            ("last_name", "Last name"),
            ("preferred_name", "Preferred name"),
            ("date_of_birth", "Date of birth"),
            ("pronouns", "Pronouns"),
            ("language", "Language"),
            ("phone", "Phone"),
            ("email", "Email"),
            ("address", "Address"),
            ("city", "City"),
            ("postal_code", "Postal code"),
            ("household_size", "Household size"),
        ]
        fields = []
        for name, label in text_fields:
            value = getattr(client, name)
            if name == "date_of_birth":
                value = _day(value)
            field = DateField if name == "date_of_birth" else FormField
            fields.append(field(label, Input(value="" if value is None else str(value), id=name)))
        fields.insert(
            4,
            FormField(
                "Gender",
                Select(
                    [(label, code) for code, label in vocab.GENDERS.items()],
                    value=client.gender or Select.NULL,
                    id="gender",
                ),
            ),
        )
        self.open_form(
            "Edit the client's details",
            fields,
            lambda session, values: clients.update_client(
                session, self.client_id, values, today, expected_version=version
            ),
            "Client details saved.",
        )

    def action_new_appointment(self) -> None:
        if (case_id := self.writable_case()) is not None:
            new_appointment(self, case_id, self.record.client.display_name)

    def action_new_task(self) -> None:
        if (case_id := self.writable_case()) is not None:
            new_task(self, case_id, self.record.client.display_name)

    # --- opening other workflows ---------------------------------------------------------

    def action_reassess(self) -> None:
        if (case_id := self.writable_case()) is not None:
            self.app.open_intake(case_id)

    def action_goals(self) -> None:
        if self.case_id is not None:
            self.app.open_goals(self.case_id)

    def action_find_resources(self) -> None:
        if (case_id := self.writable_case()) is not None:
            self.app.open_resources(case_id)

    def action_discharge(self) -> None:
        # Also on a closed case: the wizard then shows the final record and offers to reopen.
        if self.case_id is None:
            self.notify("This client has no case yet.", severity="warning")
            return
        self.app.open_discharge(self.case_id)
