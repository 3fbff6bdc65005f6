"""The whole casetui schema in one place.

Conventions: ``*_on`` columns are dates, ``*_at`` columns are UTC datetimes. List-valued fields
(domains, languages, populations) are JSON arrays of the codes in ``vocab``. Rows that two
workers may edit at once carry a ``version`` counter for optimistic concurrency.
Resource tables follow Open Referral HSDS names (organization, service, location,
service_at_location, phone) so imports and exports map one to one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json_list() -> list:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Meta(SQLModel, table=True):
    """Identifies a casetui database and its schema version."""

    __tablename__ = "casetui_meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str


class Setting(SQLModel, table=True):
    """Agency and user settings kept with the data (no-contact days, retention years, ...)."""

    __tablename__ = "setting"
    key: str = Field(primary_key=True, max_length=64)
    value: str


# --- People and cases -------------------------------------------------------------------


class Client(SQLModel, table=True):
    __tablename__ = "client"
    id: int | None = Field(default=None, primary_key=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    preferred_name: str | None = Field(default=None, max_length=100)
    date_of_birth: date | None = None
    gender: str | None = Field(default=None, max_length=32)
    pronouns: str | None = Field(default=None, max_length=32)
    language: str | None = Field(default=None, max_length=64)
    interpreter_needed: bool = False
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    household_size: int | None = None
    household_notes: str | None = Field(default=None, sa_column=Column(Text))
    veteran: bool = False
    populations: list = _json_list()
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}".strip()

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.preferred_name or self.first_name}"


class Case(SQLModel, table=True):
    __tablename__ = "case_file"  # "case" is an SQL keyword
    __table_args__ = (Index("ix_case_file_open", "closed_on", "worker"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    program: str = Field(default="General case management", max_length=100)
    worker: str = Field(default="", max_length=100)
    stage: str = Field(default="engagement", max_length=20)
    opened_on: date
    closed_on: date | None = None
    next_review_on: date | None = None
    retention_until: date | None = None
    safety_flag: bool = False
    safety_flag_reason: str | None = Field(default=None, max_length=200)
    safety_followup_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


class StageChange(SQLModel, table=True):
    __tablename__ = "stage_change"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    from_stage: str | None = Field(default=None, max_length=20)
    to_stage: str = Field(max_length=20)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    changed_on: date
    worker: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


# --- Assessment ------------------------------------------------------------------------


class Assessment(SQLModel, table=True):
    __tablename__ = "assessment"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    kind: str = Field(default="intake", max_length=20)  # intake | reassessment
    assessed_on: date
    worker: str = Field(default="", max_length=100)
    referral_source: str | None = Field(default=None, max_length=200)
    referral_reason: str | None = Field(default=None, sa_column=Column(Text))
    client_words: str | None = Field(default=None, sa_column=Column(Text))
    strengths: str | None = Field(default=None, sa_column=Column(Text))
    service_history: str | None = Field(default=None, sa_column=Column(Text))
    environmental_factors: str | None = Field(default=None, sa_column=Column(Text))
    consent_to_services: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class AssessmentNeed(SQLModel, table=True):
    """One domain of an assessment, rated on the Self-Sufficiency Matrix (1-5)."""

    __tablename__ = "assessment_need"
    __table_args__ = (UniqueConstraint("assessment_id", "domain"),)
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    domain: str = Field(max_length=32)
    score: int | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    wants_goal: bool = False


class InstrumentScore(SQLModel, table=True):
    """A standardized instrument (PHQ-9, GAD-7) given during an assessment."""

    __tablename__ = "instrument_score"
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    instrument: str = Field(max_length=16)
    answers: list = _json_list()
    total: int
    severity: str = Field(max_length=40)
    difficulty: str | None = Field(default=None, max_length=40)  # the unscored last question


class IntakeDraft(SQLModel, table=True):
    """The autosaved state of an unfinished intake or reassessment form."""

    __tablename__ = "intake_draft"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case_file.id", index=True)
    worker: str = Field(default="", max_length=100)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


# --- Goals -----------------------------------------------------------------------------


class Goal(SQLModel, table=True):
    __tablename__ = "goal"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    statement: str = Field(sa_column=Column(Text, nullable=False))
    domains: list = _json_list()
    measure: str = Field(default="", max_length=200)
    unit: str | None = Field(default=None, max_length=40)
    direction: str = Field(default="increase", max_length=10)  # vocab.GOAL_DIRECTIONS
    baseline: float | None = None
    target: float | None = None
    start_on: date
    due_on: date
    actor: str = Field(default="client", max_length=20)
    lifecycle_status: str = Field(default="active", max_length=20)
    achievement_status: str | None = Field(default="in-progress", max_length=20)
    status_reason: str | None = Field(default=None, sa_column=Column(Text))
    revision: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class GoalRevision(SQLModel, table=True):
    """A goal as it stood before a revision or status change, kept for the record."""

    __tablename__ = "goal_revision"
    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    revision: int
    snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    revised_at: datetime = Field(default_factory=utcnow)
    worker: str = Field(default="", max_length=100)


class Objective(SQLModel, table=True):
    __tablename__ = "objective"
    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    due_on: date | None = None
    done_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ProgressEntry(SQLModel, table=True):
    __tablename__ = "progress_entry"
    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    recorded_on: date
    value: float
    note: str | None = Field(default=None, sa_column=Column(Text))
    evidence_source: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


# --- Resource directory (Open Referral HSDS) -------------------------------------------


class Organization(SQLModel, table=True):
    __tablename__ = "organization"
    id: str = Field(primary_key=True, max_length=250)
    name: str = Field(max_length=250)
    alternate_name: str | None = Field(default=None, max_length=250)
    description: str | None = Field(default=None, sa_column=Column(Text))
    email: str | None = Field(default=None, max_length=250)
    website: str | None = Field(default=None, max_length=500)
    tax_id: str | None = Field(default=None, max_length=100)
    year_incorporated: int | None = None
    legal_status: str | None = Field(default=None, max_length=100)


class Service(SQLModel, table=True):
    """An HSDS service, with its eligibility and casetui's need categories flattened in."""

    __tablename__ = "service"
    id: str = Field(primary_key=True, max_length=250)
    organization_id: str | None = Field(default=None, foreign_key="organization.id", index=True)
    program_id: str | None = Field(default=None, max_length=250)
    name: str = Field(max_length=250)
    alternate_name: str | None = Field(default=None, max_length=250)
    description: str | None = Field(default=None, sa_column=Column(Text))
    url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=250)
    status: str = Field(default="active", max_length=30)
    interpretation_services: str | None = Field(default=None, sa_column=Column(Text))
    application_process: str | None = Field(default=None, sa_column=Column(Text))
    fees_description: str | None = Field(default=None, sa_column=Column(Text))
    schedule_description: str | None = Field(default=None, sa_column=Column(Text))
    eligibility_description: str | None = Field(default=None, sa_column=Column(Text))
    minimum_age: float | None = None
    maximum_age: float | None = None
    genders: list = _json_list()  # empty: open to every gender
    languages: list = _json_list()  # ISO 639 codes or names
    populations: list = _json_list()  # vocab.POPULATIONS; empty: everyone
    categories: list = _json_list()  # vocab.DOMAINS
    taxonomy_terms: list = _json_list()  # original imported terms, kept searchable
    service_area: str | None = Field(default=None, sa_column=Column(Text))
    last_verified_on: date | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Location(SQLModel, table=True):
    __tablename__ = "location"
    id: str = Field(primary_key=True, max_length=250)
    organization_id: str | None = Field(default=None, foreign_key="organization.id", index=True)
    name: str | None = Field(default=None, max_length=250)
    description: str | None = Field(default=None, sa_column=Column(Text))
    address_1: str | None = Field(default=None, max_length=250)
    address_2: str | None = Field(default=None, max_length=250)
    city: str | None = Field(default=None, max_length=100, index=True)
    state_province: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20, index=True)
    country: str | None = Field(default=None, max_length=2)
    latitude: float | None = None
    longitude: float | None = None


