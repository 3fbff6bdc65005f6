"""`casetui calendar export` and `casetui agenda`: the .ics file read back with the icalendar
package (stable UIDs, the zone, RRULE, STATUS, initials unless --full-names), and the text agenda."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import icalendar
import pytest

from casetui.cli import main
from casetui.data.services import appointments, cases, clients
from casetui.data.storage.database import open_database

WORKER = "J. Rivera"  # the worker the tests' environment names (conftest: CASETUI_WORKER)
ZONE = "America/New_York"
TODAY = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def calendar_db(db_path):
    database = open_database(str(db_path), worker=WORKER)
    with database.transaction() as session:
        client = clients.create_client(session, {"first_name": "Ada", "last_name": "Sampleton"}, TODAY)
        case = cases.open_case(session, client.id, TODAY, worker=WORKER)
        common = {"client": f"#{case.id}", "time_zone": ZONE, "place": "Client's home", "purpose": "Rent arrears"}
        weekly = appointments.schedule(
            session,
            {
                **common,
                "starts_on": "2027-03-02",
                "start_time": "10:00",
                "kind": "home_visit",
                "recurrence": "weekly",
                "repeat_until": "2027-03-30",
                "reminder_minutes": "30",
            },
            now=NOW,
        )
        single = appointments.schedule(
            session, {**common, "starts_on": "2027-03-03", "start_time": "14:30", "kind": "phone"}, now=NOW
        )
        # The client cancels one visit of the series, and the phone call.
        appointments.set_status(session, weekly.appointments[1].id, "cancelled_client", now=NOW)
        appointments.set_status(session, single.appointments[0].id, "cancelled_worker", now=NOW)
    database.dispose()
    return db_path, case.id, weekly, single


def export(tmp_path, db_path, *extra) -> icalendar.Calendar:
    out = tmp_path / "week.ics"
    assert main(["--today", TODAY.isoformat(), "calendar", "export", str(out), "--db", str(db_path), *extra]) == 0
    return icalendar.Calendar.from_ical(out.read_bytes())


def test_the_ics_has_stable_uids_the_zone_the_rule_and_statuses(tmp_path, calendar_db, capsys):
    db_path, case_id, weekly, single = calendar_db
    calendar = export(tmp_path, db_path)
    assert "Wrote 2 events for J. Rivera (with initials and case numbers only)" in capsys.readouterr().out
    events = calendar.walk("VEVENT")
    series_uid = f"series-{weekly.appointments[0].series_id}@casetui"
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    assert sorted(str(e["UID"]) for e in masters) == sorted(
        [series_uid, f"appointment-{single.appointments[0].id}@casetui"]
    )
    master = next(e for e in masters if str(e["UID"]) == series_uid)
    start = master.decoded("DTSTART")
    assert start == datetime(2027, 3, 2, 10, 0, tzinfo=ZoneInfo(ZONE)) and str(start.tzinfo) == ZONE
    assert master["DTSTART"].params["TZID"] == ZONE
    rule = master["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["INTERVAL"] == [1]
    assert rule["UNTIL"][0] == datetime(2027, 3, 30, 14, 0, tzinfo=UTC)  # 10:00 in New York after the change
    assert master["SUMMARY"] == f"Home visit: A.S. (case {case_id})"
    assert "LOCATION" not in master and "DESCRIPTION" not in master  # nothing but initials by default
    assert master.walk("VALARM")[0].decoded("TRIGGER").total_seconds() == -30 * 60
    # The cancelled visit is an override of the series; the cancelled call is cancelled.
    (override,) = [e for e in events if "RECURRENCE-ID" in e]
    assert str(override["UID"]) == series_uid and override["STATUS"] == "CANCELLED"
    assert override.decoded("RECURRENCE-ID") == datetime(2027, 3, 9, 10, 0, tzinfo=ZoneInfo(ZONE))
    call = next(e for e in masters if str(e["UID"]) != series_uid)
    assert call["STATUS"] == "CANCELLED"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == ZONE
    # The same file again: the same UIDs, so a calendar updates rather than doubles.
    again = export(tmp_path, db_path)
    assert sorted(str(e["UID"]) for e in again.walk("VEVENT")) == sorted(str(e["UID"]) for e in events)


def test_full_names_only_when_asked(tmp_path, calendar_db):
    db_path, case_id, _weekly, _single = calendar_db
    master = next(e for e in export(tmp_path, db_path, "--full-names").walk("VEVENT") if "RRULE" in e)
    assert master["SUMMARY"] == f"Home visit: Ada Sampleton (case {case_id})"
    assert master["LOCATION"] == "Client's home" and "Rent arrears" in master["DESCRIPTION"]


def test_the_window_and_bad_arguments(tmp_path, calendar_db, capsys):
    db_path, *_ = calendar_db
    calendar = export(tmp_path, db_path, "--days", "1")  # 1 March only: nothing booked
    assert calendar.walk("VEVENT") == []
    assert main(["calendar", "export", str(tmp_path / "x.txt"), "--db", str(db_path)]) == 1
    assert "should end in .ics" in capsys.readouterr().err
    assert main(["calendar", "export", str(tmp_path / "x.ics"), "--days", "0", "--db", str(db_path)]) == 1
    assert capsys.readouterr().err == "casetui: error: --days must be from 1 to 731.\n"


def test_the_agenda_prints_the_days_as_plain_text(calendar_db, capsys):
    db_path, *_ = calendar_db
    assert (
        main(["--today", TODAY.isoformat(), "agenda", "--date", "2027-03-02", "--days", "2", "--db", str(db_path)]) == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("Agenda for J. Rivera\n\nTuesday 02 March 2027\n")
    assert "  10:00-11:00  Home visit at Client's home  Ada Sampleton\n" in out
    assert (
        "Wednesday 03 March 2027" in out
        and "14:30-15:30  Phone at Client's home  Ada Sampleton [Cancelled by worker]" in out
    )


def test_a_weekly_visit_keeps_its_wall_time_in_the_calendar_across_the_change(tmp_path, calendar_db):
    db_path, *_ = calendar_db
    master = next(e for e in export(tmp_path, db_path).walk("VEVENT") if "RRULE" in e)
    from dateutil import rrule as du

    rule = du.rrulestr(master["RRULE"].to_ical().decode(), dtstart=master.decoded("DTSTART"))
    starts = list(rule)
    assert [s.date() for s in starts] == [date(2027, 3, d) for d in (2, 9, 16, 23, 30)]
    assert {s.timetz().replace(tzinfo=None) for s in starts} == {time(10, 0)}
    assert [s.utcoffset().total_seconds() / 3600 for s in starts] == [-5, -5, -4, -4, -4]
