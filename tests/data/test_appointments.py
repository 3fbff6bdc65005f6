"""Appointments and tasks on real databases (SQLite, and PostgreSQL when configured): scheduling,
recurrence across a daylight-saving change, overlaps, what happened, bad input, the agenda."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from casetui.data.domain.errors import ValidationError
from casetui.data.services import agenda, appointments, caseload, cases, clients, tasks
from casetui.data.storage.models import Appointment, AppointmentSeries, AuditEvent, Task

ZONE = "America/New_York"
NOW = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)  # 08:00 in New York on TODAY


def new_case(session, today, first="Ada", last="Sampleton"):
    client = clients.create_client(session, {"first_name": first, "last_name": last}, today)
    return cases.open_case(session, client.id, today, worker="test-worker")


def book(session, **values):
    given = {"start_time": "10:00", "duration_minutes": "60", "kind": "home_visit", "time_zone": ZONE}
    given.update(values)
    return appointments.schedule(session, given, now=values.pop("now", NOW), worker="test-worker")


def test_an_appointment_is_kept_with_its_wall_time_and_zone_and_audited(session, today):
    case = new_case(session, today)
    made = book(
        session,
        client="Sampleton",
        starts_on="2026-01-16",
        start_time="14:30",
        end_time="15:15",
        place="Client's home",
        purpose="Budget review",
    )
    session.commit()
    (appointment,) = made.appointments
    assert (appointment.client_id, appointment.case_id) == (case.client_id, case.id)
    assert appointment.start_time == time(14, 30) and appointment.duration_minutes == 45
    assert appointment.time_zone == ZONE and appointment.status == "scheduled"
    (row,) = appointments.between(session, "test-worker", date(2026, 1, 16), date(2026, 1, 16))
    assert row.describe() == "14:30 home visit, Ada Sampleton" and row.initials == "A.S."
    assert row.starts_utc == datetime(2026, 1, 16, 19, 30, tzinfo=UTC)
    event = session.exec(select(AuditEvent).where(AuditEvent.entity == "appointment")).one()
    assert event.action == "create" and event.client_id == case.client_id
    assert "purpose" in event.fields and "Budget" not in str(event.fields)  # what changed, never the values


def test_a_weekly_visit_stays_at_ten_across_the_daylight_saving_change(session, today):
    new_case(session, today)
    # New York moves its clocks forward on Sunday 14 March 2027.
    made = book(session, client="Ada", starts_on="2027-03-01", recurrence="weekly", repeat_until="2027-03-29")
    session.commit()
    days = [a.starts_on for a in made.appointments]
    assert days == [date(2027, 3, 1) + timedelta(weeks=n) for n in range(5)]
    rows = appointments.between(session, "test-worker", date(2027, 3, 1), date(2027, 3, 31))
    assert {row.start_time for row in rows} == {time(10, 0)}
    # The wall time holds; the instant moves an hour with the clocks.
    assert [row.starts_utc.hour for row in rows] == [15, 15, 14, 14, 14]
    series = session.exec(select(AppointmentSeries)).one()
    assert series.rrule == "FREQ=WEEKLY;INTERVAL=1;UNTIL=20270329T140000Z"
    assert {a.series_id for a in made.appointments} == {series.id}


def test_every_two_weeks_and_monthly(session, today):
    new_case(session, today)
    biweekly = book(session, client="Ada", starts_on="2026-02-02", recurrence="biweekly", repeat_until="2026-03-16")
    monthly = book(
        session,
        client="Ada",
        starts_on="2026-01-31",
        start_time="15:00",
        recurrence="monthly",
        repeat_until="2026-06-30",
    )
    assert [a.starts_on.day for a in biweekly.appointments] == [2, 16, 2, 16]
    # RFC 5545: a monthly rule on the 31st skips the months that have none.
    assert [a.starts_on for a in monthly.appointments] == [date(2026, 1, 31), date(2026, 3, 31), date(2026, 5, 31)]


def test_an_overlap_is_flagged_when_scheduled_but_not_refused(session, today):
    new_case(session, today)
    new_case(session, today, "Ben", "Notreal")
    book(session, client="Ada", starts_on="2026-01-20", start_time="10:00")
    made = book(session, client="Notreal", starts_on="2026-01-20", start_time="10:30", kind="phone")
    assert [row.client_name for row in made.overlaps] == ["Ada Sampleton"]
    assert made.overlap_message() == "It overlaps Tue 20 Jan 10:00 home visit, Ada Sampleton."
    clear = book(session, client="Notreal", starts_on="2026-01-20", start_time="11:30")
    assert clear.overlaps == [] and clear.overlap_message() is None
    # A cancelled appointment no longer takes the time.
    first = made.overlaps[0]
    appointments.set_status(session, first.id, "cancelled_client", now=NOW)
    assert book(session, client="Ada", starts_on="2026-01-20", start_time="10:15").overlaps[0].kind == "phone"


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"starts_on": "2026-01-20", "start_time": "10:00", "end_time": "09:30"}, "end_time", "not after the start"),
        ({"starts_on": "2026-01-14"}, "starts_on", "has passed"),
        ({"starts_on": "2026-01-15", "start_time": "07:30"}, "starts_on", "has passed"),  # earlier today
        ({"starts_on": "2026-01-20", "recurrence": "weekly"}, "repeat_until", "needs the date it ends"),
        (
            {"starts_on": "2026-01-20", "recurrence": "weekly", "repeat_until": "2027-06-01"},
            "repeat_until",
            "more than a year",
        ),
        ({"starts_on": "2026-01-20", "client": "Nobody Atall"}, "client", "No client with an open case matches"),
        ({"starts_on": "2026-01-20", "client": "#999"}, "client", "no case number 999"),
        ({"starts_on": "2026-01-20", "start_time": "25:00"}, "start_time", "not a time of day"),
        ({"starts_on": "2026-01-20", "time_zone": "Mars/Olympus"}, "time_zone", "not a time zone"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(session, today, values, field, words):
    new_case(session, today)
    values = dict(values)  # the same dict serves each database's run
    with pytest.raises(ValidationError) as refused:
        book(session, client=values.pop("client", "Ada"), **values)
    assert words in refused.value.errors[field]
    session.rollback()
    assert session.exec(select(Appointment)).all() == []
    assert session.exec(select(AuditEvent).where(AuditEvent.entity == "appointment")).all() == []


def test_two_clients_matching_asks_for_more_of_the_name(session, today):
    new_case(session, today, "Ada", "Sampleton")
    new_case(session, today, "Adam", "Sampleton")
    with pytest.raises(ValidationError, match="2 clients match"):
        book(session, client="sampleton", starts_on="2026-01-20")
    assert book(session, client="adam", starts_on="2026-01-20").appointments[0].client_id is not None


def test_a_meeting_without_a_client(session, today):
    made = book(session, client="", starts_on="2026-01-20", kind="other", with_whom="Team meeting")
    (row,) = appointments.between(session, "test-worker", date(2026, 1, 20), date(2026, 1, 20))
    assert made.appointments[0].client_id is None and row.describe() == "10:00 other, Team meeting"


def test_attended_counts_as_the_last_contact_and_no_show_is_counted(session, today):
    case = new_case(session, today)
    session.commit()
    before = caseload.caseload_rows(session, today, worker="test-worker")[0]
    assert before.last_contact_on is None
    made = book(session, client="Ada", starts_on="2026-01-15", start_time="09:00", now=NOW)
    late = NOW + timedelta(hours=3)
    appointment = made.appointments[0]
    appointments.set_status(session, appointment.id, "attended", now=late, expected_version=1)
    session.commit()
    row = caseload.caseload_rows(session, today, worker="test-worker")[0]
    assert row.last_contact_on == date(2026, 1, 15) and row.days_since_contact == 0
    prefill = appointments.contact_note_prefill(appointments.get(session, appointment.id))
    assert prefill["occurred_on"] == date(2026, 1, 15) and prefill["kind"] == "visit"
    assert prefill["duration_minutes"] == 60 and prefill["text"].startswith("Home visit 09:00-10:00")
    other = book(session, client="Ada", starts_on="2026-01-15", start_time="10:30", now=NOW).appointments[0]
    appointments.set_status(session, other.id, "no_show", now=late)
    assert appointments.no_show_count(session, case.client_id) == 1


def test_attended_is_refused_before_the_appointment_has_begun(session, today):
    new_case(session, today)
    appointment = book(session, client="Ada", starts_on="2026-01-20").appointments[0]
    with pytest.raises(ValidationError, match="before it has begun"):
        appointments.set_status(session, appointment.id, "attended", now=NOW)


def test_rescheduled_links_to_its_new_appointment(session, today):
    new_case(session, today)
    old = book(session, client="Ada", starts_on="2026-01-20", place="Office 2").appointments[0]
    made = appointments.reschedule(session, old.id, {"starts_on": "2026-01-22", "start_time": "11:00"}, now=NOW)
    session.commit()
    new = made.appointments[0]
    session.refresh(old)
    assert old.status == "rescheduled" and old.rescheduled_to_id == new.id
    assert (new.starts_on, new.start_time, new.place, new.kind) == (
        date(2026, 1, 22),
        time(11, 0),
        "Office 2",
        "home_visit",
    )
    with pytest.raises(ValidationError, match="Only a scheduled appointment"):
        appointments.reschedule(session, old.id, {"starts_on": "2026-01-23"}, now=NOW)


def test_tasks_due_overdue_and_done(session, today):
    case = new_case(session, today)
    call = tasks.add_task(
        session,
        {"title": "Call the landlord", "due_on": "2026-01-16", "due_time": "9am", "priority": "high", "client": "Ada"},
        today=today,
    )
    form = tasks.add_task(session, {"title": "Send the housing form", "due_on": today}, today=today)
    # One left over from last week (written as it stood then).
    session.add(
        Task(
            title="Ask for the ID copy",
            due_on=today - timedelta(days=3),
            worker="test-worker",
            client_id=case.client_id,
            case_id=case.id,
        )
    )
    session.commit()
    assert call.case_id == case.id and call.due_time == time(9, 0)
    due = tasks.open_due(session, "test-worker", today)
    assert [row.title for row in due] == ["Ask for the ID copy", "Send the housing form"]
    assert due[0].overdue(today) and not due[1].overdue(today)
    tasks.set_done(session, form.id, True, today=today, expected_version=1)
    assert [row.title for row in tasks.open_due(session, "test-worker", today)] == ["Ask for the ID copy"]
    tasks.set_done(session, form.id, False, today=today)
    assert len(tasks.open_due(session, "test-worker", today)) == 2
    assert [row.title for row in tasks.for_client(session, case.client_id)][0] == "Ask for the ID copy"
    with pytest.raises(ValidationError) as refused:
        tasks.add_task(session, {"title": "", "due_on": "2026-01-10", "client": "Nobody"}, today=today)
    assert set(refused.value.errors) == {"title", "client"}
    with pytest.raises(ValidationError, match="has passed"):
        tasks.add_task(session, {"title": "Late", "due_on": "2026-01-10"}, today=today)
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "task")).all()
    assert [event.action for event in events] == ["create", "create", "update", "update"]


def test_the_day_agenda_and_its_text(session, today):
    new_case(session, today)
    book(session, client="Ada", starts_on="2026-01-15", start_time="14:30", place="Client's home", now=NOW)
    book(
        session, client="", starts_on="2026-01-15", start_time="09:00", kind="office", with_whom="Supervision", now=NOW
    )
    tasks.add_task(session, {"title": "Call the landlord", "due_on": today, "client": "Ada"}, today=today)
    session.commit()
    day = agenda.day(session, "test-worker", today, today)
    assert [row.start_time for row in day.appointments] == [time(9, 0), time(14, 30)]
    assert day.summary(today).startswith("2 appointments today · 1 task due")
    assert agenda.next_line(day.appointments, NOW + timedelta(hours=2)) == "next: 14:30 home visit, Ada Sampleton"
    text = agenda.as_text(session, "test-worker", today, today, days=2)
    assert "Thursday 15 January 2026" in text and "Friday 16 January 2026" in text
    assert "  14:30-15:30  Home visit at Client's home  Ada Sampleton" in text
    assert "  [ ] 2026-01-15  Call the landlord  (Ada Sampleton)" in text
    week = agenda.week(session, "test-worker", today, today)
    assert [len(d.appointments) for d in week] == [2, 0, 0, 0, 0, 0, 0]


def test_reminders_come_at_their_lead_time_once(session, today):
    new_case(session, today)
    book(session, client="Ada", starts_on="2026-01-15", start_time="10:00", reminder_minutes="15", now=NOW)
    rows = appointments.between(session, "test-worker", today, today)
    at_nine_forty = datetime(2026, 1, 15, 14, 40, tzinfo=UTC)
    assert appointments.reminders_due(rows, at_nine_forty, set()) == []
    at_nine_fifty = datetime(2026, 1, 15, 14, 50, tzinfo=UTC)
    (due,) = appointments.reminders_due(rows, at_nine_fifty, set())
    assert appointments.reminders_due(rows, at_nine_fifty, {due.id}) == []


def test_a_clients_export_carries_appointments_and_tasks_and_imports_them(session, today):
    import json

    from casetui.data.services import portability

    case = new_case(session, today)
    book(session, client="Ada", starts_on="2027-03-01", recurrence="weekly", repeat_until="2027-03-15")
    values = {"title": "Call the landlord", "due_on": "2026-01-16", "due_time": "09:00", "client": "Ada"}
    tasks.add_task(session, values, today=today)
    old = book(session, client="Ada", starts_on="2026-02-02", start_time="09:00").appointments[0]
    appointments.reschedule(session, old.id, {"starts_on": "2026-02-03"}, now=NOW)
    session.commit()
    data = json.loads(json.dumps(portability.export_data(session, case.client_id)))  # as the file holds it
    exported = data["clients"][0]["cases"][0]
    assert [a["start_time"] for a in exported["appointments"]] == ["10:00:00"] * 3 + ["09:00:00"] * 2
    assert exported["appointments"][0]["time_zone"] == ZONE and exported["tasks"][0]["due_time"] == "09:00:00"
    (new_id,) = portability.import_data(session, data, today)
    session.commit()
    imported = session.exec(
        select(Appointment).where(Appointment.client_id == new_id).order_by(Appointment.starts_on)
    ).all()
    moved, new_one = imported[:2]
    assert (moved.status, moved.rescheduled_to_id) == ("rescheduled", new_one.id)  # the link, to the copy
    imported = imported[2:]
    assert [(a.starts_on, a.start_time) for a in imported] == [
        (date(2027, 3, 1), time(10, 0)),
        (date(2027, 3, 8), time(10, 0)),
        (date(2027, 3, 15), time(10, 0)),
    ]
    # The series comes too (a copy of its rule), shared by the three.
    (series_id,) = {a.series_id for a in imported}
    original = session.exec(select(Appointment).where(Appointment.client_id == case.client_id)).first()
    assert series_id is not None and series_id != original.series_id
    assert session.get(AppointmentSeries, series_id).rrule == session.get(AppointmentSeries, original.series_id).rrule
    (copied,) = tasks.for_client(session, new_id)
    assert copied.title == "Call the landlord" and copied.due_time == time(9, 0) and copied.case_id != case.id


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("14:30", time(14, 30)),
        ("9:05", time(9, 5)),
        ("2:30pm", time(14, 30)),
        ("12am", time(0, 0)),
        ("12:15 PM", time(12, 15)),
        ("14h30", time(14, 30)),
        ("7", time(7, 0)),
    ],
)
def test_times_are_read_as_people_type_them(typed, read):
    from casetui.data.domain import clock

    assert clock.parse_time(typed, "start_time", "Start") == read


@pytest.mark.parametrize("typed", ["24:00", "13pm", "half past", "9:60"])
def test_a_time_that_is_not_one_is_refused_in_words(typed):
    from casetui.data.domain import clock

    with pytest.raises(ValidationError) as refused:
        clock.parse_time(typed, "start_time", "Start")
    assert refused.value.errors["start_time"].startswith("Start: ")