class ServiceAtLocation(SQLModel, table=True):
    __tablename__ = "service_at_location"
    id: str = Field(primary_key=True, max_length=250)
    service_id: str = Field(foreign_key="service.id", index=True)
    location_id: str = Field(foreign_key="location.id", index=True)
    description: str | None = Field(default=None, sa_column=Column(Text))


class Phone(SQLModel, table=True):
    __tablename__ = "phone"
    id: str = Field(primary_key=True, max_length=250)
    organization_id: str | None = Field(default=None, foreign_key="organization.id", index=True)
    service_id: str | None = Field(default=None, foreign_key="service.id", index=True)
    location_id: str | None = Field(default=None, foreign_key="location.id", index=True)
    number: str = Field(max_length=60)
    extension: str | None = Field(default=None, max_length=20)
    type: str | None = Field(default=None, max_length=30)
    description: str | None = Field(default=None, sa_column=Column(Text))


class ResourceContact(SQLModel, table=True):
    """HSDS contact: a named person at an organization or service."""

    __tablename__ = "contact"
    id: str = Field(primary_key=True, max_length=250)
    organization_id: str | None = Field(default=None, foreign_key="organization.id", index=True)
    service_id: str | None = Field(default=None, foreign_key="service.id", index=True)
    name: str | None = Field(default=None, max_length=250)
    title: str | None = Field(default=None, max_length=250)
    department: str | None = Field(default=None, max_length=250)
    email: str | None = Field(default=None, max_length=250)


