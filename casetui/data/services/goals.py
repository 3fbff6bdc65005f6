"""Measurable goals: planning, FHIR Goal statuses, objectives, progress and where a goal stands.

Where a goal stands on a given day (``track_status``), in this order:

- ``achieved``: the latest progress value recorded on or before that day meets the target, or
  the achievement status says achieved or sustaining (the case manager's word counts).
- ``closed``: the lifecycle is no longer open (completed, cancelled, ...): nothing to track.
- ``overdue``: the due date has passed and the target is not met.
- ``behind``: the progress is more than ``BEHIND_TOLERANCE`` percentage points below the
  straight line from the baseline on the start date to the target on the due date. A yes/no
  (reach) goal has no line between "no" and "yes", so it is never behind, only overdue.
- ``on_track``: everything else, including a goal whose start date has not come yet.

Progress entries after the given day are ignored, so any day in the past can be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import NotFoundError, ValidationError
from casetui.data.services import cases, corrections
from casetui.data.storage import audit_log as audit
from casetui.data.storage import concurrency
from casetui.data.storage.models import (
    Assessment,
    AssessmentNeed,
    Correction,
    Goal,
    GoalRevision,
    Objective,
    ProgressEntry,
    utcnow,
)

BEHIND_TOLERANCE = 10.0  # percentage points below the planned line before a goal counts as behind

TRACK_STATUSES: dict[str, str] = {
    "on_track": "On track",
    "behind": "Behind",
    "overdue": "Overdue",
    "achieved": "Achieved",
    "closed": "Closed",
}

# The goal's own fields a revision may change, with the labels used in messages and history.
GOAL_FIELDS: dict[str, str] = {
    "statement": "Goal",
    "domains": "Need domains",
    "measure": "Measure",
    "unit": "Unit",
    "direction": "Direction",
    "baseline": "Baseline",
    "target": "Target",
    "start_on": "Start date",
    "due_on": "Due date",
    "actor": "Who acts",
}
_SNAPSHOT_FIELDS = (*GOAL_FIELDS, "lifecycle_status", "achievement_status", "status_reason")
_YES = ("1", "yes", "y", "true", "done", "reached")
_NO = ("0", "no", "n", "false", "not yet")


# --- computations (no database) ----------------------------------------------------------


def percent_toward_target(direction: str, baseline: float | None, target: float | None, value: float | None) -> float:
    """How far ``value`` has moved from the baseline to the target, 0-100.

    A reach (yes/no) goal is 0 or 100. Moving away from the target counts as 0, going past it
    as 100. With no value yet the goal stands at its baseline (0).
    """
    if value is None or target is None:
        return 0.0
    if direction == "reach":
        return 100.0 if value == target else 0.0
    start = baseline if baseline is not None else 0.0
    span = target - start
    if span == 0:
        return 100.0 if value == target else 0.0
    return max(0.0, min(100.0, (value - start) / span * 100.0))


def planned_percent(start_on: date, due_on: date, today: date) -> float:
    """Where the straight line from start to due date says the goal should be today, 0-100."""
    days = (due_on - start_on).days
    if days <= 0 or today >= due_on:
        return 100.0
    return max(0.0, min(100.0, (today - start_on).days / days * 100.0))


def track_status(goal: Goal, latest_value: float | None, today: date) -> str:
    """on_track / behind / overdue / achieved / closed for ``today`` (see the module docstring).

    ``latest_value`` is the value of the last progress entry recorded on or before ``today``.
    """
    percent = percent_toward_target(goal.direction, goal.baseline, goal.target, latest_value)
    if (latest_value is not None and percent >= 100.0) or goal.achievement_status in ("achieved", "sustaining"):
        return "achieved"
    if goal.lifecycle_status not in vocab.GOAL_LIFECYCLE_OPEN:
        return "closed"
    if today > goal.due_on:
        return "overdue"
    if goal.direction != "reach" and percent < planned_percent(goal.start_on, goal.due_on, today) - BEHIND_TOLERANCE:
        return "behind"
    return "on_track"


def format_value(goal: Goal, value: float | None) -> str:
    """A value as a case manager reads it: yes/no for reach goals, no trailing .0, the unit."""
    if value is None:
        return ""
    if goal.direction == "reach":
        return "yes" if value == goal.target else "no"
    text = f"{value:g}"
    return f"{text} {goal.unit}" if goal.unit else text


# --- validation --------------------------------------------------------------------------


def _parse_value(raw, direction: str, field_name: str, label: str, *, required: bool = True) -> float | None:
    """A number; for a reach goal 0/1 or yes/no."""
    if direction == "reach":
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                raise ValidationError(field_name, f"{label} is required: yes or no.")
            return None
        word = str(raw).strip().lower()
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw in (0, 1):
            return float(raw)
        if word in _YES:
            return 1.0
        if word in _NO:
            return 0.0
        raise ValidationError(field_name, f"{label} of a yes/no goal is yes (1) or no (0).")
    return v.parse_float(raw, field_name, label, required=required)


def _clean_goal(values: dict) -> dict:
    """Check every goal field at once; one ValidationError lists every problem."""
    direction = values.get("direction") or "increase"
    clean = v.collect(
        ("statement", lambda: v.text(values.get("statement"), "statement", "Goal", required=True, max_length=2000)),
        ("domains", lambda: _clean_domains(values.get("domains"))),
        ("measure", lambda: v.text(values.get("measure"), "measure", "Measure", required=True, max_length=200)),
        ("unit", lambda: v.text(values.get("unit"), "unit", "Unit", max_length=40)),
        ("direction", lambda: v.choice(direction, "direction", "Direction", vocab.GOAL_DIRECTIONS)),
        ("baseline", lambda: _parse_value(values.get("baseline"), direction, "baseline", "Baseline")),
        ("target", lambda: _parse_value(values.get("target"), direction, "target", "Target")),
        ("start_on", lambda: v.parse_date(values.get("start_on"), "start_on", "Start date", required=True)),
        ("due_on", lambda: v.parse_date(values.get("due_on"), "due_on", "Due date", required=True)),
        ("actor", lambda: v.choice(values.get("actor") or "client", "actor", "Who acts", vocab.GOAL_ACTORS)),
    )
    errors = {}
    baseline, target = clean["baseline"], clean["target"]
    if target == baseline:
        errors["target"] = "The target must differ from the baseline, or there is nothing to reach."
    elif direction == "increase" and target < baseline:
        errors["target"] = "For an increase the target must be above the baseline (or choose 'decrease')."
    elif direction == "decrease" and target > baseline:
        errors["target"] = "For a decrease the target must be below the baseline (or choose 'increase')."
    if clean["due_on"] <= clean["start_on"]:
        errors["due_on"] = "The due date must be after the start date."
    if errors:
        raise ValidationError(errors)
    return clean


def _clean_domains(domains) -> list[str]:
    if isinstance(domains, str):
        domains = [domains]
    domains = v.choices(domains, "domains", "Need domains", vocab.DOMAINS)
    if not domains:
        raise ValidationError("domains", "Choose at least one need domain.")
    # Keep the vocabulary's order and drop repeats, so equal choices compare equal.
    return [code for code in vocab.DOMAINS if code in domains]


# --- reading -----------------------------------------------------------------------------


def get_goal(session: Session, goal_id: int) -> Goal:
    goal = session.get(Goal, goal_id)
    if goal is None:
        raise NotFoundError(f"There is no goal number {goal_id}.")
    return goal


def _open_goal(session: Session, goal_id: int) -> tuple[Goal, int]:
    """The goal and its client, if its case can still be changed."""
    goal = get_goal(session, goal_id)
    case = cases.require_open(session, goal.case_id)
    return goal, case.client_id


@dataclass
class GoalRow:
    """One goal as the goal list and the client overview show it."""

    goal_id: int
    statement: str
    domains: list[str]
    direction: str
    measure: str
    unit: str | None
    baseline: float | None
    target: float | None
    latest_value: float | None
    latest_on: date | None
    percent: float
    track: str
    start_on: date
    due_on: date
    lifecycle: str
    achievement: str | None
    objectives_done: int
    objectives_total: int
    revision: int
    version: int

    @property
    def domain_labels(self) -> str:
        return ", ".join(vocab.DOMAINS.get(code, code) for code in self.domains)


@dataclass
class GoalDraft:
    """A need the latest assessment marked "client wants a goal" and no goal covers yet."""

    domain: str
    score: int | None
    note: str | None

    @property
    def label(self) -> str:
        return vocab.DOMAINS.get(self.domain, self.domain)


@dataclass
class GoalDetail:
    goal: Goal
    objectives: list[Objective]
    progress: list[ProgressEntry]  # oldest first, those entered in error included
    revisions: int = 0
    corrected: dict[int, Correction] | None = None  # progress entries entered in error, by id

    @property
    def valid_progress(self) -> list[ProgressEntry]:
        """The entries that count (the chart, the latest value): none entered in error."""
        return [entry for entry in self.progress if entry.id not in (self.corrected or {})]


def _latest_values(session: Session, goal_ids: list[int], today: date) -> dict[int, tuple[date, float]]:
    """The last entry (by date, then by entry order) on or before ``today`` for each goal.

    One correlated subquery per goal walks that goal's entries through the goal_id index:
    several times faster than ranking every entry of the case with a window function."""
    if not goal_ids:
        return {}
    latest_id = (
        select(ProgressEntry.id)
        .where(ProgressEntry.goal_id == Goal.id, ProgressEntry.recorded_on <= today, corrections.valid(ProgressEntry))
        .order_by(ProgressEntry.recorded_on.desc(), ProgressEntry.id.desc())
        .limit(1)
        .correlate(Goal)
        .scalar_subquery()
    )
    rows = session.exec(
        select(Goal.id, ProgressEntry.recorded_on, ProgressEntry.value)
        .join(ProgressEntry, ProgressEntry.id == latest_id)
        .where(Goal.id.in_(goal_ids))
    )
    return {goal_id: (recorded_on, value) for goal_id, recorded_on, value in rows}


def _objective_counts(session: Session, goal_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not goal_ids:
        return {}
    rows = session.exec(
        select(Objective.goal_id, func.count(Objective.done_on), func.count(Objective.id))
        .where(Objective.goal_id.in_(goal_ids))
        .group_by(Objective.goal_id)
    )
    return {goal_id: (done, total) for goal_id, done, total in rows}


def goal_rows(session: Session, case_id: int, today: date) -> list[GoalRow]:
    """Every goal of a case with its percent and track status on ``today``: open goals first,
    then by due date. Three queries, whatever the number of progress entries. Goals entered in
    error are left out (the client record lists them, struck through)."""
    goals = list(
        session.exec(
            select(Goal).where(Goal.case_id == case_id, corrections.valid(Goal)).order_by(Goal.due_on, Goal.id)
        )
    )
    ids = [goal.id for goal in goals]
    latest = _latest_values(session, ids, today)
    counts = _objective_counts(session, ids)
    rows = []
    for goal in goals:
        latest_on, value = latest.get(goal.id, (None, None))
        done, total = counts.get(goal.id, (0, 0))
        rows.append(
            GoalRow(
                goal_id=goal.id,
                statement=goal.statement,
                domains=list(goal.domains),
                direction=goal.direction,
                measure=goal.measure,
                unit=goal.unit,
                baseline=goal.baseline,
                target=goal.target,
                latest_value=value,
                latest_on=latest_on,
                percent=percent_toward_target(goal.direction, goal.baseline, goal.target, value),
                track=track_status(goal, value, today),
                start_on=goal.start_on,
                due_on=goal.due_on,
                lifecycle=goal.lifecycle_status,
                achievement=goal.achievement_status,
                objectives_done=done,
                objectives_total=total,
                revision=goal.revision,
                version=goal.version,
            )
        )
    rows.sort(key=lambda row: row.lifecycle not in vocab.GOAL_LIFECYCLE_OPEN)
    return rows


def goal_summaries(session: Session, case_id: int, today: date) -> list[dict]:
    """Plain rows for other screens (client overview, discharge): one dict per goal."""
    return [
        {
            "goal_id": row.goal_id,
            "statement": row.statement,
            "domains": row.domain_labels,
            "percent": round(row.percent),
            "track": row.track,
            "track_label": TRACK_STATUSES[row.track],
            "due_on": row.due_on,
            "lifecycle": row.lifecycle,
            "lifecycle_label": vocab.GOAL_LIFECYCLE.get(row.lifecycle, row.lifecycle),
        }
        for row in goal_rows(session, case_id, today)
    ]


def goal_detail(session: Session, goal_id: int) -> GoalDetail:
    """A goal with its objectives and its progress entries (oldest first) for the details panel."""
    goal = get_goal(session, goal_id)
    objectives = list(
        session.exec(
            select(Objective)
            .where(Objective.goal_id == goal_id)
            .order_by(Objective.done_on.is_not(None), Objective.due_on, Objective.id)
        )
    )
    progress = list(
        session.exec(
            select(ProgressEntry)
            .where(ProgressEntry.goal_id == goal_id)
            .order_by(ProgressEntry.recorded_on, ProgressEntry.id)
        )
    )
    revisions = session.exec(select(func.count(GoalRevision.id)).where(GoalRevision.goal_id == goal_id)).one()
    corrected = corrections.corrected_ids(session, "progress_entry", [entry.id for entry in progress])
    return GoalDetail(goal=goal, objectives=objectives, progress=progress, revisions=revisions, corrected=corrected)


def goal_drafts(session: Session, case_id: int) -> list[GoalDraft]:
    """Needs of the case's latest assessment marked "wants a goal" whose domain has no open goal."""
    latest = session.exec(
        select(Assessment.id)
        .where(Assessment.case_id == case_id, corrections.valid(Assessment))
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return []
    covered = set()
    for domains, lifecycle in session.exec(
        select(Goal.domains, Goal.lifecycle_status).where(Goal.case_id == case_id, corrections.valid(Goal))
    ):
        if lifecycle in vocab.GOAL_LIFECYCLE_OPEN:
            covered.update(domains)
    needs = session.exec(
        select(AssessmentNeed).where(AssessmentNeed.assessment_id == latest, AssessmentNeed.wants_goal.is_(True))
    )
    order = list(vocab.DOMAINS)
    drafts = [
        GoalDraft(domain=need.domain, score=need.score, note=need.note) for need in needs if need.domain not in covered
    ]
    return sorted(drafts, key=lambda d: order.index(d.domain) if d.domain in order else len(order))


@dataclass
class RevisionRow:
    revision: int
    revised_at: object
    worker: str
    reason: str
    changed: list[str]  # labels of what this change altered
    changes: list[tuple[str, str, str]]  # (label, before, after) in words, for each of those
    before: dict  # the goal as it stood before, as stored


_HISTORY_LABELS = {**GOAL_FIELDS, "lifecycle_status": "Lifecycle", "achievement_status": "Achievement"}
_CODE_LABELS = {
    "direction": vocab.GOAL_DIRECTIONS,
    "actor": vocab.GOAL_ACTORS,
    "lifecycle_status": vocab.GOAL_LIFECYCLE,
    "achievement_status": vocab.GOAL_ACHIEVEMENT,
}


def _in_words(name: str, value) -> str:
    """A stored snapshot value as a case manager reads it."""
    if value is None or value == "":
        return "none"
    if name == "domains":
        return ", ".join(vocab.DOMAINS.get(code, code) for code in value)
    if name in _CODE_LABELS:
        return _CODE_LABELS[name].get(value, value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def goal_history(session: Session, goal_id: int) -> list[RevisionRow]:
    """Each revision or status change, newest first, with what it changed."""
    goal = get_goal(session, goal_id)
    revisions = list(
        session.exec(
            select(GoalRevision).where(GoalRevision.goal_id == goal_id).order_by(GoalRevision.revision, GoalRevision.id)
        )
    )
    after_states = [r.snapshot for r in revisions[1:]] + [_snapshot(goal)]
    rows = []
    for revision, after in zip(revisions, after_states):
        names = [name for name in _HISTORY_LABELS if revision.snapshot.get(name) != after.get(name)]
        rows.append(
            RevisionRow(
                revision=revision.revision,
                revised_at=revision.revised_at,
                worker=revision.worker,
                reason=revision.reason,
                changed=[_HISTORY_LABELS[name] for name in names],
                changes=[
                    (
                        _HISTORY_LABELS[name],
                        _in_words(name, revision.snapshot.get(name)),
                        _in_words(name, after.get(name)),
                    )
                    for name in names
                ],
                before=revision.snapshot,
            )
        )
    return rows[::-1]


# --- writing -----------------------------------------------------------------------------


def _snapshot(goal: Goal) -> dict:
    snapshot = {}
    for name in _SNAPSHOT_FIELDS:
        value = getattr(goal, name)
        snapshot[name] = (
            value.isoformat() if isinstance(value, date) else (list(value) if isinstance(value, list) else value)
        )
    snapshot["revision"] = goal.revision
    return snapshot


def _keep_revision(session: Session, goal: Goal, reason: str) -> None:
    session.add(
        GoalRevision(
            goal_id=goal.id,
            revision=goal.revision,
            snapshot=_snapshot(goal),
            reason=reason,
            worker=audit.worker_of(session),
        )
    )


def create_goal(session: Session, case_id: int, values: dict) -> Goal:
    """A new goal for an open case from form values (strings or typed values alike)."""
    case = cases.require_open(session, case_id)
    clean = _clean_goal(values)
    lifecycle = v.choice(
        values.get("lifecycle_status") or "active", "lifecycle_status", "Lifecycle", vocab.GOAL_LIFECYCLE_OPEN
    )
    goal = Goal(case_id=case.id, lifecycle_status=lifecycle, achievement_status="in-progress", **clean)
    session.add(goal)
    session.flush()
    audit.record(
        session,
        "create",
        "goal",
        goal.id,
        client_id=case.client_id,
        fields=[*clean, "lifecycle_status", "achievement_status"],
    )
    session.flush()
    return goal


def revise_goal(
    session: Session, goal_id: int, values: dict, reason: str, *, expected_version: int | None = None
) -> Goal:
    """Change a goal (at reassessment, say); the goal as it was is kept as a revision."""
    goal, client_id = _open_goal(session, goal_id)
    current = {name: getattr(goal, name) for name in GOAL_FIELDS}
    clean = _clean_goal({**current, **values})
    reason = v.text(reason, "reason", "Reason for the revision", required=True, max_length=2000)
    if all(clean[name] == current[name] for name in GOAL_FIELDS):
        raise ValidationError(
            "statement", "Nothing was changed: edit a field, or press Escape to leave the goal as it is."
        )
    concurrency.claim_version(session, goal, expected_version, "goal")
    _keep_revision(session, goal, reason)
    changed = audit.changed_fields(goal, clean)
    goal.revision += 1
    goal.updated_at = utcnow()
    session.add(goal)
    audit.record(session, "update", "goal", goal.id, client_id=client_id, fields=[*changed, "revision"])
    session.flush()
    return goal


def change_status(
    session: Session,
    goal_id: int,
    *,
    lifecycle_status: str,
    achievement_status: str | None,
    reason: str,
    expected_version: int | None = None,
) -> Goal:
    """A new FHIR lifecycle and/or achievement status, with the reason; the old state is kept."""
    goal, client_id = _open_goal(session, goal_id)
    clean = v.collect(
        ("lifecycle_status", lambda: v.choice(lifecycle_status, "lifecycle_status", "Lifecycle", vocab.GOAL_LIFECYCLE)),
        (
            "achievement_status",
            lambda: v.choice(
                achievement_status, "achievement_status", "Achievement", vocab.GOAL_ACHIEVEMENT, required=False
            ),
        ),
        ("reason", lambda: v.text(reason, "reason", "Reason", required=True, max_length=2000)),
    )
    if (clean["lifecycle_status"], clean["achievement_status"]) == (goal.lifecycle_status, goal.achievement_status):
        raise ValidationError("lifecycle_status", "That is already the goal's status: choose a different one.")
    concurrency.claim_version(session, goal, expected_version, "goal")
    _keep_revision(session, goal, clean["reason"])
    changed = audit.changed_fields(
        goal,
        {
            "lifecycle_status": clean["lifecycle_status"],
            "achievement_status": clean["achievement_status"],
            "status_reason": clean["reason"],
        },
    )
    goal.revision += 1
    goal.updated_at = utcnow()
    session.add(goal)
    audit.record(session, "update", "goal", goal.id, client_id=client_id, fields=[*changed, "revision"])
    session.flush()
    return goal


def add_objective(session: Session, goal_id: int, *, text: str, due_on) -> Objective:
    goal, client_id = _open_goal(session, goal_id)
    clean = v.collect(
        ("text", lambda: v.text(text, "text", "Objective", required=True, max_length=2000)),
        ("due_on", lambda: v.parse_date(due_on, "due_on", "Due date")),
    )
    if clean["due_on"] and clean["due_on"] < goal.start_on:
        raise ValidationError("due_on", "An objective cannot be due before its goal starts.")
    objective = Objective(goal_id=goal.id, **clean)
    session.add(objective)
    session.flush()
    audit.record(session, "create", "objective", objective.id, client_id=client_id, fields=clean.keys())
    session.flush()
    return objective


def set_objective_done(session: Session, objective_id: int, done: bool, today: date) -> Objective:
    """Mark an objective done today, or not done again."""
    objective = session.get(Objective, objective_id)
    if objective is None:
        raise NotFoundError("That objective no longer exists.")
    _, client_id = _open_goal(session, objective.goal_id)
    objective.done_on = today if done else None
    session.add(objective)
    audit.record(session, "update", "objective", objective.id, client_id=client_id, fields=["done_on"])
    session.flush()
    return objective


def progress_date(goal: Goal, raw, today: date) -> date:
    """A progress entry's date: not before its goal started, not in the future."""
    when = v.not_in_future(v.parse_date(raw, "recorded_on", "Date", required=True), today, "recorded_on", "Date")
    if when < goal.start_on:
        raise ValidationError(
            "recorded_on", f"Progress cannot be dated before the goal started ({goal.start_on:%Y-%m-%d})."
        )
    return when


def add_progress(
    session: Session,
    goal_id: int,
    *,
    recorded_on,
    value,
    today: date,
    note: str | None = None,
    evidence_source: str | None = None,
) -> ProgressEntry:
    goal, client_id = _open_goal(session, goal_id)
    clean = v.collect(
        ("recorded_on", lambda: progress_date(goal, recorded_on, today)),
        ("value", lambda: _parse_value(value, goal.direction, "value", "Value")),
        ("note", lambda: v.text(note, "note", "Note", max_length=5000)),
        ("evidence_source", lambda: v.text(evidence_source, "evidence_source", "Evidence", max_length=200)),
    )
    entry = ProgressEntry(goal_id=goal.id, **clean)
    session.add(entry)
    session.flush()
    audit.record(session, "create", "progress_entry", entry.id, client_id=client_id, fields=clean.keys())
    session.flush()
    return entry
