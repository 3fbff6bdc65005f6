"""Appointments: scheduling (once or recurring), overlaps, what happened (attended, no-show,
cancelled, rescheduled), and reading them by day.

A recurring appointment is one ``AppointmentSeries`` (its RFC 5545 rule, through dateutil's
``rrule``) and one ``Appointment`` row per occurrence, each with its own status. Starts are
local wall time plus the zone's name: the rule repeats the wall time, so a weekly 10:00 visit
stays at 10:00 across a daylight-saving change; instants (overlaps, reminders, calendars) are
worked out from the zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil import rrule
from sqlmodel import Session, col, select

from casetui.data.domain import agenda_vocab, clock
from casetui.data.domain import validation as v
from casetui.data.domain.errors import NotFoundError, ValidationError
from casetui.data.services import cases
from casetui.data.storage import audit_log as audit
from casetui.data.storage import concurrency
from casetui.data.storage.models import Appointment, AppointmentSeries, Case, Client, Setting, utcnow

KINDS = agenda_vocab.APPOINTMENT_KINDS
STATUSES = agenda_vocab.APPOINTMENT_STATUSES
CANCELLED = frozenset({"cancelled_client", "cancelled_worker"})
# What no longer takes the worker's time: it neither overlaps nor reminds.
OFF_THE_CALENDAR = CANCELLED | {"rescheduled"}
RECURRENCES = agenda_vocab.RECURRENCES
_RULES = {"weekly": (rrule.WEEKLY, 1), "biweekly": (rrule.WEEKLY, 2), "monthly": (rrule.MONTHLY, 1)}
MAX_SERIES_DAYS = 366  # a recurring appointment is planned at most a year ahead
MAX_DURATION = 12 * 60
# The note kind an attended appointment's contact note gets (vocab.NOTE_KINDS).
NOTE_KIND_OF = {"phone": "phone", "video": "phone", "home_visit": "visit", "office": "visit", "accompany": "visit"}


def zone_name(session: Session) -> str:
    """The zone new appointments are in: the "time_zone" setting, else this computer's."""
    row = session.get(Setting, "time_zone")
    return row.value if row is not None and row.value else clock.local_zone_name()


@dataclass
class AgendaAppointment:
    """An appointment as the agenda shows it, with its client's name and case."""

    id: int
    client_id: int | None
    case_id: int | None
    client_name: str  # "" for a meeting without a client
    initials: str
    starts_on: date
    start_time: time
    duration_minutes: int
    time_zone: str
    kind: str
    place: str | None
    with_whom: str | None
    purpose: str | None
    status: str
    series_id: int | None
    reminder_minutes: int | None
    rescheduled_to_id: int | None
    version: int

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def ends_at(self) -> time:
        end = datetime.combine(self.starts_on, self.start_time) + timedelta(minutes=self.duration_minutes)
        return end.time()

    @property
    def starts_utc(self) -> datetime:
        return clock.to_utc(self.starts_on, self.start_time, self.time_zone)

    @property
    def active(self) -> bool:
        return self.status not in OFF_THE_CALENDAR

    def describe(self) -> str:
        """ "14:30 home visit, Notreal" """
        who = f", {self.client_name}" if self.client_name else (f", {self.with_whom}" if self.with_whom else "")
        return f"{self.start_time:%H:%M} {self.kind_label.lower()}{who}"


def _initials(first: str | None, last: str | None) -> str:
    return "".join(f"{part.strip()[0].upper()}." for part in (first, last) if part and part.strip())


def _rows(session: Session, query) -> list[AgendaAppointment]:
    found = []
    for appointment, client in session.exec(query):
        name = ""
        initials = ""
        if client is not None:
            name = f"{client.preferred_name or client.first_name} {client.last_name}".strip()
            initials = _initials(client.preferred_name or client.first_name, client.last_name)
        found.append(
            AgendaAppointment(
                id=appointment.id,
                client_id=appointment.client_id,
                case_id=appointment.case_id,
                client_name=name,
                initials=initials,
                starts_on=appointment.starts_on,
                start_time=appointment.start_time,
                duration_minutes=appointment.duration_minutes,
                time_zone=appointment.time_zone,
                kind=appointment.kind,
                place=appointment.place,
                with_whom=appointment.with_whom,
                purpose=appointment.purpose,
                status=appointment.status,
                series_id=appointment.series_id,
                reminder_minutes=appointment.reminder_minutes,
                rescheduled_to_id=appointment.rescheduled_to_id,
                version=appointment.version,
            )
        )
    return found


