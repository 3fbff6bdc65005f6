"""Entered in error: every kind of entry, one mechanism; the original stays, the correction says
who, when and why, and the entry leaves every count, chart and due item (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from casetui.data.domain.errors import CaseClosedError, ValidationError
from casetui.data.services import (
    caseload,
    cases,
    client_record,
    clients,
    consent,
    corrections,
    goals,
    notes,
    referrals,
)
from casetui.data.storage.models import Assessment, AuditEvent, Case, Correction, Note, StageChange


def new_case(session, today):
    client = clients.create_client(session, {"first_name": "Orla", "last_name": "Fennick"}, today)
    return cases.open_case(session, client.id, today - timedelta(days=60))


def goal_of(session, case, today):
    return goals.create_goal(
        session,
        case.id,
        {
            "statement": "Keep the flat",
            "domains": ["housing"],
            "measure": "Months of rent paid",
            "direction": "increase",
            "baseline": "0",
            "target": "6",
            "start_on": (today - timedelta(days=30)).isoformat(),
            "due_on": (today + timedelta(days=3)).isoformat(),
        },
    )


def corrections_count(session) -> int:
    return session.exec(select(func.count()).select_from(Correction)).one()


@pytest.fixture
def case(session, today):
    return new_case(session, today)


def one_of_each(session, case, today) -> dict[str, int]:
    """An entry of every kind the corrections cover, on one case."""
    goal = goal_of(session, case, today)
    progress = goals.add_progress(session, goal.id, recorded_on=today - timedelta(days=2), value="3", today=today)
    note = notes.add_note(session, case.id, occurred_on=today, kind="phone", text="Called the landlord", today=today)
    # first: a referral shares the client's details, so it needs a consent on file (issue 19)
    signed = consent.record_consent(
        session,
        case.client_id,
        recipient="Riverton Food Bank",
        scope="referral",
        signed_on=today,
        expires_on=today + timedelta(days=10),
        today=today,
    )
    referral = referrals.create_referral(
        session,
        case.id,
        service_id=None,
        provider_name="Riverton Food Bank",
        service_name="Weekly parcels",
        referred_on=today,
        follow_up_on=today + timedelta(days=2),
        today=today,
    )
    assessment = Assessment(case_id=case.id, assessed_on=today, worker="test-worker")
    session.add(assessment)
    cases.change_stage(session, case.id, "assessment", "Intake booked", today)
    session.flush()
    change = session.exec(select(StageChange).where(StageChange.to_stage == "assessment")).one()
    return {
        "goal": goal.id,
        "progress_entry": progress.id,
        "note": note.id,
        "referral": referral.id,
        "consent": signed.id,
        "assessment": assessment.id,
        "stage_change": change.id,
    }


def test_every_kind_is_marked_with_reason_kept_beside_the_original_and_audited(session, case, today):
    made = one_of_each(session, case, today)
    original_text = session.get(Note, made["note"]).text
    for entity, entity_id in made.items():
        correction = corrections.mark_in_error(session, entity, entity_id, f"Wrong client ({entity})")
        assert (correction.worker, correction.client_id, correction.reason) == (
            "test-worker",
            case.client_id,
            f"Wrong client ({entity})",
        )
        assert correction.marked_at is not None
    # The originals are all still there, as typed.
    assert session.get(Note, made["note"]).text == original_text
    assert corrections_count(session) == len(made)
    events = session.exec(select(AuditEvent).where(AuditEvent.action == corrections.ACTION)).all()
    assert {(event.entity, int(event.entity_id)) for event in events} == set(made.items())
    assert all(event.fields == ["reason"] for event in events)  # never the reason itself
    assert set(corrections.corrections_of_client(session, case.client_id)) == set(made.items())


def test_a_reason_is_required_and_nothing_is_saved_without_it(session, case, today):
    note = notes.add_note(session, case.id, occurred_on=today, kind="phone", text="Called", today=today)
    for reason in ("", "   ", None):
        with pytest.raises(ValidationError) as info:
            corrections.mark_in_error(session, "note", note.id, reason)
        assert info.value.errors == {"reason": "Reason is required."}
    assert corrections_count(session) == 0


def test_an_entry_is_marked_once_and_only_known_kinds(session, case, today):
    note = notes.add_note(session, case.id, occurred_on=today, kind="phone", text="Called", today=today)
    corrections.mark_in_error(session, "note", note.id, "Duplicate of the visit note")
    with pytest.raises(ValidationError, match="already marked entered in error by test-worker"):
        corrections.mark_in_error(session, "note", note.id, "Again")
    with pytest.raises(ValidationError, match="cannot be marked in error"):
        corrections.mark_in_error(session, "audit_event", 1, "No")
    assert corrections_count(session) == 1


def test_a_closed_case_is_read_only(session, case, today):
    note = notes.add_note(session, case.id, occurred_on=today, kind="phone", text="Called", today=today)
    case.closed_on = today
    session.add(case)
    session.flush()
    with pytest.raises(CaseClosedError):
        corrections.mark_in_error(session, "note", note.id, "Wrong client")


def test_entries_in_error_leave_the_caseload_counts_and_due_items(session, case, today):
    made = one_of_each(session, case, today)
    visit = notes.add_note(
        session, case.id, occurred_on=today - timedelta(days=5), kind="visit", text="Home visit", today=today
    )

    def row():
        loaded = caseload.load_caseload(session, today, with_items=True)
        (found,) = [r for r in loaded.rows if r.case_id == case.id]
        return found, {item.kind for item in loaded.items if item.case_id == case.id}

    before, kinds = row()
    assert (before.open_goals, before.last_contact_on, before.consent) == (1, today, "expiring")
    assert {"goal", "referral", "consent"} <= kinds
    for entity in ("goal", "note", "referral", "consent"):
        corrections.mark_in_error(session, entity, made[entity], "Entered on the wrong case")
    after, kinds = row()
    assert after.open_goals == 0
    assert after.last_contact_on == visit.occurred_on  # the phone call no longer counts
    assert after.consent == "none"
    assert not {"goal", "referral", "consent"} & kinds
    assert notes.last_contact_on(session, case.id) == visit.occurred_on
    assert referrals.open_follow_ups(session, case.id) == []
    assert consent.current_consent_for(session, case.client_id, "Riverton Food Bank", today) is None


def test_progress_in_error_leaves_the_goal_percent_and_the_chart(session, case, today):
    goal = goal_of(session, case, today)
    goals.add_progress(session, goal.id, recorded_on=today - timedelta(days=5), value="2", today=today)
    wrong = goals.add_progress(session, goal.id, recorded_on=today - timedelta(days=1), value="6", today=today)
    (row,) = goals.goal_rows(session, case.id, today)
    assert (row.latest_value, row.track) == (6.0, "achieved")
    corrections.mark_in_error(session, "progress_entry", wrong.id, "Typed 6 for 0.6")
    (row,) = goals.goal_rows(session, case.id, today)
    assert row.latest_value == 2.0 and row.track != "achieved"
    detail = goals.goal_detail(session, goal.id)
    assert [entry.id for entry in detail.progress][-1] == wrong.id  # still listed
    assert wrong.id not in [entry.id for entry in detail.valid_progress]  # not charted
    assert detail.corrected[wrong.id].reason == "Typed 6 for 0.6"


def test_a_goal_in_error_leaves_goal_lists_but_stays_in_the_record(session, case, today):
    goal = goal_of(session, case, today)
    corrections.mark_in_error(session, "goal", goal.id, "Belongs to her brother's plan")
    assert goals.goal_rows(session, case.id, today) == []
    assert goals.goal_summaries(session, case.id, today) == []
    record = client_record.client_record(session, case.client_id, today)
    assert [g.id for g in record.goals] == [goal.id]
    assert record.correction("goal", goal.id).reason == "Belongs to her brother's plan"


def test_an_assessment_in_error_no_longer_gives_the_open_needs(session, case, today):
    from casetui.data.storage.models import AssessmentNeed

    first = Assessment(case_id=case.id, assessed_on=today - timedelta(days=10), worker="test-worker")
    wrong = Assessment(case_id=case.id, assessed_on=today, worker="test-worker")
    session.add_all([first, wrong])
    session.flush()
    session.add(AssessmentNeed(assessment_id=first.id, domain="food", score=1))
    session.add(AssessmentNeed(assessment_id=wrong.id, domain="housing", score=1))
    session.flush()
    assert [n.domain for n in client_record.client_record(session, case.client_id, today).open_needs] == ["housing"]
    corrections.mark_in_error(session, "assessment", wrong.id, "Another client's answers")
    record = client_record.client_record(session, case.client_id, today)
    assert [n.domain for n in record.open_needs] == ["food"]
    assert len(record.assessments) == 2  # both listed; the wrong one struck through on screen


def test_the_latest_stage_change_in_error_puts_the_case_back(session, case, today):
    cases.change_stage(session, case.id, "assessment", "Intake booked", today)
    cases.change_stage(session, case.id, "planning", "Clicked the wrong stage", today)
    history = cases.stage_history(session, case.id)
    opening, first, latest = history
    with pytest.raises(ValidationError, match="not a stage change"):
        corrections.mark_in_error(session, "stage_change", opening.id, "No")
    with pytest.raises(ValidationError, match="Only the latest stage change"):
        corrections.mark_in_error(session, "stage_change", first.id, "No")
    corrections.mark_in_error(session, "stage_change", latest.id, "Clicked the wrong stage")
    assert session.get(Case, case.id).stage == "assessment"
    record = client_record.client_record(session, case.client_id, today)
    current = [step.stage for step in record.timeline if step.current]
    assert current == ["assessment"]
    assert len(record.stage_changes) == 3  # the mistaken change is still in the record
    # Now the earlier one is the latest that counts, and can be marked too.
    corrections.mark_in_error(session, "stage_change", first.id, "Not yet")
    assert session.get(Case, case.id).stage == "engagement"
