"""Core services on real SQLite files: validation, one transaction per write, audit rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from casetui.data.domain.errors import CaseClosedError, ValidationError
from casetui.data.services import cases, clients, consent, demo, notes
from casetui.data.storage.models import (
    AuditEvent,
    Case,
    Client,
    Note,
    Service,
    StageChange,
)


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def new_case(session, today):
    client = clients.create_client(
        session, {"first_name": "Ada", "last_name": "Sampleton", "date_of_birth": "1990-04-02"}, today
    )
    return client, cases.open_case(session, client.id, today)


def test_create_client_reports_every_bad_field_in_words(session, today):
    with pytest.raises(ValidationError) as info:
        clients.create_client(
            session,
            {
                "first_name": " ",
                "last_name": "",
                "date_of_birth": "31/31/1990",
                "email": "not-an-email",
                "household_size": "many",
            },
            today,
        )
    errors = info.value.errors
    assert errors["first_name"] == "First name is required."
    assert errors["last_name"] == "Last name is required."
    assert "not a date" in errors["date_of_birth"]
    assert "email address" in errors["email"]
    assert "whole number" in errors["household_size"]
    assert count(session, Client) == 0


def test_date_of_birth_in_the_future_is_refused(session, today):
    with pytest.raises(ValidationError, match="future"):
        clients.create_client(
            session, {"first_name": "A", "last_name": "B", "date_of_birth": today + timedelta(days=1)}, today
        )


def test_audit_rows_name_fields_but_never_values(session, today):
    client, case = new_case(session, today)
    events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.entity) for e in events] == [("create", "client"), ("create", "case")]
    assert events[0].worker == "test-worker"
    assert "first_name" in events[0].fields
    assert all("Sampleton" not in repr(e.model_dump()) for e in events)


def test_stage_change_needs_a_reason_and_is_recorded(session, today):
    _client, case = new_case(session, today)
    with pytest.raises(ValidationError, match="Reason is required"):
        cases.change_stage(session, case.id, "assessment", "  ", today)
    cases.change_stage(session, case.id, "assessment", "Intake booked", today)
    history = cases.stage_history(session, case.id)
    assert [(h.from_stage, h.to_stage) for h in history] == [(None, "engagement"), ("engagement", "assessment")]
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "stage")).one().entity_id == str(case.id)


def test_closure_is_only_through_discharge(session, today):
    _client, case = new_case(session, today)
    with pytest.raises(ValidationError, match="discharge"):
        cases.change_stage(session, case.id, "closure", "done", today)


def test_a_closed_case_refuses_notes(session, today):
    _client, case = new_case(session, today)
    case.closed_on = today
    session.add(case)
    session.commit()
    with pytest.raises(CaseClosedError, match="read-only"):
        notes.add_note(session, case.id, occurred_on=today, kind="phone", text="x", today=today)


def test_note_validation_and_last_contact(session, today):
    _client, case = new_case(session, today)
    with pytest.raises(ValidationError) as info:
        notes.add_note(
            session,
            case.id,
            occurred_on=today + timedelta(days=2),
            kind="fax",
            text="",
            duration_minutes="-5",
            today=today,
        )
    assert set(info.value.errors) == {"occurred_on", "kind", "text", "duration_minutes"}
    notes.add_note(
        session,
        case.id,
        occurred_on=today - timedelta(days=3),
        kind="visit",
        text="Home visit",
        duration_minutes="45",
        today=today,
    )
    notes.add_note(session, case.id, occurred_on=today, kind="note", text="Paperwork", today=today)
    assert notes.last_contact_on(session, case.id) == today - timedelta(days=3)


def test_consent_lifecycle(session, today):
    client, _case = new_case(session, today)
    with pytest.raises(ValidationError, match="after the signed date"):
        consent.record_consent(
            session,
            client.id,
            recipient="Harbour Shelter",
            scope="referral",
            signed_on=today,
            expires_on=today - timedelta(days=1),
            today=today,
        )
    signed = consent.record_consent(
        session,
        client.id,
        recipient="Harbour Shelter",
        scope="referral",
        signed_on=today - timedelta(days=10),
        expires_on=today + timedelta(days=10),
        today=today,
    )
    assert consent.status(signed, today) == "expiring"
    assert consent.current_consent_for(session, client.id, "harbour  shelter", today).id == signed.id
    consent.revoke_consent(session, signed.id, revoked_on=today, reason="Client asked", today=today)
    assert consent.current_consent_for(session, client.id, "Harbour Shelter", today) is None
    with pytest.raises(ValidationError, match="already revoked"):
        consent.revoke_consent(session, signed.id, revoked_on=today, reason="again", today=today)


def test_a_failing_write_leaves_nothing_behind(session, today, monkeypatch):
    def broken_caseload(session, today, **kwargs):
        session.add(Client(first_name="Half", last_name="Written"))
        session.flush()
        raise RuntimeError("disk pulled out mid-write")

    monkeypatch.setattr(demo, "build_caseload", broken_caseload)
    with pytest.raises(RuntimeError):
        demo.write_demo(session, today)
    session.rollback()
    assert count(session, Service) == 0
    assert count(session, Client) == 0
    assert count(session, AuditEvent) == 0


def test_possible_duplicates_match_date_of_birth_and_similar_name(session, today):
    clients.create_client(
        session, {"first_name": "Katherine", "last_name": "Fictor", "date_of_birth": "1985-06-01"}, today
    )
    clients.create_client(session, {"first_name": "Bram", "last_name": "Other", "date_of_birth": "1985-06-01"}, today)
    found = clients.possible_duplicates(session, "Kathrine", "Fictor", date(1985, 6, 1))
    assert [c.first_name for c in found] == ["Katherine"]
    assert clients.possible_duplicates(session, "Kathrine", "Fictor", date(1985, 6, 2)) == []


def test_demo_covers_every_stage_and_category(demo_db):
    from casetui.data.domain import vocab

    with demo_db.transaction() as session:
        stages = set(session.exec(select(Case.stage)).all())
        assert stages == set(vocab.STAGES)
        assert count(session, Service) >= 200
        categories = {c for cats in session.exec(select(Service.categories)).all() for c in cats}
        assert categories == set(vocab.DOMAINS)
        assert session.exec(select(func.count()).select_from(Case).where(Case.closed_on.is_not(None))).one() == 1
        assert count(session, StageChange) > 25 and count(session, Note) > 25


def test_demo_directory_is_internally_consistent(demo_db):
    from casetui.data.domain import instruments
    from casetui.data.storage.models import InstrumentScore

    with demo_db.transaction() as session:
        for service in session.exec(select(Service)).all():
            if service.minimum_age is not None and service.maximum_age is not None:
                assert service.minimum_age <= service.maximum_age, service.name
        for score in session.exec(select(InstrumentScore)).all():
            assert score.severity == instruments.severity(instruments.PHQ9, score.total)


def test_the_database_counts_transactions_that_changed_a_record_not_ones_that_only_audited(database, today):
    """Screens read again on return only when this moved (``ReloadOnReturn``)."""
    with database.transaction() as session:
        client, case = new_case(session, today)
    assert database.changes == 1
    with database.transaction() as session:
        clients.record_opened(session, client.id)  # an audit row alone: looking is no change
        clients.get_client(session, client.id)
    assert database.changes == 1
    with pytest.raises(ValidationError), database.transaction() as session:
        notes.add_note(session, case.id, occurred_on=today, kind="phone", text="Called", today=today)
        notes.add_note(session, case.id, occurred_on=today, kind="phone", text="", today=today)
    assert database.changes == 1  # rolled back: nothing changed
    with database.transaction() as session:
        notes.add_note(session, case.id, occurred_on=today, kind="phone", text="Called", today=today)
    assert database.changes == 2
