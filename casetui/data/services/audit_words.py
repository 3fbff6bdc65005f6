"""The audit trail in words: a sentence for each action, a label for each record and field, and
the reason the record itself keeps (a correction's, a stage change's, a goal revision's, a
revoked consent's). The trail stores no values; the reasons are read from the record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from casetui.data.domain import instruments
from casetui.data.storage.models import AuditEvent, Consent, Correction, GoalRevision, StageChange

ENTITY_LABELS: dict[str, str] = {
    "client": "Client",
    "case": "Case",
    "note": "Note",
    "note_addendum": "Note addendum",
    "goal": "Goal",
    "objective": "Objective",
    "progress_entry": "Progress entry",
    "referral": "Referral",
    "consent": "Consent",
    "assessment": "Assessment",
    "stage_change": "Stage change",
    "discharge": "Discharge",
    "coordination_contact": "Coordination contact",
    "document": "Document",
    "household_member": "Household member",
    "appointment": "Appointment",
    "appointment_series": "Recurring appointment",
    "task": "Task",
    "setting": "Setting",
    "service": "Directory service",
    "audit_event": "Audit trail",
    "demo": "Demo data",
    "directory_import": "Directory import",
    "directory_export": "Directory export",
    "lock": "Screen lock",
}

ACTION_LABELS: dict[str, str] = {
    "create": "created",
    "update": "changed",
    "delete": "discarded",
    "open": "opened",
    "export": "exported",
    "import": "imported",
    "stage": "moved to another stage",
    "close": "closed",
    "reopen": "reopened",
    "sign": "signed",
    "entered_in_error": "marked entered in error",
    "unlock failed": "unlock refused (wrong PIN)",
}

# Sentences where the action and fields say more together than apart.
_SENTENCES: list[tuple[str, str, set[str] | None, str]] = [
    ("update", "discharge", {"finalized_at"}, "Discharge summary made final"),
    ("update", "case", {"safety_followup_on"}, "Safety follow-up recorded"),
    ("update", "case", {"safety_flag"}, "Safety flag raised"),
    ("update", "case", {"next_review_on"}, "Next review date set"),
    ("update", "consent", {"revoked_on"}, "Consent revoked"),
    ("update", "referral", {"status"}, "Referral outcome recorded"),
    ("update", "objective", {"done_on"}, "Objective marked done, or open again"),
    ("update", "goal", {"lifecycle_status"}, "Goal status changed"),
    ("update", "goal", {"achievement_status"}, "Goal status changed"),
    ("update", "goal", None, "Goal revised"),
    ("open", "client", None, "Client record opened"),
    ("export", "client", None, "Client record exported"),
    ("import", "client", None, "Client record imported"),
    ("export", "document", None, "Document saved"),
    ("export", "audit_event", None, "Audit trail exported"),
    ("create", "note_addendum", None, "Addendum added to a note"),
    ("delete", "note", None, "Draft note discarded"),
]

FIELD_LABELS: dict[str, str] = {
    # appointments and tasks (issue 15), a consent for any provider (issue 19)
    "any_provider": "any provider",
    "due_time": "time due",
    "frequency": "repeats",
    "priority": "priority",
    "purpose": "purpose",
    "referral_id": "referral",
    "reminder_minutes": "reminder",
    "repeat_until": "repeats until",
    "rescheduled_to_id": "rescheduled to",
    "rrule": "repeat rule",
    "series_id": "series",
    "starts_on": "date",
    "time_zone": "time zone",
    "with_whom": "with whom",
    "achievement_status": "achievement",
    "actor": "who acts",
    "address": "address",
    "alternate_name": "other name",
    "application_process": "how to apply",
    "assessed_on": "assessment date",
    "baseline": "baseline",
    "behavioural_changes": "behavioural changes",
    "case_id": "case",
    "categories": "need categories",
    "caseload": "caseload",
    "changed_on": "date of the change",
    "city": "city",
    "client_id": "client",
    "client_words": "the client's words",
    "closed_at": "closing time",
    "closed_on": "closing date",
    "consent_id": "consent",
    "consent_to_services": "consent to services",
    "consents": "consents",
    "contacted_on": "contact date",
    "created_at": "creation time",
    "created_on": "date",
    "csv": "CSV file",
    "date_of_birth": "date of birth",
    "description": "description",
    "destination": "destination",
    "direction": "direction",
    "directory": "resource directory",
    "discharge_on": "discharge date",
    "domain": "need domain",
    "domains": "need domains",
    "done_on": "date done",
    "due_on": "due date",
    "duration_minutes": "duration",
    "eligibility_description": "eligibility",
    "email": "email",
    "environmental_factors": "environmental factors",
    "evidence_source": "evidence",
    "expires_on": "expiry date",
    "fees_description": "fees",
    "finalized_at": "made final",
    "first_name": "first name",
    "follow_up_on": "follow-up date",
    "for_discharge": "made at discharge",
    "from_stage": "stage before",
    "gender": "gender",
    "genders": "genders served",
    "goal_id": "goal",
    "goal_reviews": "goal reviews",
    "health_changes": "health changes",
    "household_notes": "household notes",
    "household_size": "household size",
    "information_shared": "information shared",
    "interpretation_services": "interpretation",
    "interpreter_needed": "interpreter needed",
    "kind": "type",
    "language": "language",
    "languages": "languages",
    "last_name": "last name",
    "last_verified_on": "date last checked",
    "lifecycle_status": "lifecycle",
    "maximum_age": "maximum age",
    "measure": "measure",
    "medication_changes": "medication changes",
    "member_client_id": "linked client record",
    "method": "method",
    "minimum_age": "minimum age",
    "name": "name",
    "needs": "needs",
    "next_review_on": "next review date",
    "note": "note",
    "note_format": "format",
    "note_id": "note",
    "occurred_on": "contact date",
    "opened_on": "opening date",
    "organization_id": "organization",
    "outcome_on": "outcome date",
    "outcome_reason": "outcome reason",
    "participants": "participants",
    "path": "file",
    "phone": "phone",
    "place": "place",
    "planned": "planned or not",
    "populations": "populations",
    "postal_code": "postal code",
    "preferred_name": "preferred name",
    "program": "program",
    "program_id": "program",
    "pronouns": "pronouns",
    "provider_name": "provider",
    "reason": "reason",
    "reason_other": "other reason",
    "recipient": "recipient",
    "recommendations": "recommendations",
    "recorded_on": "date",
    "referral_reason": "reason for referral",
    "referral_source": "referral source",
    "referred_on": "referral date",
    "relationship": "relationship",
    "retention_until": "kept until",
    "revision": "revision",
    "revoked_on": "revocation date",
    "revoked_reason": "reason for revoking",
    "safety_flag": "safety flag",
    "safety_flag_reason": "safety flag reason",
    "safety_followup_on": "safety follow-up date",
    "schedule_description": "schedule",
    "scope": "scope",
    "sections": "sections",
    "service_area": "service area",
    "service_history": "service history",
    "service_id": "service",
    "service_name": "service",
    "signed_at": "signature",
    "signed_on": "date signed",
    "stage": "stage",
    "start_on": "start date",
    "start_time": "start time",
    "statement": "goal",
    "status": "status",
    "status_reason": "status reason",
    "steps_done": "steps done",
    "strengths": "strengths",
    "subsidy_type": "subsidy type",
    "summary_text": "summary",
    "target": "target",
    "taxonomy_terms": "taxonomy terms",
    "text": "text",
    "title": "title",
    "to_stage": "new stage",
    "unit": "unit",
    "updated_at": "time of change",
    "url": "web address",
    "value": "value",
    "veteran": "veteran",
    "worker": "worker",
    "written_at": "time written",
    "written_on": "date written",
}


def field_label(name: str) -> str:
    """A field in words; an instrument (PHQ-9) by its name; anything else readable at least."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    instrument = instruments.INSTRUMENTS.get(name)
    if instrument is not None:
        return instrument.code
    return name.replace("_", " ").replace(".", " ")


