"""Tasks: a to-do with a due date (and optional time), a priority, a worker, and optionally the
client, case, goal or referral it is about; done or undone, with the day it was done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlmodel import Session, col, select

from casetui.data.domain import agenda_vocab, clock
from casetui.data.domain import validation as v
from casetui.data.domain.errors import NotFoundError, ValidationError
from casetui.data.services import appointments, cases
from casetui.data.storage import audit_log as audit
from casetui.data.storage import concurrency
from casetui.data.storage.models import Client, Goal, Referral, Task, utcnow

PRIORITIES = agenda_vocab.TASK_PRIORITIES
_PRIORITY_ORDER = {"high": 0, "normal": 1, "low": 2}


@dataclass
class TaskRow:
    id: int
    title: str
    due_on: date
    due_time: time | None
    priority: str
    client_id: int | None
    case_id: int | None
    client_name: str
    worker: str
    done_on: date | None
    version: int

    @property
    def priority_label(self) -> str:
        return PRIORITIES.get(self.priority, self.priority)

    def overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today


_COLUMNS = (
    Task.id,
    Task.title,
    Task.due_on,
    Task.due_time,
    Task.priority,
    Task.client_id,
    Task.case_id,
    Task.worker,
    Task.done_on,
    Task.version,
    Client.first_name,
    Client.preferred_name,
    Client.last_name,
)


def _rows(session: Session, query) -> list[TaskRow]:
    # Columns, not ORM objects: an agenda may list a few hundred tasks, read on every visit.
    found = []
    for (
        task_id,
        title,
        due_on,
        due_time,
        priority,
        client_id,
        case_id,
        worker,
        done,
        version,
        first,
        preferred,
        last,
    ) in session.exec(query):
        name = f"{preferred or first} {last}".strip() if client_id is not None and last is not None else ""
        found.append(
            TaskRow(task_id, title, due_on, due_time, priority, client_id, case_id, name, worker, done, version)
        )
    return found


def _joined():
    return select(*_COLUMNS).join(Client, Client.id == Task.client_id, isouter=True)


def _order(rows: list[TaskRow]) -> list[TaskRow]:
    return sorted(
        rows, key=lambda row: (row.due_on, _PRIORITY_ORDER.get(row.priority, 9), row.due_time or time.max, row.id)
    )


def open_due(session: Session, worker: str | None, by: date) -> list[TaskRow]:
    """Tasks not done that are due on or before ``by`` (overdue ones first), of ``worker`` or everyone's."""
    query = _joined().where(Task.done_on.is_(None), Task.due_on <= by)
    if worker:
        query = query.where(Task.worker == worker)
    return _order(_rows(session, query))


def done_on(session: Session, worker: str | None, day: date) -> list[TaskRow]:
    """Tasks marked done on ``day``."""
    query = _joined().where(Task.done_on == day)
    if worker:
        query = query.where(Task.worker == worker)
    return _order(_rows(session, query))


def due_between(session: Session, worker: str | None, first: date, last: date) -> list[TaskRow]:
    """Tasks due from ``first`` to ``last``, done or not."""
    query = _joined().where(Task.due_on >= first, Task.due_on <= last)
    if worker:
        query = query.where(Task.worker == worker)
    return _order(_rows(session, query))


def for_client(session: Session, client_id: int) -> list[TaskRow]:
    """A client's tasks: the open ones first, by due date."""
    rows = _rows(session, _joined().where(Task.client_id == client_id).order_by(col(Task.due_on)))
    return sorted(_order(rows), key=lambda row: row.done_on is not None)


def add_task(session: Session, values: dict, *, today: date, worker: str | None = None) -> Task:
    """A new task. ``values``: title, due_on, due_time, priority, client (a name or case number, or
    blank), goal_id, referral_id, note, worker (assigned to; blank: whoever adds it)."""
    checks = v.collect(
        ("title", lambda: v.text(values.get("title"), "title", "Task", required=True, max_length=250)),
        ("due_on", lambda: v.parse_date(values.get("due_on"), "due_on", "Due on", required=True)),
        ("due_time", lambda: clock.parse_time(values.get("due_time"), "due_time", "Due at")),
        ("priority", lambda: v.choice(values.get("priority") or "normal", "priority", "Priority", PRIORITIES)),
        ("client", lambda: appointments.find_client(session, values.get("client"))),
        ("note", lambda: v.text(values.get("note"), "note", "Note", max_length=4000)),
        ("worker", lambda: v.text(values.get("worker"), "worker", "Assigned to", max_length=100)),
    )
    if checks["due_on"] < today:
        raise ValidationError("due_on", f"{checks['due_on']:%Y-%m-%d} has passed: a new task is due today or later.")
    client_id, case_id = checks["client"] or (None, None)
    goal_id, referral_id = values.get("goal_id"), values.get("referral_id")
    if goal_id is not None:
        goal = session.get(Goal, goal_id)
        if goal is None:
            raise ValidationError("goal_id", "That goal no longer exists.")
        case_id = case_id or goal.case_id
    if referral_id is not None:
        referral = session.get(Referral, referral_id)
        if referral is None:
            raise ValidationError("referral_id", "That referral no longer exists.")
        case_id = case_id or referral.case_id
    if case_id is not None:
        case = cases.require_open(session, case_id)
        client_id = client_id or case.client_id
    task = Task(
        title=checks["title"],
        due_on=checks["due_on"],
        due_time=checks["due_time"],
        priority=checks["priority"],
        client_id=client_id,
        case_id=case_id,
        goal_id=goal_id,
        referral_id=referral_id,
        note=checks["note"],
        worker=checks["worker"] or worker or audit.worker_of(session),
    )
    session.add(task)
    session.flush()
    fields = [name for name in ("title", "due_on", "due_time", "priority", "note", "worker") if getattr(task, name)]
    fields += [name for name in ("client_id", "case_id", "goal_id", "referral_id") if getattr(task, name)]
    audit.record(session, "create", "task", task.id, client_id=client_id, fields=fields)
    session.flush()
    return task


def set_done(session: Session, task_id: int, done: bool, *, today: date, expected_version: int | None = None) -> Task:
    """Mark a task done today, or not done again."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFoundError("That task no longer exists.")
    concurrency.claim_version(session, task, expected_version, "task")
    changed = audit.changed_fields(task, {"done_on": today if done else None})
    task.updated_at = utcnow()
    session.add(task)
    audit.record(session, "update", "task", task.id, client_id=task.client_id, fields=changed)
    session.flush()
    return task