def _joined():
    return select(Appointment, Client).join(Client, Client.id == Appointment.client_id, isouter=True)


def between(session: Session, worker: str | None, first: date, last: date) -> list[AgendaAppointment]:
    """The appointments (of ``worker``, or everyone's) from ``first`` to ``last``, in time order."""
    query = _joined().where(Appointment.starts_on >= first, Appointment.starts_on <= last)
    if worker:
        query = query.where(Appointment.worker == worker)
    return _rows(session, query.order_by(Appointment.starts_on, Appointment.start_time, Appointment.id))


def for_client(session: Session, client_id: int) -> list[AgendaAppointment]:
    """A client's appointments, the latest first."""
    query = _joined().where(Appointment.client_id == client_id)
    return _rows(session, query.order_by(col(Appointment.starts_on).desc(), col(Appointment.start_time).desc()))


def in_series(session: Session, series_ids: list[int]) -> list[AgendaAppointment]:
    """Every occurrence of the series named, in date order."""
    query = _joined().where(col(Appointment.series_id).in_(series_ids))
    return _rows(session, query.order_by(Appointment.starts_on, Appointment.id))


def get(session: Session, appointment_id: int) -> AgendaAppointment:
    found = _rows(session, _joined().where(Appointment.id == appointment_id))
    if not found:
        raise NotFoundError("That appointment no longer exists.")
    return found[0]


def last_attended_on(session: Session, case_id: int) -> date | None:
    from sqlalchemy import func

    return session.exec(
        select(func.max(Appointment.starts_on)).where(Appointment.case_id == case_id, Appointment.status == "attended")
    ).one()


def no_show_count(session: Session, client_id: int) -> int:
    from sqlalchemy import func

    return session.exec(
        select(func.count()).where(Appointment.client_id == client_id, Appointment.status == "no_show")
    ).one()


# --- finding the client an appointment is with ------------------------------------------------


def find_client(session: Session, typed, field: str = "client") -> tuple[int, int | None] | None:
    """(client id, open case id or None) for what was typed in a "Client" field: a case number
    ("#12" or "12") or words of the name (every word must match one client with an open case).
    Blank: None (a meeting without a client). Anything else is refused beside the field."""
    text = " ".join(str(typed or "").split())
    if not text:
        return None
    if text.lstrip("#").isdigit():
        case = session.get(Case, int(text.lstrip("#")))
        if case is None:
            raise ValidationError(field, f"There is no case number {text.lstrip('#')}.")
        return case.client_id, case.id
    words = text.lower().split()
    query = select(Case, Client).join(Client, Client.id == Case.client_id).where(Case.closed_on.is_(None))
    matches = {}
    for case, client in session.exec(query):
        names = " ".join(filter(None, (client.first_name, client.preferred_name, client.last_name))).lower()
        if all(word in names for word in words):
            matches.setdefault(client.id, (case.id, client.sort_name))
    if not matches:
        raise ValidationError(field, f"No client with an open case matches “{text}”.")
    if len(matches) > 1:
        names = sorted(name for _case, name in matches.values())
        shown = "; ".join(names[:3]) + ("; …" if len(names) > 3 else "")
        raise ValidationError(field, f"{len(matches)} clients match “{text}” ({shown}): type more of the name.")
    client_id, (case_id, _name) = next(iter(matches.items()))
    return client_id, case_id


# --- scheduling ---------------------------------------------------------------------------------


@dataclass
class Scheduled:
    appointments: list[Appointment]  # the one appointment, or every occurrence of the series
    overlaps: list[AgendaAppointment]  # the worker's other appointments at the same time

    def overlap_message(self) -> str | None:
        if not self.overlaps:
            return None
        first = self.overlaps[0]
        more = f" and {len(self.overlaps) - 1} more" if len(self.overlaps) > 1 else ""
        return f"It overlaps {first.starts_on:%a %d %b} {first.describe()}{more}."


def occurrences(first: date, frequency: str | None, until: date | None) -> list[date]:
    """The days a series falls on (the first included), by its RFC 5545 rule (dateutil)."""
    if not frequency:
        return [first]
    freq, interval = _RULES[frequency]
    start = datetime.combine(first, time())
    return [
        when.date()
        for when in rrule.rrule(freq, interval=interval, dtstart=start, until=datetime.combine(until, time()))
    ]


