"""Issue 20: a discharge always documented. Each test here failed before the fix it names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from casetui.data.domain.errors import ValidationError
from casetui.data.services import client_record, discharge, goals, referrals
from casetui.data.services import documents as case_documents
from casetui.data.storage.models import Case, Discharge, Document, Goal, Referral, Service, StageChange
from tests.data.test_discharge import case_with_goals, do_reason, review_all


@pytest.fixture
def session(demo_db):
    with demo_db.transaction() as session:
        yield session


def ready_to_finalize(session, case, today):
    do_reason(session, case, today)
    review_all(session, case, today)
    discharge.complete_step(session, case.id, "linkage")
    discharge.complete_step(session, case.id, "coordination")
    return discharge.render_summary(session, case.id, today)


def test_making_the_summary_final_writes_markdown_html_and_pdf_and_lists_them(session, today, tmp_path):
    case = case_with_goals(session)
    text = ready_to_finalize(session, case, today)
    discharge.save_documentation(
        session, case.id, recommendations="Keep going.", summary_text=text, final=True, folder=tmp_path, today=today
    )
    listed = [d for d in case_documents.list_documents(session, case.id) if d.kind == "discharge_summary"]
    assert sorted(d.path.rsplit(".", 1)[1] for d in listed) == ["html", "md", "pdf"]
    assert all((tmp_path / d.path.rsplit("/", 1)[1]).is_file() for d in listed)
    client = session.get(Case, case.id)
    pdf_path = next(d.path for d in listed if d.path.endswith(".pdf"))
    pdf_text = "".join(page.extract_text() for page in PdfReader(pdf_path).pages)
    name = discharge.summary_context(session, case.id, today)["client_name"]
    assert name in pdf_text and "Case manager" in pdf_text and "Page 1 of" in pdf_text
    assert client.closed_on is None
    detail = {item.step: item for item in discharge.checklist(session, case.id, today)}["documentation"]
    assert detail.done and "on file (3 files" in detail.detail and "not exported" not in detail.detail


def test_a_summary_that_cannot_be_written_is_not_final(session, today, tmp_path):
    case = case_with_goals(session)
    text = ready_to_finalize(session, case, today)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ValidationError) as info:
        discharge.save_documentation(
            session, case.id, recommendations="Keep going.", summary_text=text, final=True, folder=blocker, today=today
        )
    assert "export_folder" in info.value.errors


def test_a_case_cannot_close_without_its_final_summary_on_file(session, today, tmp_path):
    case = case_with_goals(session)
    text = ready_to_finalize(session, case, today)
    # A summary made final the old way: final, but never written anywhere.
    record = session.exec(select(Discharge).where(Discharge.case_id == case.id)).one()
    record.recommendations, record.summary_text = "Keep going.", text
    record.finalized_at = record.updated_at
    record.steps_done = [*record.steps_done, "documentation"]
    session.add(record)
    session.flush()
    with pytest.raises(ValidationError, match="not on file"):
        discharge.close_case(session, case.id, today)
    assert session.get(Case, case.id).closed_on is None
    written = discharge.export_summary(session, case.id, tmp_path, today)
    assert len(written) == 3
    discharge.close_case(session, case.id, today)
    assert session.get(Case, case.id).closed_on == today


def test_the_summary_status_words_come_from_one_source(session, today):
    """Sustaining with 67% progress read "Final status: Sustaining. Progress: 67% ... achieved"."""
    case = case_with_goals(session)
    goal = session.exec(select(Goal).where(Goal.case_id == case.id).order_by(Goal.id)).first()
    goal.direction, goal.baseline, goal.target, goal.unit = "increase", 0, 3, "visits"
    session.add(goal)
    session.flush()
    goals.add_progress(session, goal.id, value=2, recorded_on=today, today=today)
    review_all(session, case, today, achievement="sustaining")
    text = discharge.render_summary(session, case.id, today)
    line = next(line for line in text.splitlines() if "Final status:" in line and "67%" in line)
    assert "Sustaining" in line and "achieved" not in line.lower()


def test_linkage_counts_the_cases_referrals(session, today):
    """Linkage said "0 referrals" while the case had an accepted referral."""
    case = case_with_goals(session)
    for referral in referrals.list_referrals(session, case.id):
        session.delete(referral)
    session.flush()
    service = session.exec(select(Service).order_by(Service.id)).first()
    referral = referrals.create_referral(
        session,
        case.id,
        service_id=service.id,
        referred_on=today,
        follow_up_on=None,
        today=today,
        consent_signed_on=today,  # the release the client signs now (a referral shares their details)
    )
    referral.status = "accepted"
    session.add(referral)
    session.flush()
    discharge.complete_step(session, case.id, "linkage")
    detail = {item.step: item for item in discharge.checklist(session, case.id, today)}["linkage"].detail
    assert detail.startswith("1 referral ")
    assert [r.id for r in discharge.linkage_referrals(session, case.id)] == [referral.id]
    declined = session.get(Referral, referral.id)
    declined.status = "client_declined"
    session.add(declined)
    session.flush()
    assert discharge.linkage_referrals(session, case.id) == []


def test_a_reopened_case_timeline_reads_closed_then_reopened(today):
    """A reopened case's timeline showed closure as done."""
    day = today - timedelta(days=60)

    def change(start, to, days):
        return StageChange(case_id=1, from_stage=start, to_stage=to, changed_on=day + timedelta(days=days))

    history = [change(None, "engagement", 0), change("engagement", "implementation", 10)]
    history.append(change("implementation", "closure", 40))
    closed = client_record.stage_timeline(history, "closure")
    assert closed[-1].label == "Closure" and closed[-1].entered_on == day + timedelta(days=40) and closed[-1].current
    history.append(change("closure", "implementation", 50))
    steps = client_record.stage_timeline(history, "implementation")
    assert [(s.label, s.entered_on) for s in steps[-3:]] == [
        ("Closed", day + timedelta(days=40)),
        ("Reopened", day + timedelta(days=50)),
        ("Closure", None),  # to come again
    ]
    assert [s.stage for s in steps if s.current] == ["implementation"]


def test_the_documents_tab_kinds_read_as_words(session, today):
    case = case_with_goals(session)
    made = [
        case_documents.record_document(session, case.id, kind=kind, title=title, path=None, today=today)
        for kind, title in (
            ("intake_summary", "Reassessment summary 2026-01-10"),
            ("intake_summary", "Intake summary 2025-06-01"),
            ("provider_list", "Provider list (2 services)"),
        )
    ]
    assert [case_documents.kind_label(d) for d in made] == ["Reassessment summary", "Intake summary", "Provider list"]
    assert isinstance(made[0], Document)
