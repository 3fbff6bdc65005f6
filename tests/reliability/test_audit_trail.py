"""The audit trail: every write to the record is audited in the same commit, with field names
and never values; audit rows cannot be changed or deleted; filters and owner-only CSV."""

from __future__ import annotations

import csv
import os
import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import SQLModel, select

from casetui.data.services import (
    audit,
    cases,
    clients,
    consent,
    goals,
    notes,
    referrals,
    settings,
)
from casetui.data.storage.models import AuditEvent, Client, Service
from tests.conftest import TODAY

# Tables that are not part of anyone's record: writing them needs no audit row.
UNAUDITED = {"casetui_meta", "audit_event", "intake_draft"}


class CommitWatcher:
    """Records, for each commit of a session, the tables written and whether audit rows came too."""

    def __init__(self):
        self.pending: set[str] = set()
        self.audit_rows: list[AuditEvent] = []
        self.commits: list[tuple[set[str], list[AuditEvent]]] = []

    def after_flush(self, session, _context):
        # In after_flush the new/dirty/deleted collections still show what was just flushed.
        changed = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
        for obj in changed:
            if isinstance(obj, AuditEvent):
                self.audit_rows.append(obj)
            else:
                self.pending.add(obj.__tablename__)

    def after_commit(self, session):
        if self.pending or self.audit_rows:
            self.commits.append((self.pending, self.audit_rows))
        self.pending, self.audit_rows = set(), []


@pytest.fixture
def watcher():
    from sqlmodel import Session

    watch = CommitWatcher()
    event.listen(Session, "after_flush", watch.after_flush)
    event.listen(Session, "after_commit", watch.after_commit)
    yield watch
    event.remove(Session, "after_flush", watch.after_flush)
    event.remove(Session, "after_commit", watch.after_commit)


def walk_the_services(database):
    """A day's work through the main services, each action in its own transaction as a screen
    or command runs it; returns the new client's id."""

    def act(call):
        with database.transaction() as session:
            return call(session)

    client = act(
        lambda s: clients.create_client(
            s,
            {"first_name": "Audra", "last_name": "Trailwright", "phone": "555-0199", "date_of_birth": "1980-02-03"},
            TODAY,
        )
    )
    act(lambda s: clients.update_client(s, client.id, {"city": "Riverton", "pronouns": "she/her"}, TODAY))
    act(lambda s: clients.record_opened(s, client.id))
    case = act(lambda s: cases.open_case(s, client.id, TODAY))
    act(lambda s: cases.change_stage(s, case.id, "assessment", "Intake done", TODAY))
    act(lambda s: cases.set_next_review(s, case.id, TODAY + timedelta(days=30), TODAY))
    note = act(
        lambda s: notes.add_note(s, case.id, occurred_on=TODAY, kind="phone", text="Called about rent", today=TODAY)
    )
    act(lambda s: notes.delete_note(s, note.id))
    signed = act(
        lambda s: consent.record_consent(
            s, client.id, recipient="Riverton Housing Office", scope="referral", signed_on=TODAY, today=TODAY
        )
    )
    act(lambda s: consent.revoke_consent(s, signed.id, revoked_on=TODAY, reason="Client asked", today=TODAY))
    service_id = act(lambda s: s.exec(select(Service.id)).first())
    referral = act(
        lambda s: referrals.create_referral(
            s,
            case.id,
            service_id=service_id,
            referred_on=TODAY,
            follow_up_on=TODAY + timedelta(days=7),
            today=TODAY,
            consent_signed_on=TODAY,
        )
    )
    act(lambda s: referrals.record_outcome(s, referral.id, status="accepted", outcome_on=TODAY, today=TODAY))
    goal = act(
        lambda s: goals.create_goal(
            s,
            case.id,
            {
                "statement": "Keep the apartment",
                "domains": ["housing"],
                "measure": "Months of rent paid",
                "baseline": "0",
                "target": "6",
                "start_on": TODAY,
                "due_on": TODAY + timedelta(days=180),
            },
        )
    )
    objective = act(
        lambda s: goals.add_objective(s, goal.id, text="Apply for rent help", due_on=TODAY + timedelta(days=14))
    )
    act(lambda s: goals.set_objective_done(s, objective.id, True, TODAY))
    act(lambda s: goals.add_progress(s, goal.id, recorded_on=TODAY, value="1", today=TODAY))
    act(
        lambda s: goals.revise_goal(
            s,
            goal.id,
            {
                "statement": "Keep the apartment for a year",
                "domains": ["housing"],
                "measure": "Months of rent paid",
                "baseline": "0",
                "target": "12",
                "start_on": TODAY,
                "due_on": TODAY + timedelta(days=365),
            },
            "Reassessed",
        )
    )
    act(lambda s: settings.set_value(s, "no_contact_days", "21"))
    return client.id