_FREQ_NAMES = {rrule.WEEKLY: "WEEKLY", rrule.MONTHLY: "MONTHLY"}


def rule_text(frequency: str, last_utc: datetime) -> str:
    """The series' RRULE value, ending at its last occurrence (UNTIL in UTC, as RFC 5545 asks of
    a start with a time zone)."""
    freq, interval = _RULES[frequency]
    return f"FREQ={_FREQ_NAMES[freq]};INTERVAL={interval};UNTIL={last_utc.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _each(*checks) -> tuple[dict, dict[str, str]]:
    """(the values read, the errors by field): every check run, whatever the others gave."""
    values: dict = {}
    errors: dict[str, str] = {}
    for name, check in checks:
        try:
            values[name] = check()
        except ValidationError as exc:
            errors.update(exc.errors)
    return values, errors


def _check(
    session: Session,
    values: dict,
    *,
    now: datetime,
    default_zone: str,
) -> dict:
    """Every field of a new appointment checked at once (errors beside their fields): each
    field alone, then what fields say together (end after start, not in the past, the series'
    end), for the fields that were readable."""
    checks, errors = _each(
        ("client", lambda: find_client(session, values.get("client"))),
        ("starts_on", lambda: v.parse_date(values.get("starts_on"), "starts_on", "Date", required=True)),
        ("start_time", lambda: clock.parse_time(values.get("start_time"), "start_time", "Start", required=True)),
        ("end_time", lambda: clock.parse_time(values.get("end_time"), "end_time", "End")),
        (
            "duration_minutes",
            lambda: v.parse_int(
                values.get("duration_minutes"),
                "duration_minutes",
                "Duration (minutes)",
                minimum=5,
                maximum=MAX_DURATION,
            ),
        ),
        ("kind", lambda: v.choice(values.get("kind") or "office", "kind", "Type", KINDS)),
        ("place", lambda: v.text(values.get("place"), "place", "Place", max_length=250)),
        ("with_whom", lambda: v.text(values.get("with_whom"), "with_whom", "With whom", max_length=250)),
        ("purpose", lambda: v.text(values.get("purpose"), "purpose", "Purpose", max_length=2000)),
        (
            "recurrence",
            lambda: v.choice(values.get("recurrence") or None, "recurrence", "Repeats", RECURRENCES, required=False),
        ),
        ("repeat_until", lambda: v.parse_date(values.get("repeat_until"), "repeat_until", "Repeat until")),
        (
            "reminder_minutes",
            lambda: v.parse_int(
                values.get("reminder_minutes"),
                "reminder_minutes",
                "Reminder (minutes before)",
                minimum=0,
                maximum=7 * 24 * 60,
            ),
        ),
        ("time_zone", lambda: clock.check_zone(values.get("time_zone") or default_zone)),
    )
    start, end = checks.get("start_time"), checks.get("end_time")
    if start is not None and end is not None:
        if end <= start:
            errors["end_time"] = f"The end ({end:%H:%M}) is not after the start ({start:%H:%M})."
        else:
            checks["duration_minutes"] = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if checks.get("duration_minutes") is None and "duration_minutes" not in errors:
        checks["duration_minutes"] = 60
    first, zone_ = checks.get("starts_on"), checks.get("time_zone")
    if first is not None and start is not None and zone_ is not None and clock.to_utc(first, start, zone_) < now:
        errors["starts_on"] = (
            f"{first:%Y-%m-%d} {start:%H:%M} has passed: only what is still to come can be scheduled "
            "(record what happened as a note)."
        )
    recurrence, until = checks.get("recurrence"), checks.get("repeat_until")
    if "recurrence" in errors or "repeat_until" in errors:
        pass
    elif recurrence and until is None:
        errors["repeat_until"] = "A repeating appointment needs the date it ends (at most a year ahead)."
    elif recurrence and first is not None and until < first:
        errors["repeat_until"] = "Repeat until is before the first appointment."
    elif recurrence and first is not None and (until - first).days > MAX_SERIES_DAYS:
        errors["repeat_until"] = (
            f"Repeat until is more than a year after the first appointment: end it by "
            f"{first + timedelta(days=MAX_SERIES_DAYS):%Y-%m-%d} and schedule more later."
        )
    elif until is not None and not recurrence:
        errors["recurrence"] = "Choose how often it repeats, or leave Repeat until blank."
    if errors:
        raise ValidationError(errors)
    return checks


