"""The discharge wizard's services on a real demo database: steps, consent gate, summary, closing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from casetui.data.domain.errors import CaseClosedError, ValidationError
from casetui.data.services import cases, consent, discharge, settings
from casetui.data.storage.models import (
    AuditEvent,
    Case,
    Discharge,
    Goal,
    Service,
    StageChange,
)


@pytest.fixture
def session(demo_db):
    with demo_db.transaction() as session:
        yield session


def case_with_goals(session) -> Case:
    """An open demo case in implementation with two goals."""
    for case in session.exec(
        select(Case).where(Case.closed_on.is_(None), Case.stage == "implementation").order_by(Case.id)
    ):
        if len(session.exec(select(Goal).where(Goal.case_id == case.id)).all()) == 2:
            return case
    raise AssertionError("the demo has no implementation case with two goals")


def do_reason(session, case, today, **overrides):
    values = dict(reason="goals_met", planned=True, discharge_on=today, destination=410, today=today)
    values.update(overrides)
    return discharge.save_reason(session, case.id, **values)


def review_all(session, case, today, achievement="achieved"):
    reviews = {
        row.goal_id: {"achievement": achievement, "note": "Reviewed with the client."}
        for row in discharge.goal_reviews(session, case.id, today)
    }
    return discharge.save_goal_reviews(session, case.id, reviews, today)


def finish_all_steps(session, case, today, folder):
    do_reason(session, case, today)
    review_all(session, case, today)
    discharge.complete_step(session, case.id, "linkage")
    discharge.complete_step(session, case.id, "coordination")
    text = discharge.render_summary(session, case.id, today)
    discharge.save_documentation(
        session,
        case.id,
        recommendations="Keep attending the peer group.",
        summary_text=text,
        final=True,
        folder=folder,
        today=today,
    )


def test_reason_checks_other_text_planned_date_and_subsidy(session, today):
    case = case_with_goals(session)
    with pytest.raises(ValidationError) as info:
        discharge.save_reason(
            session,
            case.id,
            reason="other",
            planned=None,
            discharge_on=today + timedelta(days=1),
            destination=999,
            today=today,
        )
    errors = info.value.errors
    assert set(errors) == {"planned", "discharge_on", "destination"}
    assert "future" in errors["discharge_on"]
    with pytest.raises(ValidationError) as info:
        do_reason(session, case, today, reason="other")
    assert set(info.value.errors) == {"reason_other"}
    with pytest.raises(ValidationError, match="subsidy") as info:
        do_reason(session, case, today, destination=435)
    assert info.value.field == "subsidy_type"
    assert discharge.current_discharge(session, case.id) is None  # nothing written on an error

    saved = do_reason(session, case, today, destination=435, subsidy_type=419)
    assert (saved.destination, saved.subsidy_type, saved.steps_done) == (435, 419, ["reason"])
    # A destination other than 435 drops the subsidy type.
    saved = do_reason(session, case, today, destination=116, subsidy_type=419)
    assert saved.subsidy_type is None


def test_destination_groups_follow_hmis_code_ranges():
    for code, (group, _label) in discharge.vocab.HMIS_DESTINATIONS.items():
        expected = {1: "homeless", 2: "institutional", 3: "temporary", 4: "permanent"}.get(code // 100, "other")
        assert group == expected, code
    assert 435 in discharge.destinations_in("permanent")
    assert set(discharge.vocab.HMIS_SUBSIDY_TYPES) == {419, 420, 428, 431, 433, 434, 436, 437, 438, 439, 440}


def test_steps_resume_where_the_user_left(session, demo_db, today):
    case = case_with_goals(session)
    assert [s.status for s in discharge.step_states(session, case.id)] == ["current"] + ["missing"] * 5
    do_reason(session, case, today)
    review_all(session, case, today)
    states = {s.key: s.status for s in discharge.step_states(session, case.id)}
    assert states == {
        "reason": "done",
        "goals": "done",
        "linkage": "current",
        "coordination": "missing",
        "documentation": "missing",
        "review": "missing",
    }
    # Another session (the wizard opened again) sees the same record and progress.
    session.commit()
    with demo_db.transaction() as other:
        again = discharge.current_discharge(other, case.id)
        assert again.steps_done == ["reason", "goals"] and again.reason == "goals_met"


def test_goal_review_needs_status_and_note_and_ends_the_goals(session, today):
    case = case_with_goals(session)
    rows = discharge.goal_reviews(session, case.id, today)
    assert len(rows) == 2 and all(row.row.latest_value is not None for row in rows)
    assert "% · " in rows[0].progress_text
    first, second = rows
    with pytest.raises(ValidationError) as info:
        discharge.save_goal_reviews(session, case.id, {first.goal_id: {"achievement": "achieved", "note": ""}}, today)
    assert set(info.value.errors) == {
        f"goal-{first.goal_id}-note",
        f"goal-{second.goal_id}-achievement",
        f"goal-{second.goal_id}-note",
    }
    discharge.save_goal_reviews(
        session,
        case.id,
        {
            first.goal_id: {"achievement": "achieved", "note": "Signed the lease."},
            second.goal_id: {"achievement": "not-achieved", "note": "Still looking for steady shifts."},
        },
        today,
    )
    goal = session.get(Goal, first.goal_id)
    assert (goal.achievement_status, goal.lifecycle_status, goal.revision) == ("achieved", "completed", 2)
    assert (
        discharge.current_discharge(session, case.id).goal_reviews[str(second.goal_id)]["achievement"] == "not-achieved"
    )
    # The open need (the goal not achieved) is what linkage suggests first.
    assert discharge.open_need_domains(session, case.id) == session.get(Goal, second.goal_id).domains


def test_a_goal_added_after_the_review_reopens_the_step(session, today):
    case = case_with_goals(session)
    do_reason(session, case, today)
    review_all(session, case, today)
    session.add(Goal(case_id=case.id, statement="A late goal", start_on=today, due_on=today + timedelta(days=30)))
    session.commit()
    assert "goals" in discharge.missing_steps(session, case.id)


def test_linkage_referrals_are_marked_for_discharge(session, today):
    case = case_with_goals(session)
    service = session.exec(select(Service).order_by(Service.id)).first()
    referral = discharge.refer_for_ongoing_service(session, case.id, service.id, today, consent_signed_on=today)
    assert referral.for_discharge and referral.follow_up_on == today + timedelta(days=14)
    linked = discharge.linkage_referrals(session, case.id)
    assert referral.id in [r.id for r in linked]
    # The case's other referrals count as long as they are open (issue 20: linkage counts them).
    assert all(r.for_discharge or discharge.referrals.is_open(r) for r in linked)


def test_sharing_information_needs_a_current_consent_for_that_recipient(session, today):
    case = case_with_goals(session)
    contact = dict(recipient="Cedar Family Centre", contacted_on=today, method="phone", today=today)
    with pytest.raises(ValidationError, match="No current consent") as info:
        discharge.log_contact(session, case.id, information_shared="Goals and progress", **contact)
    assert info.value.field == "information_shared"
    assert discharge.coordination_contacts(session, case.id) == []
    # A contact that shares nothing needs no consent.
    plain = discharge.log_contact(session, case.id, note="Asked about waiting times", **contact)
    assert plain.consent_id is None
    # An expired consent does not count; a current one does, names compared loosely.
    consent.record_consent(
        session,
        case.client_id,
        recipient="Cedar Family Centre",
        scope="referral",
        signed_on=today - timedelta(days=400),
        expires_on=today - timedelta(days=1),
        today=today,
    )
    with pytest.raises(ValidationError):
        discharge.log_contact(session, case.id, information_shared="Goals and progress", **contact)
    granted = consent.record_consent(
        session, case.client_id, recipient="cedar  family centre", scope="referral", signed_on=today, today=today
    )
    assert discharge.consent_for(session, case.id, "Cedar Family Centre", today).id == granted.id
    shared = discharge.log_contact(session, case.id, information_shared="Goals and progress", **contact)
    assert shared.consent_id == granted.id


def test_what_was_shared_is_checked_against_the_consent_scope(session, today):
    # Before: a consent for "referral information" allowed logging that a discharge summary and
    # PHQ-9 scores were shared.
    case = case_with_goals(session)
    consent.record_consent(
        session, case.client_id, recipient="Cedar Family Centre", scope="referral", signed_on=today, today=today
    )
    contact = dict(recipient="Cedar Family Centre", contacted_on=today, method="phone", today=today)
    with pytest.raises(ValidationError) as info:
        discharge.log_contact(session, case.id, information_shared="Discharge summary and PHQ-9 scores", **contact)
    assert info.value.errors["information_shared"].startswith(
        "The client's consent for Cedar Family Centre covers referral information only, "
        "not assessment and needs, health information, full case record."
    )
    assert discharge.coordination_contacts(session, case.id) == []
    assert consent.kinds_shared("Name, phone number and the reason for referral") == ["referral"]
    # A consent for the full record (or any provider's, with that scope) covers it.
    consent.record_consent(
        session, case.client_id, recipient="", scope="full_record", signed_on=today, today=today, any_provider=True
    )
    shared = discharge.log_contact(session, case.id, information_shared="Discharge summary and PHQ-9 scores", **contact)
    assert shared.consent_id is not None


def test_summary_shows_goals_reason_destination_changes_recommendations_referrals(session, today, tmp_path):
    case = case_with_goals(session)
    do_reason(session, case, today, reason="moved", planned=False, destination=435, subsidy_type=431)
    review_all(session, case, today, achievement="sustaining")
    discharge.save_documentation(
        session,
        case.id,
        health_changes="Blood pressure under control.",
        behavioural_changes="Keeps appointments.",
        medication_changes="Stopped <b>sleeping</b> pills.",
        recommendations="Follow up with the new area's housing team.",
        today=today,
    )
    text = discharge.render_summary(session, case.id, today)
    goals = session.exec(select(Goal).where(Goal.case_id == case.id)).all()
    for expected in [
        "Moved to another area",
        "(unplanned)",
        "435 Rental by client, with ongoing housing subsidy",
        "431 RRH or equivalent subsidy",
        "Blood pressure under control.",
        "Keeps appointments.",
        "Follow up with the new area's housing team.",
        "Final status: Sustaining",
        "Reviewed with the client.",
        *(g.statement for g in goals),
    ]:
        assert expected in text, expected
    referral_names = [r.service_name for r in discharge.referrals.list_referrals(session, case.id)]
    assert referral_names and all(name in text for name in referral_names)

    edited = text + "\nAdded by hand: <script>alert(1)</script>\n"
    discharge.save_documentation(
        session,
        case.id,
        health_changes="Blood pressure under control.",
        recommendations="Follow up with the new area's housing team.",
        summary_text=edited,
        final=True,
        folder=tmp_path / "final",
        today=today,
    )
    md, html, pdf = discharge.export_summary(session, case.id, tmp_path / "docs", today)
    assert edited.strip() in md.read_text() and "Added by hand" in md.read_text()
    assert pdf.read_bytes().startswith(b"%PDF")
    page = html.read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page and "<h2>Reason for discharge</h2>" in page
    assert oct(md.stat().st_mode & 0o777) == "0o600"
    assert "case" + str(case.id) in md.name
    # Same session: the fresh (aware) finalized time against stored (naive) document times.
    documentation = {item.step: item for item in discharge.checklist(session, case.id, today)}["documentation"]
    assert documentation.done and "on file (6 files" in documentation.detail
    # Final means final.
    with pytest.raises(ValidationError, match="final"):
        discharge.save_documentation(session, case.id, recommendations="x", summary_text="y", today=today)


def test_closing_is_refused_while_a_step_is_missing(session, today):
    case = case_with_goals(session)
    do_reason(session, case, today)
    with pytest.raises(ValidationError) as info:
        discharge.close_case(session, case.id, today)
    message = info.value.errors["steps"]
    assert "goals review, linkage, service coordination, documentation are missing" in message
    assert session.get(Case, case.id).closed_on is None
    items = {item.step: item for item in discharge.checklist(session, case.id, today)}
    assert items["reason"].done and not items["goals"].done and "Missing" in items["goals"].detail


def test_closing_sets_closure_dates_and_makes_the_case_read_only(session, today, tmp_path):
    settings.set_value(session, "retention_years", "10")
    case = case_with_goals(session)
    stage_before = case.stage
    finish_all_steps(session, case, today, tmp_path)
    assert discharge.missing_steps(session, case.id) == []
    closed = discharge.close_case(session, case.id, today)
    assert (closed.stage, closed.closed_on, closed.retention_until) == ("closure", today, date(2036, 1, 15))
    change = session.exec(
        select(StageChange).where(StageChange.case_id == case.id).order_by(StageChange.id.desc())
    ).first()
    assert (change.from_stage, change.to_stage) == (stage_before, "closure")
    final = discharge.current_discharge(session, case.id)
    assert final.closed_at is not None and final.steps_done[-1] == "review"
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "close", AuditEvent.entity_id == str(case.id))
    ).all()
    assert len(events) == 1
    with pytest.raises(CaseClosedError):
        do_reason(session, case, today)
    with pytest.raises(CaseClosedError):
        discharge.log_contact(session, case.id, recipient="X", contacted_on=today, method="phone", today=today)
    with pytest.raises(CaseClosedError):
        discharge.close_case(session, case.id, today)


def test_reopen_asks_a_reason_returns_to_the_stage_before_and_is_audited(session, today, tmp_path):
    case = case_with_goals(session)
    stage_before = case.stage
    finish_all_steps(session, case, today, tmp_path)
    discharge.close_case(session, case.id, today)
    with pytest.raises(ValidationError, match="required"):
        discharge.reopen_case(session, case.id, "  ", today)
    later = today + timedelta(days=3)
    reopened = discharge.reopen_case(session, case.id, "Client asked for help again", later)
    assert (reopened.stage, reopened.closed_on, reopened.retention_until) == (stage_before, None, None)
    assert reopened.next_review_on > later
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "reopen")).first().fields
    # The old record stays closed; the next closing starts afresh.
    assert discharge.current_discharge(session, case.id) is None
    assert len(session.exec(select(Discharge).where(Discharge.case_id == case.id)).all()) == 1
    with pytest.raises(ValidationError, match="open already"):
        discharge.reopen_case(session, case.id, "again", later)
    cases.require_open(session, case.id)


def test_audit_rows_carry_no_discharge_text(session, today, tmp_path):
    case = case_with_goals(session)
    finish_all_steps(session, case, today, tmp_path)
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "discharge")).all()
    assert events and all("peer group" not in repr(e.model_dump()) for e in events)


def test_linkage_suggests_services_for_open_needs_first(session, today):
    case = case_with_goals(session)
    rows = discharge.goal_reviews(session, case.id, today)
    discharge.save_goal_reviews(
        session,
        case.id,
        {
            rows[0].goal_id: {"achievement": "achieved", "note": "Done."},
            rows[1].goal_id: {"achievement": "not-achieved", "note": "Still open."},
        },
        today,
    )
    open_need = discharge.open_need_domains(session, case.id)[0]
    hits = discharge.linkage_suggestions(session, case.id, today)
    assert hits and open_need in hits[0].categories
    found = discharge.search_directory(session, case.id, "food pantry", today)
    assert found and any("Pantry" in hit.name for hit in found)


def test_likely_recipients_put_discharge_providers_first(session, today):
    case = case_with_goals(session)
    service = session.exec(select(Service).order_by(Service.id.desc())).first()
    referral = discharge.refer_for_ongoing_service(session, case.id, service.id, today, consent_signed_on=today)
    names = discharge.likely_recipients(session, case.id)
    assert names[0] == referral.provider_name
    assert "Riverton Housing Authority" in names  # the demo's consent recipient
    assert len(names) == len(set(names))
