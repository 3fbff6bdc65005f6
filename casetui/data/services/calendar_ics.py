"""The worker's appointments as an iCalendar file (RFC 5545) for Outlook, Google Calendar and
Thunderbird, through the ``icalendar`` package.

Each appointment has a stable UID (a re-import updates the event rather than doubling it); a
recurring series is one event with its RRULE, and an occurrence whose status differs from the
series' (cancelled, moved) is an override with its RECURRENCE-ID. A calendar syncs to phones and
clouds, so by default an event names only the client's initials and the case number, and says
nothing of place, purpose or who else comes; ``full_names`` writes them all.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlmodel import Session, select

from casetui.data.services import appointments
from casetui.data.services.appointments import AgendaAppointment
from casetui.data.storage.models import AppointmentSeries

PRODID = "-//casetui//appointments//EN"
UID_DOMAIN = "casetui"
_ICS_STATUS = {"cancelled_client": "CANCELLED", "cancelled_worker": "CANCELLED", "rescheduled": "CANCELLED"}


def _summary(row: AgendaAppointment, full_names: bool) -> str:
    who = row.client_name if full_names else row.initials
    if not who and full_names and row.with_whom:
        who = row.with_whom
    case = f" (case {row.case_id})" if row.case_id else ""
    return f"{row.kind_label}: {who}{case}" if who or case else row.kind_label


def _event(row: AgendaAppointment, uid: str, full_names: bool, stamp: datetime) -> icalendar.Event:
    zone = ZoneInfo(row.time_zone)
    start = datetime.combine(row.starts_on, row.start_time, tzinfo=zone)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=row.duration_minutes))
    event.add("summary", _summary(row, full_names))
    event.add("status", _ICS_STATUS.get(row.status, "CONFIRMED"))
    if full_names:
        if row.place:
            event.add("location", row.place)
        details = [text for text in (row.purpose, f"With: {row.with_whom}" if row.with_whom else None) if text]
        if details:
            event.add("description", "\n".join(details))
    if row.reminder_minutes is not None and row.status == "scheduled":
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _summary(row, full_names))
        alarm.add("trigger", timedelta(minutes=-row.reminder_minutes))
        event.add_component(alarm)
    return event


def export_calendar(
    session: Session,
    worker: str | None,
    today: date,
    *,
    days: int = 90,
    full_names: bool = False,
    now: datetime | None = None,
) -> tuple[bytes, int]:
    """(the .ics bytes, how many events) for ``worker``'s appointments from ``today`` for ``days``
    days. A series with an occurrence in that window is written whole, with its rule."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    rows = appointments.between(session, worker, today, today + timedelta(days=days - 1))
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")  # an import, not an invitation (Outlook asks otherwise)
    calendar.add("x-wr-calname", "casetui appointments")
    series_ids = sorted({row.series_id for row in rows if row.series_id is not None})
    count = 0
    for row in rows:
        if row.series_id is None:
            calendar.add_component(_event(row, f"appointment-{row.id}@{UID_DOMAIN}", full_names, stamp))
            count += 1
    if series_ids:
        rules = {
            series.id: series
            for series in session.exec(select(AppointmentSeries).where(AppointmentSeries.id.in_(series_ids)))
        }
        members: dict[int, list[AgendaAppointment]] = defaultdict(list)
        for row in appointments.in_series(session, series_ids):
            members[row.series_id].append(row)
        for series_id in series_ids:
            occurrences = members[series_id]
            first = occurrences[0]
            uid = f"series-{series_id}@{UID_DOMAIN}"
            master = _event(first, uid, full_names, stamp)
            master.add("rrule", icalendar.vRecur.from_ical(rules[series_id].rrule))
            if first.status != "scheduled":  # the series itself stays on the calendar
                master["status"] = "CONFIRMED"
            calendar.add_component(master)
            count += 1
            for row in occurrences:
                if row.status in _ICS_STATUS:
                    override = _event(row, uid, full_names, stamp)
                    override.add(
                        "recurrence-id", datetime.combine(row.starts_on, row.start_time, tzinfo=ZoneInfo(row.time_zone))
                    )
                    calendar.add_component(override)
    calendar.add_missing_timezones()
    return calendar.to_ical(), count
