"""Entered in error: the one way any clinical entry is corrected.

A mistaken note, progress entry, referral, consent, assessment, goal or stage change is never
changed or deleted: a ``Correction`` row beside it says who marked it, when and why, and the
entry leaves every count, chart, due item and document from then on. Each list that shows
entries shows the corrected ones too (struck through, with the reason), so the record keeps
both the original and the correction.

Every reader filters the same way: ``valid(Model)`` in a SQLModel query, ``SQL_VALID`` in
plain SQL (the caseload), ``corrections_of_client`` for a whole record read at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists
from sqlmodel import Session, select

from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import NotFoundError, ValidationError
from casetui.data.services import cases
from casetui.data.storage import audit_log as audit
from casetui.data.storage import concurrency
from casetui.data.storage.models import (
    Assessment,
    Case,
    Consent,
    Correction,
    Goal,
    Note,
    ProgressEntry,
    Referral,
    StageChange,
    utcnow,
)

ACTION = "entered_in_error"  # the audit trail's action (fits its 16 characters)


@dataclass(frozen=True)
class Kind:
    model: type
    label: str  # "note", as a sentence names it


KINDS: dict[str, Kind] = {
    "note": Kind(Note, "note"),
    "progress_entry": Kind(ProgressEntry, "progress entry"),
    "referral": Kind(Referral, "referral"),
    "consent": Kind(Consent, "consent"),
    "assessment": Kind(Assessment, "assessment"),
    "goal": Kind(Goal, "goal"),
    "stage_change": Kind(StageChange, "stage change"),
}

# The same test as ``valid`` for plain SQL: ``SQL_VALID.format(entity="note", alias="n")``.
SQL_VALID = "NOT EXISTS (SELECT 1 FROM correction x WHERE x.entity = '{entity}' AND x.entity_id = {alias}.id)"


def valid(model) -> object:
    """A WHERE clause: the ``model`` row is not marked entered in error."""
    return ~exists().where(Correction.entity == model.__tablename__, Correction.entity_id == model.id)


def in_error(model) -> object:
    """A WHERE clause: the ``model`` row is marked entered in error."""
    return exists().where(Correction.entity == model.__tablename__, Correction.entity_id == model.id)


def correction_of(session: Session, entity: str, entity_id: int) -> Correction | None:
    return session.exec(
        select(Correction).where(Correction.entity == entity, Correction.entity_id == entity_id)
    ).first()


def corrected_ids(session: Session, entity: str, ids) -> dict[int, Correction]:
    """The corrections of those ``ids`` of one kind, by id."""
    ids = list(ids)
    if not ids:
        return {}
    rows = session.exec(select(Correction).where(Correction.entity == entity, Correction.entity_id.in_(ids)))
    return {row.entity_id: row for row in rows}


def corrections_of_client(session: Session, client_id: int) -> dict[tuple[str, int], Correction]:
    """Every correction in one client's record, by (entity, id): one query for a whole screen."""
    rows = session.exec(select(Correction).where(Correction.client_id == client_id))
    return {(row.entity, row.entity_id): row for row in rows}


def describe(correction: Correction) -> str:
    """One line for the record: who marked it, when and why."""
    return f"Entered in error: marked by {correction.worker} on {correction.marked_at:%Y-%m-%d %H:%M} UTC. Reason: {correction.reason}"


def _case_and_client(session: Session, entity: str, row) -> tuple[Case | None, int]:
    """The case the entry belongs to (None for a consent, which is the client's) and its client."""
    if entity == "consent":
        return None, row.client_id
    if entity == "progress_entry":
        case_id = session.get(Goal, row.goal_id).case_id
    else:
        case_id = row.case_id
    case = cases.get_case(session, case_id)
    return case, case.client_id


def _check_stage_change(session: Session, change: StageChange, case: Case) -> None:
    """Only the case's latest stage change can be wrong, and the case goes back to the stage before it."""
    if change.from_stage is None:
        raise ValidationError("reason", "The opening of a case is not a stage change that can be marked in error.")
    if change.to_stage == "closure":
        raise ValidationError("reason", "A closing is undone by reopening the case in the discharge wizard (d).")
    latest = session.exec(
        select(StageChange.id)
        .where(StageChange.case_id == case.id, valid(StageChange))
        .order_by(StageChange.id.desc())
        .limit(1)
    ).first()
    if latest != change.id:
        raise ValidationError(
            "reason", "Only the latest stage change can be marked in error: mark the later ones first."
        )


def mark_in_error(session: Session, entity: str, entity_id: int, reason: str) -> Correction:
    """Mark one entry entered in error, with the reason; the entry itself is kept as it was."""
    kind = KINDS.get(entity)
    if kind is None:
        raise ValidationError("reason", f"Entries of the kind {entity!r} cannot be marked in error.")
    row = session.get(kind.model, entity_id)
    if row is None:
        raise NotFoundError(f"That {kind.label} no longer exists.")
    reason = v.text(reason, "reason", "Reason", required=True, max_length=2000)
    case, client_id = _case_and_client(session, entity, row)
    if case is not None:
        cases.require_open(session, case.id)
    elif not session.exec(select(Case.id).where(Case.client_id == client_id, Case.closed_on.is_(None))).first():
        cases.require_open(session, cases.current_case(session, client_id).id)
    earlier = correction_of(session, entity, entity_id)
    if earlier is not None:
        raise ValidationError(
            "reason",
            f"This {kind.label} was already marked entered in error by {earlier.worker} on {earlier.marked_at:%Y-%m-%d}.",
        )
    if entity == "stage_change":
        _check_stage_change(session, row, case)
        concurrency.claim_version(session, case, what="case")
        case.stage = row.from_stage
        case.updated_at = utcnow()
        session.add(case)
        audit.record(session, "stage", "case", case.id, client_id=client_id, fields=["stage"])
    correction = Correction(
        entity=entity, entity_id=entity_id, client_id=client_id, reason=reason, worker=audit.worker_of(session)
    )
    session.add(correction)
    session.flush()
    audit.record(session, ACTION, entity, entity_id, client_id=client_id, fields=["reason"])
    session.flush()
    return correction


def stage_label(change: StageChange) -> str:
    """A stage change in words, for the form that marks it."""
    before = vocab.STAGES.get(change.from_stage or "", change.from_stage or "")
    after = vocab.STAGES.get(change.to_stage, change.to_stage)
    return f"{before} to {after} on {change.changed_on:%Y-%m-%d}"