def schedule(session: Session, values: dict, *, now: datetime | None = None, worker: str | None = None) -> Scheduled:
    """Schedule an appointment (with ``recurrence``: every occurrence up to ``repeat_until``).

    ``values`` as a form gives them: client (a name or case number, blank for none), starts_on,
    start_time, end_time or duration_minutes, kind, place, with_whom, purpose, recurrence,
    repeat_until, reminder_minutes, time_zone. Overlaps with the worker's other appointments are
    returned to be shown, not refused (a phone call may overlap a court wait)."""
    now = now or datetime.now(UTC)
    checks = _check(session, values, now=now, default_zone=zone_name(session))
    client_id, case_id = checks["client"] or (None, None)
    if case_id is not None:
        cases.require_open(session, case_id)
    worker = worker or audit.worker_of(session)
    days = occurrences(checks["starts_on"], checks["recurrence"], checks["repeat_until"])
    series = None
    if checks["recurrence"]:
        last_utc = clock.to_utc(days[-1], checks["start_time"], checks["time_zone"])
        series = AppointmentSeries(
            frequency=checks["recurrence"],
            repeat_until=checks["repeat_until"],
            rrule=rule_text(checks["recurrence"], last_utc),
        )
        session.add(series)
        session.flush()
        audit.record(
            session,
            "create",
            "appointment_series",
            series.id,
            client_id=client_id,
            fields=("frequency", "repeat_until", "rrule"),
        )
    overlaps = _overlapping(
        session, worker, days, checks["start_time"], checks["duration_minutes"], checks["time_zone"]
    )
    made = []
    fields = [name for name in ("place", "with_whom", "purpose", "reminder_minutes") if checks[name] is not None]
    for day in days:
        appointment = Appointment(
            client_id=client_id,
            case_id=case_id,
            series_id=series.id if series else None,
            worker=worker,
            starts_on=day,
            start_time=checks["start_time"],
            time_zone=checks["time_zone"],
            duration_minutes=checks["duration_minutes"],
            kind=checks["kind"],
            place=checks["place"],
            with_whom=checks["with_whom"],
            purpose=checks["purpose"],
            reminder_minutes=checks["reminder_minutes"],
        )
        session.add(appointment)
        made.append(appointment)
    session.flush()
    for appointment in made:
        audit.record(
            session,
            "create",
            "appointment",
            appointment.id,
            client_id=client_id,
            fields=["starts_on", "start_time", "time_zone", "duration_minutes", "kind", *fields],
        )
    session.flush()
    return Scheduled(made, overlaps)


def _overlapping(
    session: Session, worker: str, days: list[date], start: time, minutes: int, zone_name_: str, skip: int | None = None
) -> list[AgendaAppointment]:
    """The worker's appointments still on the calendar that share time with any of ``days`` at
    ``start`` for ``minutes`` (compared as instants: two zones may be involved)."""
    if not days:
        return []
    nearby = [
        row
        for row in between(session, worker, min(days) - timedelta(days=1), max(days) + timedelta(days=1))
        if row.active and row.id != skip
    ]
    wanted = set(days)
    found = []
    for row in nearby:
        if not ({row.starts_on, row.starts_on - timedelta(days=1), row.starts_on + timedelta(days=1)} & wanted):
            continue
        other_start = row.starts_utc
        other_end = other_start + timedelta(minutes=row.duration_minutes)
        for day in {row.starts_on - timedelta(days=1), row.starts_on, row.starts_on + timedelta(days=1)} & wanted:
            mine = clock.to_utc(day, start, zone_name_)
            if mine < other_end and other_start < mine + timedelta(minutes=minutes):
                found.append(row)
                break
    return found


# --- what happened --------------------------------------------------------------------------------


def _claim(session: Session, appointment_id: int, expected_version: int | None) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFoundError("That appointment no longer exists.")
    if appointment.case_id is not None:
        cases.require_open(session, appointment.case_id)
    concurrency.claim_version(session, appointment, expected_version, "appointment")
    return appointment