def test_every_write_is_audited_in_its_own_commit_naming_fields_not_values(demo_db, watcher):
    client_id = walk_the_services(demo_db)
    assert len(watcher.commits) >= 18, "the walk did not reach the services"
    columns = {c.name for table in SQLModel.metadata.tables.values() for c in table.columns} | {"csv", "value"}
    for tables, rows in watcher.commits:
        if tables - UNAUDITED:
            assert rows, f"a commit wrote {sorted(tables)} without an audit row"
        for row in rows:
            assert row.worker == "test-worker"
            assert set(row.fields) <= columns, f"audit row for {row.entity} names {row.fields}, not column names"
    with demo_db.transaction() as session:
        events = [e for e, _name in audit.query(session, client_ids=[client_id], limit=None)]
    actions = {(e.action, e.entity) for e in events}
    for expected in [
        ("create", "client"),
        ("update", "client"),
        ("open", "client"),
        ("create", "case"),
        ("stage", "case"),
        ("create", "note"),
        ("delete", "note"),
        ("create", "consent"),
        ("update", "consent"),
    ]:
        assert expected in actions, f"no audit row for {expected}"
    values = [
        "Audra",
        "Trailwright",
        "555-0199",
        "1980-02-03",
        "Riverton",
        "she/her",
        "Called about rent",
        "Keep the apartment",
        "Client asked",
    ]
    with closing(sqlite3.connect(demo_db.path)) as conn:
        dumped = " ".join(str(cell) for row in conn.execute("SELECT * FROM audit_event") for cell in row)
    assert not [v for v in values if v in dumped], "the audit trail holds client values"


def test_opening_a_client_record_in_the_app_is_audited(demo_path):
    from casetui.cli import make_app

    app = make_app(str(demo_path), today=TODAY)
    with app.database.transaction() as session:
        client_id = session.exec(select(Client.id)).first()
        before = len(audit.query(session, client_ids=[client_id], limit=None))
    import asyncio

    async def open_it():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            app.open_client(client_id)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()

    asyncio.run(open_it())
    with app.database.transaction() as session:
        opened = [e for e, _ in audit.query(session, client_ids=[client_id], limit=None) if e.action == "open"]
    assert len(audit.query(session, client_ids=[client_id], limit=None)) > before and opened
    app.database.dispose()


def test_audit_rows_cannot_be_changed_or_deleted(demo_db):
    with demo_db.transaction() as session:
        clients.record_opened(session, session.exec(select(Client.id)).first())
        row = session.exec(select(AuditEvent)).first()
        row.worker = "someone else"
        session.add(row)
        with pytest.raises(Exception, match="cannot be changed"):
            session.commit()
        session.rollback()
        session.delete(session.get(AuditEvent, row.id))
        with pytest.raises(Exception, match="cannot be deleted"):
            session.commit()
        session.rollback()
    with closing(sqlite3.connect(demo_db.path)) as conn:
        count = conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]
        for statement in (
            "UPDATE audit_event SET worker='x'",
            "DELETE FROM audit_event",
            "UPDATE audit_event SET fields='[]' WHERE id=1",
        ):
            with pytest.raises(sqlite3.DatabaseError, match="audit rows cannot"):
                conn.execute(statement)
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == count
        assert conn.execute("SELECT count(*) FROM audit_event WHERE worker='x'").fetchone()[0] == 0


def test_filters_and_owner_only_csv(demo_db, tmp_path):
    with demo_db.transaction() as session:
        first, second = session.exec(select(Client.id).limit(2)).all()
        clients.record_opened(session, first)
        clients.record_opened(session, second)
        session.info["worker"] = "B. Other"
        clients.record_opened(session, second)
        assert {e.client_id for e, _ in audit.query(session, client_ids=[second])} == {second}
        assert [e.worker for e, _ in audit.query(session, worker="B. Other")] == ["B. Other"]
        assert audit.query(session, until=TODAY - timedelta(days=3650)) == []
        name = clients.get_client(session, second).last_name
        assert second in audit.client_ids_matching(session, name)
        assert audit.client_ids_matching(session, str(first)) == [first]
        path = tmp_path / "audit.csv"
        count = audit.export_csv(session, path, client_ids=[second])
    assert count == 2
    assert os.stat(path).st_mode & 0o777 == 0o600
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["worker"] for r in rows] == ["B. Other", "test-worker"]
    assert all(r["client_id"] == str(second) and r["action"] == "open" for r in rows)
    with demo_db.transaction() as session:
        assert audit.query(session, limit=1)[0][0].entity == "audit_event"  # the export itself is audited


FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "'=already quoted"]


def test_the_csv_export_is_spreadsheet_safe(demo_db, tmp_path):
    """A name or worker a spreadsheet would run as a formula is written as text: one quote before it."""
    path = tmp_path / "audit.csv"
    with demo_db.transaction() as session:
        ids = []
        for number, formula in enumerate(FORMULAS):
            session.info["worker"] = formula
            client = clients.create_client(session, {"first_name": formula, "last_name": f"Sample{number}"}, TODAY)
            ids.append(client.id)
        audit.export_csv(session, path, client_ids=ids)
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(FORMULAS)
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
    assert sorted(r["worker"] for r in rows) == sorted("'" + f for f in FORMULAS)
    names = {int(r["client_id"]): r["client"] for r in rows}  # ids stay numbers, to sort and count
    assert names[ids[0]] == "'=cmd|' /C calc'!A0 Sample0"
    assert names[ids[5]] == "'=1 Sample5"  # the form trims the carriage return; the = is still quoted