def what(event: AuditEvent) -> str:
    """The event as a sentence: "Discharge summary made final", "Note signed"."""
    fields = set(event.fields or [])
    for action, entity, needs, sentence in _SENTENCES:
        if event.action == action and event.entity == entity and (needs is None or needs <= fields):
            return sentence
    subject = ENTITY_LABELS.get(event.entity, event.entity.replace("_", " ").capitalize())
    verb = ACTION_LABELS.get(event.action, event.action.replace("_", " "))
    return f"{subject} {verb}"


def fields_in_words(event: AuditEvent) -> str:
    return ", ".join(field_label(name) for name in event.fields or [])


@dataclass
class EventRow:
    event: AuditEvent
    client_name: str | None
    what: str
    record: str
    fields: str
    reason: str  # from the record itself (never stored in the trail); "" if none


def _closest(rows, at, when) -> object | None:
    """The row written at the same moment as the event (same transaction: within a few seconds)."""
    best = None
    for row in rows:
        gap = abs((when(row).replace(tzinfo=None) - at.replace(tzinfo=None)).total_seconds())
        if gap <= timedelta(seconds=5).total_seconds() and (best is None or gap < best[0]):
            best = (gap, row)
    return best[1] if best else None


def reasons(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    """The reason each event's record keeps, by event id: at most four queries for any number of events."""
    found: dict[int, str] = {}
    in_error = [e for e in events if e.action == "entered_in_error" and e.entity_id and e.entity_id.isdigit()]
    if in_error:
        keys = {(e.entity, int(e.entity_id)) for e in in_error}
        rows = session.exec(
            select(Correction).where(Correction.entity_id.in_([entity_id for _entity, entity_id in keys]))
        )
        by_key = {(row.entity, row.entity_id): row.reason for row in rows}
        for event in in_error:
            if (reason := by_key.get((event.entity, int(event.entity_id)))) is not None:
                found[event.id] = reason
    staged = [e for e in events if e.entity == "case" and e.action in ("stage", "close", "reopen") and e.entity_id]
    if staged:
        changes: dict[int, list[StageChange]] = {}
        ids = {int(e.entity_id) for e in staged if e.entity_id.isdigit()}
        for change in session.exec(select(StageChange).where(StageChange.case_id.in_(ids))):
            changes.setdefault(change.case_id, []).append(change)
        for event in staged:
            change = _closest(changes.get(int(event.entity_id), []), event.at, lambda c: c.created_at)
            if change is not None:
                found[event.id] = change.reason
    revised = [e for e in events if e.entity == "goal" and e.action == "update" and e.entity_id]
    if revised:
        revisions: dict[int, list[GoalRevision]] = {}
        ids = {int(e.entity_id) for e in revised if e.entity_id.isdigit()}
        for revision in session.exec(select(GoalRevision).where(GoalRevision.goal_id.in_(ids))):
            revisions.setdefault(revision.goal_id, []).append(revision)
        for event in revised:
            revision = _closest(revisions.get(int(event.entity_id), []), event.at, lambda r: r.revised_at)
            if revision is not None:
                found[event.id] = revision.reason
    revoked = [e for e in events if e.entity == "consent" and "revoked_reason" in (e.fields or []) and e.entity_id]
    if revoked:
        ids = {int(e.entity_id) for e in revoked if e.entity_id.isdigit()}
        by_id = {c.id: c.revoked_reason for c in session.exec(select(Consent).where(Consent.id.in_(ids)))}
        for event in revoked:
            if by_id.get(int(event.entity_id)):
                found[event.id] = by_id[int(event.entity_id)]
    return found


def in_words(session: Session, rows: list[tuple[AuditEvent, str | None]]) -> list[EventRow]:
    """``audit.query``'s rows as the audit screen reads them."""
    why = reasons(session, [event for event, _name in rows])
    return [
        EventRow(
            event=event,
            client_name=name,
            what=what(event),
            record=f"{ENTITY_LABELS.get(event.entity, event.entity)} {event.entity_id or ''}".strip(),
            fields=fields_in_words(event),
            reason=why.get(event.id, ""),
        )
        for event, name in rows
    ]
