"""Goal services on real SQLite files: validation, FHIR statuses, revisions, and where a goal
stands on pinned dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from casetui.data.domain.errors import CaseClosedError, ConflictError, ValidationError
from casetui.data.services import cases, clients, goals
from casetui.data.storage.models import (
    Assessment,
    AssessmentNeed,
    AuditEvent,
    Goal,
    GoalRevision,
)

START = date(2026, 1, 1)
DUE = date(2026, 3, 2)  # 60 days after START


def new_case(session, today):
    client = clients.create_client(session, {"first_name": "Bram", "last_name": "Fictor"}, today)
    return cases.open_case(session, client.id, today)


def goal_values(**overrides):
    values = {
        "statement": "I want to work steady shifts again.",
        "domains": ["employment"],
        "measure": "Days worked in two weeks",
        "unit": "days",
        "direction": "increase",
        "baseline": "0",
        "target": "10",
        "start_on": START.isoformat(),
        "due_on": DUE.isoformat(),
        "actor": "client",
    }
    values.update(overrides)
    return values


@pytest.fixture
def case(session, today):
    return new_case(session, today)


@pytest.fixture
def goal(session, case):
    return goals.create_goal(session, case.id, goal_values())


def row_on(session, case_id, day):
    (row,) = goals.goal_rows(session, case_id, day)
    return row


# --- validation --------------------------------------------------------------------------


def test_goal_form_errors_are_listed_together_in_plain_words(session, case):
    with pytest.raises(ValidationError) as info:
        goals.create_goal(
            session,
            case.id,
            goal_values(statement=" ", domains=[], measure="", baseline="some", target="ten", due_on="soon"),
        )
    errors = info.value.errors
    assert errors["statement"] == "Goal is required."
    assert errors["domains"] == "Choose at least one need domain."
    assert errors["measure"] == "Measure is required."
    assert errors["baseline"] == "Baseline must be a number."
    assert errors["target"] == "Target must be a number."
    assert "not a date" in errors["due_on"]
    assert session.exec(select(Goal)).all() == []


def test_target_must_differ_from_baseline_and_match_the_direction(session, case):
    with pytest.raises(ValidationError, match="differ from the baseline"):
        goals.create_goal(session, case.id, goal_values(baseline="4", target="4"))
    with pytest.raises(ValidationError, match="above the baseline"):
        goals.create_goal(session, case.id, goal_values(baseline="8", target="4"))
    with pytest.raises(ValidationError, match="below the baseline"):
        goals.create_goal(session, case.id, goal_values(direction="decrease", baseline="2", target="4"))


def test_due_date_must_be_after_start(session, case):
    with pytest.raises(ValidationError) as info:
        goals.create_goal(session, case.id, goal_values(due_on=START.isoformat()))
    assert info.value.errors == {"due_on": "The due date must be after the start date."}


def test_reach_goals_take_yes_or_no(session, case, today):
    with pytest.raises(ValidationError, match="yes \\(1\\) or no \\(0\\)"):
        goals.create_goal(session, case.id, goal_values(direction="reach", baseline="0", target="5"))
    goal = goals.create_goal(session, case.id, goal_values(direction="reach", baseline="no", target="yes"))
    assert (goal.baseline, goal.target) == (0.0, 1.0)
    with pytest.raises(ValidationError, match="yes \\(1\\) or no \\(0\\)"):
        goals.add_progress(session, goal.id, recorded_on=today, value="3", today=today)
    entry = goals.add_progress(session, goal.id, recorded_on=today, value="yes", today=today)
    assert entry.value == 1.0


def test_progress_needs_a_number_and_no_future_date(session, goal, today):
    with pytest.raises(ValidationError) as info:
        goals.add_progress(session, goal.id, recorded_on=today + timedelta(days=1), value="three", today=today)
    assert info.value.errors == {"recorded_on": "Date cannot be in the future.", "value": "Value must be a number."}


def test_progress_cannot_be_dated_before_the_goal_started(session, goal, today):
    with pytest.raises(ValidationError) as info:
        goals.add_progress(session, goal.id, recorded_on=START - timedelta(days=1), value="2", today=today)
    assert info.value.errors == {"recorded_on": "Progress cannot be dated before the goal started (2026-01-01)."}
    assert goals.goal_detail(session, goal.id).progress == []
    assert goals.add_progress(session, goal.id, recorded_on=START, value="2", today=today).recorded_on == START


def test_unknown_domain_is_refused(session, case):
    with pytest.raises(ValidationError, match="unknown value"):
        goals.create_goal(session, case.id, goal_values(domains=["astrology"]))


# --- percent toward target ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "value", "percent"),
    [
        ("increase", 0, 10, None, 0),
        ("increase", 0, 10, 5, 50),
        ("increase", 2, 10, 4, 25),
        ("increase", 0, 10, -3, 0),  # worse than the baseline counts as no progress
        ("increase", 0, 10, 14, 100),  # past the target is the target
        ("decrease", 20, 5, 20, 0),
        ("decrease", 20, 5, 11, 60),
        ("decrease", 20, 5, 2, 100),
        ("reach", 0, 1, 0, 0),
        ("reach", 0, 1, 1, 100),
    ],
)
def test_percent_toward_target_by_direction(direction, baseline, target, value, percent):
    assert goals.percent_toward_target(direction, baseline, target, value) == pytest.approx(percent)


# --- track status on pinned dates --------------------------------------------------------


def test_on_track_before_any_progress_at_the_start(session, goal, case):
    assert row_on(session, case.id, START).track == "on_track"
    assert row_on(session, case.id, START - timedelta(days=5)).track == "on_track"  # not started yet


def test_behind_when_below_the_planned_line_by_more_than_the_tolerance(session, goal, case):
    # Day 30 of 60: the line says 50 %. 4 of 10 is 40 %: within the 10-point tolerance.
    goals.add_progress(session, goal.id, recorded_on=START + timedelta(days=30), value="4", today=DUE)
    assert row_on(session, case.id, START + timedelta(days=30)).track == "on_track"
    # Day 45: the line says 75 %; still 40 %: behind.
    row = row_on(session, case.id, START + timedelta(days=45))
    assert (row.track, row.percent) == ("behind", 40)


def test_behind_without_any_entry_once_the_line_has_moved_on(session, goal, case):
    assert row_on(session, case.id, START + timedelta(days=6)).track == "on_track"  # line at 10 %
    assert row_on(session, case.id, START + timedelta(days=7)).track == "behind"  # line at 11.7 %


def test_overdue_after_the_due_date_unless_achieved(session, goal, case):
    goals.add_progress(session, goal.id, recorded_on=START + timedelta(days=50), value="9", today=DUE)
    assert row_on(session, case.id, DUE).track == "on_track"  # 90 % on the due day: within tolerance
    assert row_on(session, case.id, DUE + timedelta(days=1)).track == "overdue"
    goals.add_progress(session, goal.id, recorded_on=DUE + timedelta(days=3), value="10", today=DUE + timedelta(days=3))
    assert row_on(session, case.id, DUE + timedelta(days=3)).track == "achieved"
    # Replaying an earlier day ignores the later entry.
    assert row_on(session, case.id, DUE + timedelta(days=2)).track == "overdue"


def test_achieved_when_the_target_is_met_early(session, goal, case):
    goals.add_progress(session, goal.id, recorded_on=START + timedelta(days=10), value="10", today=DUE)
    row = row_on(session, case.id, START + timedelta(days=10))
    assert (row.track, row.percent, row.latest_value) == ("achieved", 100, 10)


def test_the_latest_entry_counts_even_if_it_went_down(session, goal, case):
    goals.add_progress(session, goal.id, recorded_on=START + timedelta(days=10), value="10", today=DUE)
    goals.add_progress(session, goal.id, recorded_on=START + timedelta(days=20), value="3", today=DUE)
    row = row_on(session, case.id, START + timedelta(days=20))
    assert (row.track, row.percent) == ("on_track", 30)  # line at 33 %


def test_decrease_goal_tracks_downward(session, case):
    goal = goals.create_goal(
        session,
        case.id,
        goal_values(direction="decrease", baseline="20", target="5", measure="Cigarettes a day", unit=None),
    )
    goals.add_progress(session, goal.id, recorded_on=START + timedelta(days=30), value="15", today=DUE)
    row = row_on(session, case.id, START + timedelta(days=30))
    assert (row.track, round(row.percent)) == ("behind", 33)  # line at 50 %; 5 of 15 down is 33 %
    goals.add_progress(session, goal.id, recorded_on=START + timedelta(days=30), value="12", today=DUE)
    assert row_on(session, case.id, START + timedelta(days=30)).track == "on_track"


def test_reach_goal_is_never_behind_only_overdue_or_achieved(session, case):
    goal = goals.create_goal(
        session, case.id, goal_values(direction="reach", baseline="0", target="1", measure="Signed lease")
    )
    assert row_on(session, case.id, DUE - timedelta(days=1)).track == "on_track"
    assert row_on(session, case.id, DUE + timedelta(days=1)).track == "overdue"
    goals.add_progress(session, goal.id, recorded_on=DUE, value="yes", today=DUE)
    row = row_on(session, case.id, DUE + timedelta(days=1))
    assert (row.track, row.percent) == ("achieved", 100)


def test_status_achieved_or_closed_lifecycle_is_respected(session, goal, case):
    goals.change_status(
        session,
        goal.id,
        lifecycle_status="cancelled",
        achievement_status="not-attainable",
        reason="Client moved out of state",
    )
    assert row_on(session, case.id, DUE + timedelta(days=30)).track == "closed"
    goals.change_status(
        session,
        goal.id,
        lifecycle_status="completed",
        achievement_status="achieved",
        reason="Client works full time; days no longer counted",
    )
    assert row_on(session, case.id, DUE + timedelta(days=30)).track == "achieved"


def test_summaries_are_plain_rows(session, goal, case):
    goals.add_progress(session, goal.id, recorded_on=START + timedelta(days=30), value="6", today=DUE)
    (summary,) = goals.goal_summaries(session, case.id, START + timedelta(days=30))
    assert summary == {
        "goal_id": goal.id,
        "statement": "I want to work steady shifts again.",
        "domains": "Employment",
        "percent": 60,
        "track": "on_track",
        "track_label": "On track",
        "due_on": DUE,
        "lifecycle": "active",
        "lifecycle_label": "Active",
    }


# --- statuses, revisions, objectives -----------------------------------------------------


def test_status_change_needs_a_reason_and_keeps_the_old_state(session, goal):
    with pytest.raises(ValidationError, match="Reason is required"):
        goals.change_status(session, goal.id, lifecycle_status="on-hold", achievement_status="no-progress", reason=" ")
    with pytest.raises(ValidationError, match="must be one of"):
        goals.change_status(session, goal.id, lifecycle_status="paused", achievement_status=None, reason="x")
    goals.change_status(
        session,
        goal.id,
        lifecycle_status="on-hold",
        achievement_status="no-progress",
        reason="Client in hospital for two weeks",
    )
    saved = session.get(Goal, goal.id)
    assert (saved.lifecycle_status, saved.achievement_status, saved.revision) == ("on-hold", "no-progress", 2)
    (history,) = goals.goal_history(session, goal.id)
    assert history.reason == "Client in hospital for two weeks"
    assert history.changed == ["Lifecycle", "Achievement"]
    assert history.changes == [("Lifecycle", "Active", "On hold"), ("Achievement", "In progress", "No progress")]
    assert history.before["lifecycle_status"] == "active"


def test_revision_keeps_the_previous_goal_and_lists_what_changed(session, goal):
    with pytest.raises(ValidationError, match="Nothing was changed"):
        goals.revise_goal(session, goal.id, goal_values(), "Reassessment")
    goals.revise_goal(
        session,
        goal.id,
        {"target": "8", "due_on": "2026-04-01"},
        "Reassessment: fewer shifts offered",
        expected_version=goal.version,
    )
    goals.revise_goal(session, goal.id, {"statement": "I want steady part-time work."}, "Client's words")
    saved = session.get(Goal, goal.id)
    assert (saved.target, saved.due_on, saved.revision) == (8.0, date(2026, 4, 1), 3)
    newest, oldest = goals.goal_history(session, goal.id)
    assert (oldest.revision, oldest.changed, oldest.before["target"]) == (1, ["Target", "Due date"], 10.0)
    assert oldest.changes == [("Target", "10", "8"), ("Due date", "2026-03-02", "2026-04-01")]
    assert (newest.revision, newest.changed) == (2, ["Goal"])
    assert len(session.exec(select(GoalRevision)).all()) == 2
    fields = session.exec(
        select(AuditEvent.fields).where(AuditEvent.entity == "goal", AuditEvent.action == "update")
    ).first()
    assert fields == ["due_on", "revision", "target"]


def test_revision_validates_and_detects_a_stale_form(session, goal):
    with pytest.raises(ValidationError, match="Reason for the revision is required"):
        goals.revise_goal(session, goal.id, {"target": "8"}, "")
    with pytest.raises(ValidationError, match="after the start date"):
        goals.revise_goal(session, goal.id, {"due_on": "2025-12-01"}, "typo")
    with pytest.raises(ConflictError):
        goals.revise_goal(session, goal.id, {"target": "8"}, "late", expected_version=goal.version - 1)


def test_objectives_can_be_done_and_undone(session, goal, case, today):
    with pytest.raises(ValidationError, match="Objective is required"):
        goals.add_objective(session, goal.id, text="", due_on=None)
    with pytest.raises(ValidationError, match="before its goal starts"):
        goals.add_objective(session, goal.id, text="Update résumé", due_on="2025-12-01")
    first = goals.add_objective(session, goal.id, text="Update résumé", due_on="2026-01-20")
    goals.add_objective(session, goal.id, text="Apply to three jobs", due_on="2026-02-01")
    goals.set_objective_done(session, first.id, True, today)
    assert (row_on(session, case.id, today).objectives_done, row_on(session, case.id, today).objectives_total) == (1, 2)
    detail = goals.goal_detail(session, goal.id)
    assert [o.text for o in detail.objectives] == ["Apply to three jobs", "Update résumé"]  # open ones first
    assert detail.objectives[1].done_on == today
    goals.set_objective_done(session, first.id, False, today)
    assert row_on(session, case.id, today).objectives_done == 0


def test_a_closed_case_refuses_every_goal_write(session, goal, case, today):
    objective = goals.add_objective(session, goal.id, text="Call the job centre", due_on=None)
    case.closed_on = today
    session.add(case)
    session.commit()
    with pytest.raises(CaseClosedError):
        goals.create_goal(session, case.id, goal_values())
    with pytest.raises(CaseClosedError):
        goals.add_progress(session, goal.id, recorded_on=today, value="1", today=today)
    with pytest.raises(CaseClosedError):
        goals.set_objective_done(session, objective.id, True, today)
    with pytest.raises(CaseClosedError):
        goals.change_status(session, goal.id, lifecycle_status="completed", achievement_status="achieved", reason="x")


def test_audit_names_fields_never_values(session, goal, today):
    goals.add_progress(session, goal.id, recorded_on=today, value="3", note="Worked at the bakery", today=today)
    events = session.exec(select(AuditEvent).where(AuditEvent.entity.in_(["goal", "progress_entry"]))).all()
    assert {e.entity for e in events} == {"goal", "progress_entry"}
    assert all("bakery" not in repr(e.model_dump()) and "steady" not in repr(e.model_dump()) for e in events)


# --- drafts from the assessment ----------------------------------------------------------


def test_drafts_come_from_the_latest_assessment_for_domains_without_an_open_goal(session, case):
    old = Assessment(case_id=case.id, assessed_on=date(2025, 12, 1))
    new = Assessment(case_id=case.id, kind="reassessment", assessed_on=date(2026, 1, 10))
    session.add_all([old, new])
    session.flush()
    session.add_all(
        [
            AssessmentNeed(assessment_id=old.id, domain="legal", score=1, wants_goal=True),
            AssessmentNeed(assessment_id=new.id, domain="food", score=2, wants_goal=True),
            AssessmentNeed(assessment_id=new.id, domain="employment", score=1, wants_goal=True),
            AssessmentNeed(assessment_id=new.id, domain="housing", score=2, wants_goal=True, note="Sofa surfing"),
            AssessmentNeed(assessment_id=new.id, domain="income", score=4, wants_goal=False),
        ]
    )
    session.commit()
    assert [d.domain for d in goals.goal_drafts(session, case.id)] == ["housing", "food", "employment"]
    goal = goals.create_goal(session, case.id, goal_values())  # employment
    drafts = goals.goal_drafts(session, case.id)
    assert [(d.domain, d.note) for d in drafts] == [("housing", "Sofa surfing"), ("food", None)]
    goals.change_status(session, goal.id, lifecycle_status="cancelled", achievement_status=None, reason="Changed plan")
    assert "employment" in [d.domain for d in goals.goal_drafts(session, case.id)]


def test_demo_goals_load_for_every_case(demo_db, today):
    with demo_db.transaction() as session:
        rows = [row for case, _client in cases.open_cases(session) for row in goals.goal_rows(session, case.id, today)]
    assert len(rows) > 20
    assert {row.track for row in rows} <= set(goals.TRACK_STATUSES)
    assert all(0 <= row.percent <= 100 for row in rows)
