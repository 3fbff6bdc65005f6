"""Everything the client record screen shows, read in one go (a dozen small queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from casetui.data.domain import vocab
from casetui.data.services import appointments, cases, clients, corrections, households, notes, referrals, settings
from casetui.data.services import consent as consents
from casetui.data.services import documents as case_documents
from casetui.data.storage.models import (
    Assessment,
    AssessmentNeed,
    Case,
    Client,
    Consent,
    Correction,
    Document,
    Goal,
    Note,
    NoteAddendum,
    Referral,
    StageChange,
)

NEED_THRESHOLD = 2  # Self-Sufficiency Matrix: 1 in crisis, 2 vulnerable


@dataclass
class StageStep:
    stage: str
    label: str
    entered_on: date | None  # the last time the case entered this stage; None if never
    current: bool


@dataclass
class OpenNeed:
    domain: str
    label: str
    score: int | None
    score_label: str
    wants_goal: bool
    note: str | None


@dataclass
class AssessmentRow:
    assessment: Assessment
    needs: int  # domains scored at or under NEED_THRESHOLD, or wanting a goal


@dataclass
class ClientRecord:
    client: Client
    case: Case | None  # the open case, else the latest one
    timeline: list[StageStep] = field(default_factory=list)
    open_needs: list[OpenNeed] = field(default_factory=list)
    assessments: list[AssessmentRow] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    consents: list[tuple[Consent, str]] = field(default_factory=list)  # with consent.status()
    documents: list[Document] = field(default_factory=list)
    last_contact_on: date | None = None
    age: int | None = None
    no_shows: int = 0  # appointments the client missed
    # Entries marked entered in error, by (entity, id): shown struck through, counted nowhere.
    corrections: dict[tuple[str, int], Correction] = field(default_factory=dict)
    addenda: dict[int, list[NoteAddendum]] = field(default_factory=dict)  # by note id, oldest first
    stage_changes: list[StageChange] = field(default_factory=list)  # oldest first
    household: list[households.MemberRow] = field(default_factory=list)
    household_size: int | None = None  # from the members when recorded

    def correction(self, entity: str, entity_id: int) -> Correction | None:
        return self.corrections.get((entity, entity_id))

    @property
    def read_only(self) -> bool:
        return self.case is None or self.case.closed_on is not None


def stage_timeline(history: list[StageChange], current: str) -> list[StageStep]:
    """The stages with the day each was last entered. A case reopened after closing does not
    show closure as done: "Closed" and "Reopened" (the days of the last closing and reopening)
    follow the stages it went through, and closure is still to come."""
    entered: dict[str, date] = {}
    closed_on = reopened_on = None
    for change in history:
        entered[change.to_stage] = change.changed_on
        if change.to_stage == "closure":
            closed_on, reopened_on = change.changed_on, None
        elif change.from_stage == "closure":
            reopened_on = change.changed_on
    steps = [StageStep(code, label, entered.get(code), code == current) for code, label in vocab.STAGES.items()]
    if reopened_on is None or current == "closure":
        return steps
    closure = steps.pop()
    closure.entered_on = None
    return [
        *steps,
        StageStep("closed", "Closed", closed_on, False),
        StageStep("reopened", "Reopened", reopened_on, False),
        closure,
    ]


def open_needs_of(needs: list[AssessmentNeed]) -> list[OpenNeed]:
    """Domains scored in crisis or vulnerable, or that the client wants a goal for; worst first."""
    found = [need for need in needs if need.wants_goal or (need.score is not None and need.score <= NEED_THRESHOLD)]
    found.sort(key=lambda need: (need.score if need.score is not None else 9, need.domain))
    return [
        OpenNeed(
            need.domain,
            vocab.DOMAINS.get(need.domain, need.domain),
            need.score,
            vocab.SSM_SCALE.get(need.score, "not scored"),
            need.wants_goal,
            need.note,
        )
        for need in found
    ]


def client_record(session: Session, client_id: int, today: date) -> ClientRecord:
    client = clients.get_client(session, client_id)
    case = cases.current_case(session, client_id)
    record = ClientRecord(client=client, case=case, age=clients.age_on(client, today))
    record.corrections = corrections.corrections_of_client(session, client_id)
    record.household = households.members(session, client_id, today)
    record.household_size = households.household_size(client, record.household)
    warning_days = settings.get_int(session, "consent_warning_days")
    record.consents = [
        (item, consents.status(item, today, warning_days))
        for item in consents.list_consents(session, client_id, with_in_error=True)
    ]
    if case is None:
        return record
    record.stage_changes = cases.stage_history(session, case.id)
    history = [change for change in record.stage_changes if record.correction("stage_change", change.id) is None]
    record.timeline = stage_timeline(history, case.stage)
    assessments = list(
        session.exec(
            select(Assessment)
            .where(Assessment.case_id == case.id)
            .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
        )
    )
    needs_by_assessment: dict[int, list[AssessmentNeed]] = {}
    if assessments:
        for need in session.exec(
            select(AssessmentNeed).where(AssessmentNeed.assessment_id.in_([a.id for a in assessments]))
        ):
            needs_by_assessment.setdefault(need.assessment_id, []).append(need)
        valid = [a for a in assessments if record.correction("assessment", a.id) is None]
        if valid:
            record.open_needs = open_needs_of(needs_by_assessment.get(valid[0].id, []))
    record.assessments = [AssessmentRow(a, len(open_needs_of(needs_by_assessment.get(a.id, [])))) for a in assessments]
    record.goals = list(session.exec(select(Goal).where(Goal.case_id == case.id).order_by(Goal.due_on, Goal.id)))
    record.notes = notes.list_notes(session, case.id)
    noted = next(
        (
            note.occurred_on
            for note in record.notes
            if note.kind != "note" and record.correction("note", note.id) is None
        ),
        None,
    )
    # An appointment attended is a contact too, note or not.
    record.last_contact_on = max(filter(None, (noted, appointments.last_attended_on(session, case.id))), default=None)
    record.no_shows = appointments.no_show_count(session, client_id)
    record.addenda = notes.addenda_of(session, [note.id for note in record.notes if note.signed_at is not None])
    record.referrals = referrals.list_referrals(session, case.id, with_in_error=True)
    record.documents = case_documents.list_documents(session, case.id)
    return record
