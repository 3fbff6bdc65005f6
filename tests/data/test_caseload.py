"""What the caseload says is due, computed from real database files with a pinned date."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import timedelta

import pytest
from sqlalchemy import event

from casetui.data.services import (
    caseload,
    cases,
    clients,
    consent,
    demo,
    notes,
    settings,
)
from casetui.data.services.caseload import LATER, OVERDUE, SAFETY, THIS_WEEK
from casetui.data.services.caseload import TODAY as DUE_TODAY
from casetui.data.storage import files
from casetui.data.storage.database import open_database
from casetui.data.storage.models import Consent, Goal, Note, Objective, Referral


def make_case(session, today, first="Ada", last="Sampleton", *, worker=None, opened_days_ago=10):
    client = clients.create_client(session, {"first_name": first, "last_name": last}, today)
    case = cases.open_case(session, client.id, today - timedelta(days=opened_days_ago), worker=worker)
    return client, case


def add_goal(session, case, today, *, due_in, status="active", objectives=()):
    goal = Goal(
        case_id=case.id,
        statement="I want a place of my own.",
        start_on=today - timedelta(days=30),
        due_on=today + timedelta(days=due_in),
        lifecycle_status=status,
    )
    session.add(goal)
    session.flush()
    for text, due, done in objectives:
        session.add(
            Objective(goal_id=goal.id, text=text, due_on=today + timedelta(days=due), done_on=today if done else None)
        )
    session.commit()
    return goal


def test_every_kind_of_due_item_with_its_urgency(session, today):
    client, case = make_case(session, today, opened_days_ago=100)
    case.next_review_on = today + timedelta(days=3)
    session.add(case)
    session.commit()
    add_goal(session, case, today, due_in=-2, objectives=[("Get ID", 0, False), ("Done already", -5, True)])
    add_goal(session, case, today, due_in=-50, status="completed")  # closed lifecycle: not due
    session.add(
        Referral(
            case_id=case.id,
            provider_name="Cedar Alliance",
            service_name="Food Pantry",
            referred_on=today - timedelta(days=20),
            follow_up_on=today + timedelta(days=30),
        )
    )
    session.add(
        Referral(
            case_id=case.id,
            provider_name="Cedar Alliance",
            service_name="Done Service",
            referred_on=today - timedelta(days=20),
            follow_up_on=today - timedelta(days=1),
            status="service_received",
        )
    )
    session.commit()
    consent.record_consent(
        session,
        client.id,
        recipient="Riverton Housing",
        scope="referral",
        signed_on=today - timedelta(days=90),
        expires_on=today + timedelta(days=12),
        today=today,
    )
    cases.raise_safety_flag(session, case.id, "PHQ-9 item 9 answered above 0")
    session.commit()
    notes.add_note(
        session, case.id, occurred_on=today - timedelta(days=45), kind="visit", text="Home visit", today=today
    )

    items = caseload.due_items(session, today)
    got = {(item.kind, item.urgency) for item in items}
    assert got == {
        ("goal", OVERDUE),
        ("no_contact", OVERDUE),
        ("safety", SAFETY),
        ("objective", DUE_TODAY),
        ("review", THIS_WEEK),
        ("consent", LATER),
        ("referral", LATER),
    }
    # Sorted by urgency, then date.
    assert items == sorted(items, key=lambda item: (item.urgency, item.due_on))
    assert items[0].kind == "safety"  # a safety flag awaiting follow-up comes first
    assert all(item.case_id == case.id and item.client_id == client.id for item in items)
    no_contact = next(item for item in items if item.kind == "no_contact")
    assert "45 days" in no_contact.label

    [row] = caseload.caseload_rows(session, today)
    assert row.client_name == "Sampleton, Ada"
    assert row.open_goals == 1
    assert row.days_since_contact == 45
    assert row.consent == "expiring"
    assert row.safety_flag and row.overdue and row.due_this_week
    assert row.next_item.kind == "safety"  # before the no-contact item due 14 days ago


def test_no_contact_counts_from_opening_and_uses_the_setting(session, today):
    _client, case = make_case(session, today, opened_days_ago=20)
    assert not [i for i in caseload.due_items(session, today) if i.kind == "no_contact"]
    settings.set_value(session, "no_contact_days", "14")
    [item] = [i for i in caseload.due_items(session, today) if i.kind == "no_contact"]
    assert item.urgency == OVERDUE and "since the case opened" in item.label
    notes.add_note(session, case.id, occurred_on=today, kind="phone", text="Called", today=today)
    assert not [i for i in caseload.due_items(session, today) if i.kind == "no_contact"]
    # A plain case note is not a contact.
    settings.set_value(session, "no_contact_days", "0")
    notes.add_note(session, case.id, occurred_on=today, kind="note", text="Wrote up", today=today)
    [row] = caseload.caseload_rows(session, today)
    assert row.days_since_contact == 0


def test_expired_consent_shows_until_a_newer_one_replaces_it(session, today):
    client, _case = make_case(session, today)
    consent.record_consent(
        session,
        client.id,
        recipient="Legal Aid",
        scope="referral",
        signed_on=today - timedelta(days=400),
        expires_on=today - timedelta(days=5),
        today=today,
    )
    [item] = [i for i in caseload.due_items(session, today) if i.kind == "consent"]
    assert item.urgency == OVERDUE and "expired" in item.label
    assert caseload.caseload_rows(session, today)[0].consent == "expired"
    consent.record_consent(
        session,
        client.id,
        recipient="legal  aid",
        scope="referral",
        signed_on=today - timedelta(days=1),
        expires_on=today + timedelta(days=300),
        today=today,
    )
    assert not [i for i in caseload.due_items(session, today) if i.kind == "consent"]
    assert caseload.caseload_rows(session, today)[0].consent == "current"


def test_worker_filter_and_closed_cases(session, today):
    make_case(session, today, "Bram", "Fictor", worker="A. Okafor")
    _client, mine = make_case(session, today, "Cleo", "Mockridge", worker="J. Rivera")
    _client, closed = make_case(session, today, "Dario", "Placeholm", worker="J. Rivera")
    closed.closed_on = today
    session.add(closed)
    session.commit()
    assert [r.case_id for r in caseload.caseload_rows(session, today, worker="J. Rivera")] == [mine.id]
    assert len(caseload.caseload_rows(session, today)) == 2
    assert caseload.workers(session) == ["A. Okafor", "J. Rivera"]


def test_demo_caseload_summary_and_order(demo_db, today):
    with demo_db.transaction() as session:
        loaded = caseload.load_caseload(session, today)
    assert len(loaded.rows) == 25
    assert loaded.summary().endswith("· 25 open")
    keys = [row.sort_key for row in loaded.rows]
    assert keys == sorted(keys)
    assert any(row.overdue for row in loaded.rows)


def test_few_queries_whatever_the_number_of_cases(demo_db, today):
    statements = []
    event.listen(demo_db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with demo_db.transaction() as session:
        caseload.load_caseload(session, today)
    assert len(statements) <= 8


def test_the_stdlib_reader_gives_the_same_rows(demo_path, demo_db, today):
    with demo_db.transaction() as session:
        expected = caseload.load_caseload(session, today)
    with files.reading(demo_path) as (state, conn):
        assert state.kind == files.Kind.CURRENT and isinstance(conn, sqlite3.Connection)
        got = caseload.load_caseload(conn, today)
    assert got == expected


def write_varied_caseload(session, today, cases_wanted=45):
    """Open cases with every kind of item, names that tie, consents that replace one another
    (the recipient typed differently), revoked or not yet signed ones, and another worker's."""
    rng = random.Random(13)
    names = [("Ada", "Sampleton"), ("Bram", "Fictor"), ("Cleo", "Mockridge"), ("Dario", "Placeholm"), ("Esme", "Zed")]
    settings.set_value(session, "no_contact_days", "20")
    # Two the ranking could get wrong: an expired consent since revoked (nothing due), and a
    # case whose only note is a plain note, not a contact (no contact for 50 days: overdue).
    client, _case = make_case(session, today, "Fenna", "Revokedale", worker="J. Rivera", opened_days_ago=0)
    session.add(
        Consent(
            client_id=client.id,
            recipient="Legal Aid",
            scope="referral",
            signed_on=today - timedelta(days=400),
            expires_on=today - timedelta(days=5),
            revoked_on=today - timedelta(days=10),
        )
    )
    _client, case = make_case(session, today, "Gus", "Notewright", worker="J. Rivera", opened_days_ago=50)
    session.add(Note(case_id=case.id, occurred_on=today, kind="note", text="Wrote up the file"))
    # Expired consents replaced by newer ones to the same recipients, typed differently.
    for old, new in (("SOCIÉTÉ AIDE", "Société Aide"), ("Legal Aid", "legal  aid")):
        client, _case = make_case(session, today, "Hana", "Renewcombe", worker="J. Rivera", opened_days_ago=0)
        for recipient, signed, expires in ((old, -400, -5), (new, -1, 300)):
            session.add(
                Consent(
                    client_id=client.id,
                    recipient=recipient,
                    scope="referral",
                    signed_on=today + timedelta(days=signed),
                    expires_on=today + timedelta(days=expires),
                )
            )
    for n in range(cases_wanted):
        first, last = rng.choice(names)
        client = clients.create_client(
            session, {"first_name": first, "last_name": last, "preferred_name": rng.choice(["", "", "Pip"])}, today
        )
        worker = "J. Rivera" if rng.random() < 0.8 else "A. Okafor"
        case = cases.open_case(session, client.id, today - timedelta(days=rng.randint(0, 90)), worker=worker)
        if rng.random() < 0.1:
            cases.raise_safety_flag(session, case.id, "PHQ-9 item 9 answered above 0")
        if rng.random() < 0.5:
            case.next_review_on = today + timedelta(days=rng.randint(-10, 40))
            session.add(case)
        if rng.random() < 0.4:
            add_goal(
                session, case, today, due_in=rng.randint(-20, 60), objectives=[("Get ID", rng.randint(-5, 9), False)]
            )
        if rng.random() < 0.3:
            session.add(
                Referral(
                    case_id=case.id,
                    provider_name="Cedar Alliance",
                    service_name="Food Pantry",
                    referred_on=today - timedelta(days=30),
                    follow_up_on=today + timedelta(days=rng.randint(-15, 30)),
                )
            )
        for _ in range(rng.choice([0, 0, 1, 3])):
            kind = rng.choice(["phone", "visit", "note"])
            session.add(
                Note(case_id=case.id, occurred_on=today - timedelta(days=rng.randint(0, 60)), kind=kind, text="x")
            )
        for _ in range(rng.choice([0, 1, 2, 3])):
            signed = today - timedelta(days=rng.randint(-3, 400))  # now and then not signed yet
            session.add(
                Consent(
                    client_id=client.id,
                    recipient=rng.choice(
                        ["Legal Aid", "legal  aid", " LEGAL AID", "Société Aide", "SOCIÉTÉ AIDE", "Riverton"]
                    ),
                    scope="referral",
                    signed_on=signed,
                    expires_on=rng.choice(
                        [None, max(signed, today - timedelta(days=30)) + timedelta(days=rng.randint(1, 60))]
                    ),
                    revoked_on=rng.choice([None, None, None, today - timedelta(days=1), today + timedelta(days=3)]),
                )
            )
        if n % 15 == 14:
            case.closed_on = today
            session.add(case)
        session.commit()