def set_status(
    session: Session,
    appointment_id: int,
    status: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Attended, no-show, cancelled (by the client or the worker), or back to scheduled. Attended
    and no-show are what happened: refused before the appointment's time."""
    v.choice(status, "status", "Status", [code for code in STATUSES if code != "rescheduled"])
    now = now or datetime.now(UTC)
    appointment = _claim(session, appointment_id, expected_version)
    if (
        status in ("attended", "no_show")
        and clock.to_utc(appointment.starts_on, appointment.start_time, appointment.time_zone) > now
    ):
        raise ValidationError(
            "status",
            f"This appointment is at {appointment.starts_on:%Y-%m-%d} {appointment.start_time:%H:%M}: "
            f"it cannot be {STATUSES[status].lower()} before it has begun.",
        )
    if appointment.status == "rescheduled":
        raise ValidationError("status", "This appointment was rescheduled: change the new one instead.")
    changed = audit.changed_fields(appointment, {"status": status})
    appointment.updated_at = utcnow()
    session.add(appointment)
    audit.record(session, "update", "appointment", appointment.id, client_id=appointment.client_id, fields=changed)
    session.flush()
    return appointment


def reschedule(
    session: Session,
    appointment_id: int,
    values: dict,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Scheduled:
    """A new appointment in place of this one (same client, type, place and purpose unless
    given); this one becomes "rescheduled" and names the new one."""
    appointment = _claim(session, appointment_id, expected_version)
    if appointment.status != "scheduled":
        raise ValidationError(
            "status",
            f"Only a scheduled appointment can be rescheduled (this one is "
            f"{STATUSES.get(appointment.status, appointment.status).lower()}).",
        )
    base = {
        "client": f"#{appointment.case_id}" if appointment.case_id else "",
        "kind": appointment.kind,
        "place": appointment.place,
        "with_whom": appointment.with_whom,
        "purpose": appointment.purpose,
        "reminder_minutes": appointment.reminder_minutes,
        "duration_minutes": appointment.duration_minutes,
        "time_zone": appointment.time_zone,
        "start_time": appointment.start_time,  # a new day alone keeps the time
    }
    base.update({key: value for key, value in values.items() if value not in (None, "")})
    base.pop("recurrence", None)
    base.pop("repeat_until", None)
    made = schedule(session, base, now=now, worker=appointment.worker)
    new = made.appointments[0]
    made.overlaps = [row for row in made.overlaps if row.id != appointment.id]
    audit.changed_fields(appointment, {"status": "rescheduled", "rescheduled_to_id": new.id})
    appointment.updated_at = utcnow()
    session.add(appointment)
    audit.record(
        session,
        "update",
        "appointment",
        appointment.id,
        client_id=appointment.client_id,
        fields=("status", "rescheduled_to_id"),
    )
    session.flush()
    return made


def next_up(rows: list[AgendaAppointment], now: datetime) -> AgendaAppointment | None:
    """The first appointment still on the calendar that has not begun."""
    later = [row for row in rows if row.active and row.status == "scheduled" and row.starts_utc >= now]
    return min(later, key=lambda row: row.starts_utc, default=None)


def reminders_due(rows: list[AgendaAppointment], now: datetime, already: set[int]) -> list[AgendaAppointment]:
    """Scheduled appointments whose reminder time has come (and not their start yet), not yet reminded."""
    due = []
    for row in rows:
        if row.id in already or row.status != "scheduled" or row.reminder_minutes is None:
            continue
        starts = row.starts_utc
        if starts - timedelta(minutes=row.reminder_minutes) <= now < starts:
            due.append(row)
    return due


def contact_note_prefill(appointment: AgendaAppointment) -> dict:
    """What the contact note of an attended appointment starts with. One function, so the note's
    structured contact fields can be prefilled here too when notes have them."""
    lines = [f"{appointment.kind_label} {appointment.start_time:%H:%M}-{appointment.ends_at:%H:%M}"]
    if appointment.place:
        lines[0] += f" at {appointment.place}"
    if appointment.with_whom:
        lines.append(f"With: {appointment.with_whom}")
    if appointment.purpose:
        lines.append(f"Purpose: {appointment.purpose}")
    return {
        "occurred_on": appointment.starts_on,
        "kind": NOTE_KIND_OF.get(appointment.kind, "visit"),
        "duration_minutes": appointment.duration_minutes,
        "text": "\n".join(lines) + "\n",
    }
