"""Cases: opening, stages, reviews, and the rule that a closed case is read-only."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import CaseClosedError, NotFoundError, ValidationError
from casetui.data.services import settings
from casetui.data.storage import audit_log as audit
from casetui.data.storage import concurrency
from casetui.data.storage.models import Case, Client, StageChange, utcnow


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"There is no case number {case_id}.")
    return case


def require_open(session: Session, case_id: int) -> Case:
    """The case, if it can still be changed; every service that writes to a case calls this."""
    case = get_case(session, case_id)
    if case.closed_on is not None:
        raise CaseClosedError()
    return case


def open_case(
    session: Session,
    client_id: int,
    today: date,
    *,
    program: str | None = None,
    worker: str | None = None,
    stage: str = "engagement",
) -> Case:
    if session.get(Client, client_id) is None:
        raise NotFoundError(f"There is no client number {client_id}.")
    v.choice(stage, "stage", "Stage", [s for s in vocab.STAGES if s != "closure"])
    case = Case(
        client_id=client_id,
        program=v.text(program, "program", "Program", max_length=100) or "General case management",
        worker=worker or audit.worker_of(session),
        stage=stage,
        opened_on=today,
        next_review_on=today + timedelta(days=settings.get_int(session, "review_interval_days")),
    )
    session.add(case)
    session.flush()
    session.add(
        StageChange(
            case_id=case.id,
            from_stage=None,
            to_stage=stage,
            reason="Case opened",
            changed_on=today,
            worker=audit.worker_of(session),
        )
    )
    audit.record(
        session,
        "create",
        "case",
        case.id,
        client_id=client_id,
        fields=["program", "worker", "stage", "opened_on", "next_review_on"],
    )
    session.flush()
    return case


def change_stage(
    session: Session,
    case_id: int,
    to_stage: str,
    reason: str,
    today: date,
    *,
    expected_version: int | None = None,
) -> Case:
    """Move an open case to another stage (not closure: the discharge wizard closes cases).

    Case writes take ``expected_version``, the case version the user was shown (ConflictError
    if another worker saved the case since)."""
    case = require_open(session, case_id)
    v.choice(to_stage, "stage", "Stage", vocab.STAGES)
    if to_stage == "closure":
        raise ValidationError("stage", "Close a case with the discharge wizard (d), which records why and where to.")
    if to_stage == case.stage:
        raise ValidationError("stage", f"The case is already in {vocab.STAGES[to_stage].lower()}.")
    reason = v.text(reason, "reason", "Reason", required=True, max_length=2000)
    concurrency.claim_version(session, case, expected_version, "case")
    session.add(
        StageChange(
            case_id=case.id,
            from_stage=case.stage,
            to_stage=to_stage,
            reason=reason,
            changed_on=today,
            worker=audit.worker_of(session),
        )
    )
    case.stage = to_stage
    case.updated_at = utcnow()
    session.add(case)
    audit.record(session, "stage", "case", case.id, client_id=case.client_id, fields=["stage"])
    session.flush()
    return case


def set_next_review(
    session: Session, case_id: int, review_on, today: date, *, expected_version: int | None = None
) -> Case:
    case = require_open(session, case_id)
    when = v.parse_date(review_on, "next_review_on", "Next review date", required=True)
    if when < today:
        raise ValidationError("next_review_on", "Next review date cannot be in the past.")
    concurrency.claim_version(session, case, expected_version, "case")
    case.next_review_on = when
    case.updated_at = utcnow()
    session.add(case)
    audit.record(session, "update", "case", case.id, client_id=case.client_id, fields=["next_review_on"])
    session.flush()
    return case


def raise_safety_flag(session: Session, case_id: int, reason: str) -> Case:
    case = require_open(session, case_id)
    concurrency.claim_version(session, case, what="case")
    case.safety_flag = True
    case.safety_flag_reason = reason
    case.safety_followup_on = None
    session.add(case)
    audit.record(session, "update", "case", case.id, client_id=case.client_id, fields=["safety_flag"])
    return case


def record_safety_followup(
    session: Session, case_id: int, followed_up_on, note: str, today: date, *, expected_version: int | None = None
) -> Case:
    """Clear the safety flag once a case manager has followed up; the follow-up is a note."""
    from casetui.data.storage.models import Note

    case = require_open(session, case_id)
    if not case.safety_flag:
        raise ValidationError("safety_flag", "This case has no safety flag to follow up.")
    when = v.parse_date(followed_up_on, "followed_up_on", "Follow-up date", required=True)
    v.not_in_future(when, today, "followed_up_on", "Follow-up date")
    note = v.text(note, "note", "What was done", required=True, max_length=5000)
    concurrency.claim_version(session, case, expected_version, "case")
    case.safety_flag = False
    case.safety_followup_on = when
    session.add(case)
    session.add(
        Note(
            case_id=case.id,
            occurred_on=when,
            kind="note",
            text=f"Safety follow-up: {note}",
            worker=audit.worker_of(session),
        )
    )
    audit.record(
        session, "update", "case", case.id, client_id=case.client_id, fields=["safety_flag", "safety_followup_on"]
    )
    session.flush()
    return case


def stage_history(session: Session, case_id: int) -> list[StageChange]:
    return list(session.exec(select(StageChange).where(StageChange.case_id == case_id).order_by(StageChange.id)))


def open_cases(session: Session, *, worker: str | None = None) -> list[tuple[Case, Client]]:
    query = select(Case, Client).join(Client, Client.id == Case.client_id).where(Case.closed_on.is_(None))
    if worker:
        query = query.where(Case.worker == worker)
    return list(session.exec(query.order_by(Client.last_name, Client.first_name)))


def current_case(session: Session, client_id: int) -> Case | None:
    """The client's open case, or else the most recently opened one."""
    cases = session.exec(
        select(Case).where(Case.client_id == client_id).order_by(Case.opened_on.desc(), Case.id.desc())
    ).all()
    for case in cases:
        if case.closed_on is None:
            return case
    return cases[0] if cases else None