@pytest.mark.parametrize("worker", ["J. Rivera", None])
def test_the_first_rows_are_the_whole_caseloads_first_rows(db_path, today, worker):
    database = open_database(str(db_path), worker="J. Rivera")
    with database.transaction() as session:
        write_varied_caseload(session, today)
        whole = caseload.load_caseload(session, today, worker=worker)
    database.dispose()
    assert len(whole.rows) > 20 and any(row.safety_flag for row in whole.rows)
    assert {row.consent for row in whole.rows} >= {"expired", "current", "none"}
    assert len({row.client_name for row in whole.rows}) < len(whole.rows)  # names tie: the case id decides
    for limit in range(1, len(whole.rows) + 2):
        state, first = caseload.first_caseload(db_path, today, worker=worker, limit=limit)
        assert state.kind == files.Kind.CURRENT
        assert first.rows == whole.rows[:limit], limit
        assert first.workers == whole.workers and first.complete == (limit >= len(whole.rows))
    assert not first.summary().startswith("The")
    state, first = caseload.first_caseload(db_path, today, worker=worker, limit=3)
    assert first.summary() == "The 3 most urgent cases · reading the rest of the caseload…"


def test_the_first_read_gives_no_rows_for_any_other_file(tmp_path, demo_path, today):
    text_file = tmp_path / "notes.db"
    text_file.write_text("hello")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    empty = tmp_path / "empty.db"
    empty.touch()
    newer = tmp_path / "newer.db"
    shutil.copy(demo_path, newer)
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute("UPDATE casetui_meta SET value = '999' WHERE key = 'schema_version'")
        conn.commit()
    older = tmp_path / "older.db"
    shutil.copy(demo_path, older)
    with closing(sqlite3.connect(older)) as conn:
        conn.execute("UPDATE casetui_meta SET value = '3' WHERE key = 'schema_version'")
        conn.commit()
    found = {}
    for path in (text_file, other, empty, newer, older, tmp_path / "missing.db", tmp_path):
        state, first = caseload.first_caseload(path, today, worker=demo.DEMO_WORKER)
        assert first is None
        found[path.name] = state.kind
    assert found == {
        "notes.db": files.Kind.FOREIGN,
        "other.db": files.Kind.FOREIGN,
        "empty.db": files.Kind.EMPTY,
        "newer.db": files.Kind.NEWER,
        "older.db": files.Kind.OLDER,  # migrated (after a backup) before anything is shown
        "missing.db": files.Kind.MISSING,
        tmp_path.name: files.Kind.FOLDER,
    }
    assert not (tmp_path / "missing.db").exists()


