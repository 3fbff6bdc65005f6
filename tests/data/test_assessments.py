"""Intake and reassessment services against a real database file."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from casetui.data.domain.errors import CaseClosedError, ValidationError
from casetui.data.services import assessments, cases, clients
from casetui.data.services import documents as case_documents
from casetui.data.storage.models import (
    Assessment,
    AssessmentNeed,
    AuditEvent,
    Case,
    Client,
    InstrumentScore,
    IntakeDraft,
    StageChange,
)
from tests.conftest import TODAY


def intake_form(**overrides) -> dict:
    """A complete new-client intake as the form sends it (raw strings, flags, answers)."""
    form = {
        "first_name": "Wendeline",
        "last_name": "Fictorova",
        "date_of_birth": "1988-04-02",
        "gender": "woman",
        "pronouns": "she/her",
        "language": "Spanish",
        "interpreter_needed": True,
        "household_size": "3",
        "veteran": False,
        "populations": ["family"],
        "phone": "555-0142",
        "assessed_on": "2026-01-14",
        "referral_source": "Shelter staff",
        "referral_reason": "Needs housing",
        "client_words": "I want a place for my kids.",
        "strengths": "Organised",
        "service_history": "Food bank",
        "environmental_factors": "Eviction notice",
        "program": "Housing stability",
        "need_housing_score": "1",
        "need_housing_note": "Eviction in 2 weeks",
        "need_housing_goal": True,
        "need_food_score": "3",
        "need_income_score": "2",
        "need_income_goal": True,
        "consent_to_services": True,
    }
    form |= {f"phq9_{n}": 1 for n in range(1, 10)} | {"phq9_9": 0, "phq9_difficulty": "Somewhat difficult"}
    return form | overrides


def test_submit_intake_creates_client_case_assessment_needs_and_scores(session):
    assessment = assessments.submit_intake(session, intake_form(), TODAY)
    case = session.get(Case, assessment.case_id)
    client = session.get(Client, case.client_id)
    assert (client.first_name, client.date_of_birth, client.household_size) == ("Wendeline", date(1988, 4, 2), 3)
    assert client.populations == ["family"] and client.interpreter_needed
    assert case.stage == "assessment" and case.opened_on == TODAY and case.program == "Housing stability"
    assert [(s.from_stage, s.to_stage) for s in cases.stage_history(session, case.id)] == [(None, "assessment")]
    assert assessment.kind == "intake" and assessment.assessed_on == date(2026, 1, 14)
    assert assessment.client_words == "I want a place for my kids." and assessment.consent_to_services
    needs = assessments.needs_of(session, assessment.id)
    assert {d: (n.score, n.wants_goal) for d, n in needs.items()} == {
        "housing": (1, True),
        "food": (3, False),
        "income": (2, True),
    }
    assert needs["housing"].note == "Eviction in 2 weeks"
    phq = assessments.scores_of(session, assessment.id)["PHQ-9"]
    assert (phq.total, phq.severity, phq.difficulty) == (8, "Mild", "Somewhat difficult")
    assert "GAD-7" not in assessments.scores_of(session, assessment.id)
    assert not case.safety_flag
    audited = {(e.action, e.entity) for e in session.exec(select(AuditEvent)).all()}
    assert {("create", "client"), ("create", "case"), ("create", "assessment")} <= audited
    # Field names only: no value of the client's ever reaches the audit trail.
    for event in session.exec(select(AuditEvent)).all():
        assert "Wendeline" not in str(event.fields) and "Eviction" not in str(event.fields)


def test_phq9_item_nine_above_zero_raises_the_case_safety_flag(session):
    assessment = assessments.submit_intake(session, intake_form(phq9_9=2), TODAY)
    case = session.get(Case, assessment.case_id)
    assert case.safety_flag and "PHQ-9 item 9" in case.safety_flag_reason


def test_every_bad_field_is_named_and_nothing_is_written(session):
    form = intake_form(
        first_name="",
        date_of_birth="31/31/1990",
        household_size="0",
        need_food_score="7",
        need_legal_goal=True,
        phq9_4=None,
        consent_to_services=False,
        assessed_on="2026-02-01",
    )
    with pytest.raises(ValidationError) as caught:
        assessments.submit_intake(session, form, TODAY)
    assert set(caught.value.errors) == {
        "first_name",
        "date_of_birth",
        "household_size",
        "need_food_score",
        "need_legal_score",
        "phq9_4",
        "consent_to_services",
        "assessed_on",
    }
    assert "future" in caught.value.errors["assessed_on"]
    for model in (Client, Case, Assessment, AssessmentNeed, InstrumentScore):
        assert session.exec(select(model)).all() == []


def test_an_assessment_needs_at_least_one_domain_rated(session):
    form = {k: v for k, v in intake_form().items() if not k.startswith("need_")}
    with pytest.raises(ValidationError) as caught:
        assessments.submit_intake(session, form, TODAY)
    assert caught.value.errors == {
        "need_housing_score": "Rate at least one domain (1-5): an assessment needs a score to compare."
    }


def test_a_failure_mid_transaction_leaves_nothing_behind(database, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(assessments.cases, "raise_safety_flag", broken)
    with pytest.raises(RuntimeError), database.transaction() as session:
        assessments.submit_intake(session, intake_form(phq9_9=1), TODAY)
    with database.transaction() as session:
        for model in (Client, Case, Assessment, AssessmentNeed, InstrumentScore, StageChange):
            assert session.exec(select(model)).all() == []


def test_duplicates_are_found_by_birth_date_and_similar_name(session):
    clients.create_client(
        session, {"first_name": "Wendeline", "last_name": "Fictorova", "date_of_birth": "1988-04-02"}, TODAY
    )
    clients.create_client(session, {"first_name": "Someone", "last_name": "Else", "date_of_birth": "1988-04-02"}, TODAY)
    found = assessments.find_duplicates(session, intake_form(first_name="Wendy", last_name="Fictorova"), TODAY)
    assert [c.first_name for c in found] == ["Wendeline"]
    assert assessments.find_duplicates(session, intake_form(date_of_birth="1990-01-01"), TODAY) == []
    assert assessments.find_duplicates(session, intake_form(date_of_birth="not a date"), TODAY) == []


def _second_assessment_form(**overrides) -> dict:
    form = {
        "assessed_on": "2026-01-15",
        "need_housing_score": "3",
        "need_food_score": "3",
        "need_income_score": "1",
        "need_legal_score": "4",
    }
    form |= {f"phq9_{n}": 0 for n in range(1, 10)}
    return form | overrides


def test_reassessment_moves_the_stage_and_compares_with_the_previous_scores(session):
    first = assessments.submit_intake(session, intake_form(assessed_on="2026-01-10"), TODAY)
    second = assessments.submit_assessment(session, first.case_id, _second_assessment_form(), TODAY)
    case = session.get(Case, first.case_id)
    assert second.kind == "reassessment" and case.stage == "reassessment"
    history = cases.stage_history(session, case.id)
    assert (history[-1].from_stage, history[-1].to_stage) == ("assessment", "reassessment")
    stage_audits = session.exec(select(AuditEvent).where(AuditEvent.action == "stage")).all()
    assert [e.entity_id for e in stage_audits] == [str(case.id)]
    domains, scores = assessments.comparison(session, second.id)
    assert [(c.key, c.previous, c.current, c.change) for c in domains] == [
        ("housing", 1, 3, "improved"),
        ("food", 3, 3, "same"),
        ("income", 2, 1, "worse"),
        ("legal", None, 4, None),
    ]
    # PHQ-9 fell from 8 to 0: lower is better.
    assert [(c.key, c.previous, c.current, c.change) for c in scores] == [("PHQ-9", 8, 0, "improved")]
    assert assessments.previous_scores(session, case.id) == {"housing": 3, "food": 3, "income": 1, "legal": 4}


def test_the_first_assessment_of_an_existing_case_is_an_intake(session):
    client = clients.create_client(session, {"first_name": "Tobiah", "last_name": "Mockwell"}, TODAY)
    case = cases.open_case(session, client.id, date(2026, 1, 2))
    assessment = assessments.submit_assessment(session, case.id, _second_assessment_form(), TODAY)
    assert assessment.kind == "intake" and session.get(Case, case.id).stage == "assessment"
    domains, _ = assessments.comparison(session, assessment.id)
    assert all(c.change is None and c.previous is None for c in domains)


def test_an_assessment_dated_before_the_case_opened_is_refused(session):
    first = assessments.submit_intake(session, intake_form(), TODAY)
    with pytest.raises(ValidationError) as caught:
        assessments.submit_assessment(session, first.case_id, _second_assessment_form(assessed_on="2025-12-01"), TODAY)
    assert caught.value.field == "assessed_on"


def test_a_closed_case_takes_no_assessment_and_no_draft(session):
    first = assessments.submit_intake(session, intake_form(), TODAY)
    case = session.get(Case, first.case_id)
    case.closed_on = TODAY
    session.add(case)
    session.commit()
    with pytest.raises(CaseClosedError):
        assessments.submit_assessment(session, case.id, _second_assessment_form(), TODAY)
    with pytest.raises(CaseClosedError):
        assessments.save_draft(session, case.id, {"strengths": "x"})


def test_drafts_are_kept_per_case_and_worker_and_discarded_on_submit(database, session):
    assert assessments.load_draft(session, None) is None
    assessments.save_draft(session, None, {"first_name": "Wen"})
    assessments.save_draft(session, None, {"first_name": "Wendeline", "section": "needs"})
    session.commit()  # the test owns this transaction: the other session sees what it committed
    with database.transaction() as other:
        draft = assessments.load_draft(other, None)
        assert draft.data == {"first_name": "Wendeline", "section": "needs"}
        assert len(other.exec(select(IntakeDraft)).all()) == 1
        other.info["worker"] = "someone-else"
        assert assessments.load_draft(other, None) is None
    first = assessments.submit_intake(session, intake_form(), TODAY)
    assert assessments.load_draft(session, None) is None
    assessments.save_draft(session, first.case_id, {"strengths": "Kind"})
    assert assessments.load_draft(session, None) is None
    assert assessments.load_draft(session, first.case_id).data == {"strengths": "Kind"}
    assessments.submit_assessment(session, first.case_id, _second_assessment_form(), TODAY)
    assert session.exec(select(IntakeDraft)).all() == []


@pytest.mark.parametrize("suffix", ["md", "html"])
def test_the_summary_document_is_saved_owner_only_and_logged(session, tmp_path, suffix):
    first = assessments.submit_intake(session, intake_form(), TODAY)
    second = assessments.submit_assessment(
        session, first.case_id, _second_assessment_form(client_words="<b>help</b> & a home"), TODAY
    )
    path = assessments.save_summary(session, second.id, tmp_path / f"summary.{suffix}", TODAY)
    text = path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    assert "Reassessment summary: Wendeline Fictorova" in text
    assert "Spitzer, Janet B.W. Williams, Kurt Kroenke" in text and "Pfizer Inc." in text
    assert "Improved" in text and "Worse" in text
    if suffix == "html":
        assert "&lt;b&gt;help&lt;/b&gt; &amp; a home" in text
    else:
        assert "<b>help</b> & a home" in text
    logged = case_documents.list_documents(session, first.case_id)
    assert [(d.kind, d.path) for d in logged] == [("reassessment_summary", str(path))]


def test_a_summary_saved_to_a_folder_gets_its_own_name(session, tmp_path):
    first = assessments.submit_intake(session, intake_form(), TODAY)
    path = assessments.save_summary(session, first.id, tmp_path, TODAY)
    assert path.parent == tmp_path and path.name == f"intake-summary-case{first.case_id}-2026-01-14.md"
    assert "Patient Health Questionnaire" in path.read_text()
