"""A worker's day and week: appointments in time order, tasks due or overdue, and what the
caseload says is due (case reviews, goals, referral follow-ups, no contact for too long).

The morning view, the week view and ``casetui agenda`` all read through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from casetui.data.services import appointments, caseload, tasks
from casetui.data.services.appointments import AgendaAppointment
from casetui.data.services.caseload import DueItem
from casetui.data.services.tasks import TaskRow


@dataclass
class Day:
    day: date
    appointments: list[AgendaAppointment]
    tasks: list[TaskRow]  # due this day (on today: also every overdue one not done)
    due: list[DueItem] = field(default_factory=list)  # the caseload's items due (on today: and overdue)
    client_names: dict[int, str] = field(default_factory=dict)  # for the due items

    def summary(self, today: date) -> str:
        booked = [row for row in self.appointments if row.active]
        open_tasks = [row for row in self.tasks if row.done_on is None]
        overdue = sum(1 for row in open_tasks if row.overdue(today))
        when = "today" if self.day == today else f"on {self.day:%a %d %b}"
        parts = [_count(len(booked), "appointment") + f" {when}", _count(len(open_tasks), "task") + " due"]
        if overdue:
            parts[-1] += f" ({overdue} overdue)"
        if self.due:
            parts.append(_count(len(self.due), "caseload item") + " due")
        return " · ".join(parts)


def _count(number: int, what: str) -> str:
    return f"{number} {what}" if number == 1 else f"{number} {what}s"


def day(session: Session, worker: str | None, on: date, today: date, *, with_due: bool = True) -> Day:
    """One day's agenda. On ``today`` the tasks and caseload items include the overdue ones."""
    rows = appointments.between(session, worker, on, on)
    if on == today:
        # and the ones done today, whenever they were due: what was done stays in view
        todo = tasks.open_due(session, worker, on) + tasks.done_on(session, worker, on)
    else:
        todo = tasks.due_between(session, worker, on, on)
    result = Day(on, rows, todo)
    if with_due:
        loaded = caseload.load_caseload(session, today, worker=worker, with_items=True)
        names = {row.client_id: row.client_name for row in loaded.rows}
        if on == today:
            result.due = [item for item in loaded.items if item.urgency <= caseload.TODAY]
        else:
            result.due = [item for item in loaded.items if item.due_on == on and item.urgency != caseload.SAFETY]
        result.client_names = names
    return result


def week(session: Session, worker: str | None, first: date, today: date, days: int = 7) -> list[Day]:
    """``days`` days from ``first``: each day's appointments and tasks (the caseload's items are
    the morning view's, not the week's)."""
    last = first + timedelta(days=days - 1)
    by_day = {first + timedelta(days=n): Day(first + timedelta(days=n), [], []) for n in range(days)}
    for row in appointments.between(session, worker, first, last):
        by_day[row.starts_on].appointments.append(row)
    for row in tasks.due_between(session, worker, first, last):
        by_day[row.due_on].tasks.append(row)
    return list(by_day.values())


def next_line(rows: list[AgendaAppointment], now: datetime) -> str:
    """ "next: 14:30 home visit, Notreal" for the appointments of the day, or "" when none is left."""
    upcoming = appointments.next_up(rows, now)
    return f"next: {upcoming.describe()}" if upcoming else ""


def as_text(session: Session, worker: str | None, first: date, today: date, days: int = 1) -> str:
    """The agenda as plain text, for a morning print or a script (``casetui agenda``)."""
    lines = []
    for n in range(days):
        on = first + timedelta(days=n)
        agenda = day(session, worker, on, today, with_due=(on == today))
        lines.append(f"{on:%A %d %B %Y}")
        lines.append("=" * len(lines[-1]))
        lines.append(agenda.summary(today))
        lines.append("")
        lines.append("Appointments")
        if not agenda.appointments:
            lines.append("  none")
        for row in agenda.appointments:
            who = row.client_name or row.with_whom or ""
            place = f" at {row.place}" if row.place else ""
            status = "" if row.status == "scheduled" else f" [{row.status_label}]"
            lines.append(
                f"  {row.start_time:%H:%M}-{row.ends_at:%H:%M}  {row.kind_label}{place}"
                + (f"  {who}" if who else "")
                + status
            )
        lines.append("")
        lines.append("Tasks")
        if not agenda.tasks:
            lines.append("  none")
        for row in agenda.tasks:
            mark = "[x]" if row.done_on else "[ ]"
            late = "  OVERDUE" if row.overdue(today) else ""
            at = f" {row.due_time:%H:%M}" if row.due_time else ""
            who = f"  ({row.client_name})" if row.client_name else ""
            lines.append(f"  {mark} {row.due_on:%Y-%m-%d}{at}  {row.title}{who}{late}")
        if agenda.due:
            lines.append("")
            lines.append("Due on the caseload")
            for item in agenda.due:
                name = agenda.client_names.get(item.client_id, "")
                lines.append(f"  {item.due_on:%Y-%m-%d}  {item.urgency_label:<8} {name}: {item.label}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