def test_a_casetui_file_that_cannot_be_read_is_reported_not_shown(demo_path, today):
    # Current at first sight, but the read fails (here: a table gone): it is called damaged.
    with closing(sqlite3.connect(demo_path)) as conn:
        conn.execute("DROP TABLE referral")
        conn.commit()
    state, first = caseload.first_caseload(demo_path, today, worker=demo.DEMO_WORKER)
    assert first is None and state.kind == files.Kind.DAMAGED
    assert "no such table: referral" in state.message and "casetui restore" in state.message


def test_the_caseload_module_does_not_import_sqlalchemy_or_textual():
    code = (
        "import sys, casetui.data.services.caseload, casetui.data.storage.files; "
        "bad = [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'textual', 'rich') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rows_agree_with_the_full_list_of_items(demo_db, today):
    with demo_db.transaction() as session:
        loaded = caseload.load_caseload(session, today, with_items=True)
    by_case: dict[int, list] = {}
    for item in loaded.items:
        by_case.setdefault(item.case_id, []).append(item)
    for row in loaded.rows:
        mine = by_case.get(row.case_id, [])
        assert row.next_item == (min(mine) if mine else None)
        assert row.overdue_count == sum(1 for item in mine if item.urgency <= OVERDUE)  # safety counts as overdue
        assert row.week_count == sum(1 for item in mine if item.urgency in (DUE_TODAY, THIS_WEEK))


# --- sorting, closed cases, intake drafts ---------------------------------------------------------


def test_sort_rows_by_any_column_keeps_the_usual_order_among_equals(session, today):
    for first, last, days in (("Ada", "Zed", 40), ("Bo", "Abbot", 5), ("Cy", "Moss", 40)):
        make_case(session, today, first, last, opened_days_ago=days)
    session.commit()
    rows = caseload.caseload_rows(session, today)
    by_name = caseload.sort_rows(rows, caseload.CASELOAD_SORTS, "client")
    assert [row.client_name for row in by_name] == ["Abbot, Bo", "Moss, Cy", "Zed, Ada"]
    assert [row.client_name for row in caseload.sort_rows(rows, caseload.CASELOAD_SORTS, "client", True)] == [
        "Zed, Ada",
        "Moss, Cy",
        "Abbot, Bo",
    ]
    # Two cases 40 days without contact: equal, so they keep the caseload's order either way.
    stale = caseload.sort_rows(rows, caseload.CASELOAD_SORTS, "contact", True)
    assert [row.days_since_contact for row in stale] == [40, 40, 5]
    assert [row.case_id for row in stale[:2]] == [row.case_id for row in rows if row.days_since_contact == 40]
    for column in caseload.CASELOAD_SORTS:  # every column sorts, a case with nothing due included
        assert len(caseload.sort_rows(rows, caseload.CASELOAD_SORTS, column)) == 3


def close(session, case, today, reason="goals_met", other=None, *, days_ago=3):
    from datetime import UTC, datetime

    from casetui.data.storage.models import Discharge

    closed_on = today - timedelta(days=days_ago)
    closed_at = datetime.combine(closed_on, datetime.min.time(), tzinfo=UTC)
    case.closed_on, case.stage = closed_on, "closure"
    session.add(case)
    session.add(
        Discharge(case_id=case.id, reason=reason, reason_other=other, discharge_on=closed_on, closed_at=closed_at)
    )
    session.commit()


def test_closed_cases_latest_first_with_the_reason(session, today):
    _client, first = make_case(session, today, "Ada", "Sampleton", worker="A. Worker")
    _client, second = make_case(session, today, "Bo", "Testley", worker="B. Worker")
    make_case(session, today, "Cy", "Openshaw", worker="A. Worker")  # still open: not listed
    close(session, first, today, days_ago=10)
    close(session, second, today, "other", "Moved to another province", days_ago=2)
    rows = caseload.closed_cases(session)
    assert [(row.client_name, row.closed_on, row.reason) for row in rows] == [
        ("Testley, Bo", today - timedelta(days=2), "Moved to another province"),
        ("Sampleton, Ada", today - timedelta(days=10), "Goals met by mutual agreement"),
    ]
    assert [row.case_id for row in caseload.closed_cases(session, worker="A. Worker")] == [first.id]
    by_reason = caseload.sort_rows(rows, caseload.CLOSED_SORTS, "reason")
    assert [row.client_name for row in by_reason] == ["Sampleton, Ada", "Testley, Bo"]


def test_intake_drafts_with_whose_and_when_leaving_out_closed_cases(session, today):
    from datetime import UTC, datetime

    from casetui.data.storage.models import IntakeDraft

    _client, case = make_case(session, today, "Ada", "Sampleton", worker="A. Worker")
    _client, gone = make_case(session, today, "Bo", "Closedby", worker="A. Worker")
    session.add(
        IntakeDraft(
            worker="A. Worker",
            data={"first_name": "Di", "last_name": "Newcome"},
            updated_at=datetime(2024, 5, 1, 8, 0, tzinfo=UTC),
        )
    )
    session.add(IntakeDraft(case_id=case.id, worker="A. Worker", updated_at=datetime(2024, 5, 3, 8, 0, tzinfo=UTC)))
    session.add(IntakeDraft(worker="B. Worker", data={}, updated_at=datetime(2024, 5, 2, 8, 0, tzinfo=UTC)))
    session.add(IntakeDraft(case_id=gone.id, worker="A. Worker"))
    session.commit()
    close(session, gone, today)
    rows = caseload.intake_drafts(session)
    assert [(row.client_name, row.what, row.worker, row.saved_at) for row in rows] == [
        ("Sampleton, Ada", "Reassessment", "A. Worker", datetime(2024, 5, 3, 8, 0, tzinfo=UTC)),
        ("(no name yet)", "Intake", "B. Worker", datetime(2024, 5, 2, 8, 0, tzinfo=UTC)),
        ("Newcome, Di", "Intake", "A. Worker", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
    ]
    assert rows[0].client_id == case.client_id and rows[2].case_id is None
    assert [row.client_name for row in caseload.intake_drafts(session, worker="A. Worker")] == [
        "Sampleton, Ada",
        "Newcome, Di",
    ]