# --- Work with the client --------------------------------------------------------------


class Referral(SQLModel, table=True):
    __tablename__ = "referral"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    service_id: str | None = Field(default=None, foreign_key="service.id", index=True)
    # Copied at referral time so the record stays readable if the directory changes.
    provider_name: str = Field(max_length=250)
    service_name: str = Field(max_length=250)
    domain: str | None = Field(default=None, max_length=32)
    referred_on: date
    follow_up_on: date | None = None
    status: str = Field(default="sent", max_length=20)  # vocab.REFERRAL_STATUSES
    outcome_on: date | None = None
    outcome_reason: str | None = Field(default=None, sa_column=Column(Text))
    note: str | None = Field(default=None, sa_column=Column(Text))
    for_discharge: bool = False  # made during discharge linkage
    consent_id: int | None = Field(default=None, foreign_key="consent.id")  # issue 19: what allowed it
    worker: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Note(SQLModel, table=True):
    """A case note or a contact with the client or a collateral."""

    __tablename__ = "note"
    __table_args__ = (Index("ix_note_case_date", "case_id", "occurred_on"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id")
    occurred_on: date
    kind: str = Field(default="note", max_length=20)  # vocab.NOTE_KINDS
    duration_minutes: int | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    worker: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    # Issue 16 (migration step "record"): a structured, signed contact note.
    note_format: str = Field(default="narrative", max_length=10)  # vocab.NOTE_FORMATS
    sections: dict | None = Field(default=None, sa_column=Column(JSON))  # DAP/SOAP: section code -> text
    start_time: str | None = Field(default=None, max_length=5)  # HH:MM, local
    place: str | None = Field(default=None, max_length=200)
    participants: str | None = Field(default=None, max_length=500)
    written_on: date | None = None  # the day it was written: later than occurred_on makes a late entry
    signed_at: datetime | None = None  # signed by its author (``worker``): read-only from then on

    @property
    def late_entry(self) -> bool:
        return self.written_on is not None and self.occurred_on < self.written_on


class Consent(SQLModel, table=True):
    """A release of information signed by the client."""

    __tablename__ = "consent"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    recipient: str = Field(max_length=250)
    scope: str = Field(max_length=32)  # vocab.CONSENT_SCOPES
    signed_on: date
    expires_on: date | None = None
    revoked_on: date | None = None
    revoked_reason: str | None = Field(default=None, sa_column=Column(Text))
    worker: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    any_provider: bool = False  # issue 19: the release names no one provider; it covers any


class CoordinationContact(SQLModel, table=True):
    """Contact with a receiving provider during discharge; sharing needs a consent."""

    __tablename__ = "coordination_contact"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    recipient: str = Field(max_length=250)
    contacted_on: date
    method: str = Field(default="phone", max_length=20)
    information_shared: str | None = Field(default=None, sa_column=Column(Text))
    consent_id: int | None = Field(default=None, foreign_key="consent.id")
    note: str | None = Field(default=None, sa_column=Column(Text))
    worker: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class Discharge(SQLModel, table=True):
    """The discharge wizard's record; one per closing of a case."""

    __tablename__ = "discharge"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    reason: str | None = Field(default=None, max_length=32)  # vocab.DISCHARGE_REASONS
    reason_other: str | None = Field(default=None, sa_column=Column(Text))
    planned: bool | None = None
    discharge_on: date | None = None
    destination: int | None = None  # HUD HMIS 3.12
    subsidy_type: int | None = None  # HUD HMIS 3.12.A
    goal_reviews: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    health_changes: str | None = Field(default=None, sa_column=Column(Text))
    behavioural_changes: str | None = Field(default=None, sa_column=Column(Text))
    medication_changes: str | None = Field(default=None, sa_column=Column(Text))
    recommendations: str | None = Field(default=None, sa_column=Column(Text))
    summary_text: str | None = Field(default=None, sa_column=Column(Text))
    steps_done: list = _json_list()
    finalized_at: datetime | None = None
    closed_at: datetime | None = None
    worker: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Document(SQLModel, table=True):
    """A document casetui rendered for a case (intake summary, provider list, discharge)."""

    __tablename__ = "document"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    kind: str = Field(max_length=40)
    title: str = Field(max_length=250)
    path: str | None = Field(default=None, max_length=1000)
    created_on: date
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who did what, when, to which record and fields; never the values of client fields.

    Rows are append-only: database triggers refuse UPDATE and DELETE.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_client_at", "client_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    worker: str = Field(max_length=100)
    action: str = Field(max_length=16)
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(default=None, max_length=250)
    client_id: int | None = None
    fields: list = _json_list()


# --- Appointments and tasks (issue 15) -----------------------------------------------------


class AppointmentSeries(SQLModel, table=True):
    """A recurring appointment's rule; each occurrence is an ``Appointment`` row of its own (so
    each has its own status), made from the rule when the series was scheduled."""

    __tablename__ = "appointment_series"
    id: int | None = Field(default=None, primary_key=True)
    frequency: str = Field(max_length=20)  # vocab.RECURRENCES
    repeat_until: date
    rrule: str = Field(max_length=200)  # the RFC 5545 rule, as written to calendars
    created_at: datetime = Field(default_factory=utcnow)


class Appointment(SQLModel, table=True):
    """A visit, meeting or call. The start is local wall time with its IANA zone name, so a weekly
    10:00 visit stays at 10:00 across a daylight-saving change."""

    __tablename__ = "appointment"
    __table_args__ = (Index("ix_appointment_worker_day", "worker", "starts_on"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case_file.id", index=True)
    series_id: int | None = Field(default=None, foreign_key="appointment_series.id", index=True)
    worker: str = Field(default="", max_length=100)
    starts_on: date
    start_time: time
    time_zone: str = Field(max_length=64)
    duration_minutes: int = 60
    kind: str = Field(default="office", max_length=20)  # vocab.APPOINTMENT_KINDS
    place: str | None = Field(default=None, max_length=250)
    with_whom: str | None = Field(default=None, max_length=250)
    purpose: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default="scheduled", max_length=20)  # vocab.APPOINTMENT_STATUSES
    # The appointment that took this one's place; no foreign key: a table referring to itself
    # could not be copied parents first (storage/copy.py), and the service sets it.
    rescheduled_to_id: int | None = None
    reminder_minutes: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Task(SQLModel, table=True):
    """A to-do: due on a day (optionally at a time), linked to a client, case, goal or referral."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_worker_due", "worker", "done_on", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=250)
    due_on: date
    due_time: time | None = None
    priority: str = Field(default="normal", max_length=10)  # vocab.TASK_PRIORITIES
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case_file.id", index=True)
    goal_id: int | None = Field(default=None, foreign_key="goal.id")
    referral_id: int | None = Field(default=None, foreign_key="referral.id")
    worker: str = Field(default="", max_length=100)  # assigned to
    done_on: date | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


# --- The record as a legal document (issue 16): corrections, signed notes, households ----------
# Note's new columns (format, sections, time, place, participants, written_on, signed_at) sit
# at the end of the Note class above, marked "Issue 16".


class Correction(SQLModel, table=True):
    """An entry marked "entered in error": the original row stays as it was typed; this row says
    who marked it, when and why. One table for every kind of entry (``entity`` names its table),
    so every list, count and document filters the same way (``services/corrections.py``)."""

    __tablename__ = "correction"
    __table_args__ = (UniqueConstraint("entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=40)
    entity_id: int
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    worker: str = Field(default="", max_length=100)
    marked_at: datetime = Field(default_factory=utcnow)


class NoteAddendum(SQLModel, table=True):
    """A dated addition to a signed note, by the note's author; the note itself never changes."""

    __tablename__ = "note_addendum"
    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="note.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    worker: str = Field(default="", max_length=100)
    written_at: datetime = Field(default_factory=utcnow)


class HouseholdMember(SQLModel, table=True):
    """Someone the client lives with; ``member_client_id`` links to their record when they are a client too."""

    __tablename__ = "household_member"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    name: str = Field(max_length=200)
    relationship: str = Field(max_length=32)  # vocab.HOUSEHOLD_RELATIONSHIPS
    date_of_birth: date | None = None
    member_client_id: int | None = Field(default=None, foreign_key="client.id")
    created_at: datetime = Field(default_factory=utcnow)


# --- issue 19: the resource directory's vocabulary --------------------------------------------


class DirectoryTerm(SQLModel, table=True):
    """Every word the directory's services use (folded to lower case without accents), so a
    mistyped query word can be matched to the words that exist (trigram indexes in
    ``db_objects``/``search_index_pg``). Kept by ``db_objects`` on every service write."""

    __tablename__ = "directory_term"
    term: str = Field(primary_key=True, max_length=60)


class ServiceSchedule(SQLModel, table=True):
    """A service's opening hours as data, one weekday's span a row (``domain/hours.Opening``):
    read from the HSDS schedules when imported, else from the hours in words. Rewritten, never
    edited: whenever the service's schedule changes, its rows are replaced."""

    __tablename__ = "service_schedule"
    id: int | None = Field(default=None, primary_key=True)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=250)
    weekday: int  # 1 Monday .. 7 Sunday
    opens_at: str = Field(max_length=5)  # "HH:MM"
    closes_at: str = Field(max_length=5)  # "HH:MM", "24:00" at midnight
    valid_from: date | None = None
    valid_to: date | None = None
