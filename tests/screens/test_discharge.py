"""The discharge wizard driven by keys: the whole walk, refusals, consent gate, resume, closed case."""

from __future__ import annotations

import sqlite3

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input, Markdown, Select, Static, TextArea

from casetui.cli import make_app
from casetui.data.services import discharge
from casetui.data.storage.database import open_database
from casetui.data.storage.models import (
    Case,
    CoordinationContact,
    Document,
    Goal,
    Referral,
)
from casetui.screens.discharge import DischargeScreen
from tests.conftest import TODAY
from tests.helpers import calm, choose, field_error, settle, type_into


def pick_case(path, *, closed: bool = False) -> int:
    database = open_database(str(path), worker="test")
    try:
        with database.transaction() as session:
            query = select(Case).where(Case.closed_on.is_not(None) if closed else Case.closed_on.is_(None))
            for case in session.exec(query.order_by(Case.id)):
                if closed or len(session.exec(select(Goal).where(Goal.case_id == case.id)).all()) == 2:
                    return case.id
    finally:
        database.dispose()
    raise AssertionError("no suitable demo case")


async def open_wizard(app, pilot, case_id):
    app.open_discharge(case_id)
    await settle(pilot)
    assert isinstance(app.screen, DischargeScreen)


def checklist_text(screen) -> str:
    return "\n".join(str(item.render()) for item in screen.query("#checklist Static"))


def status_of(app) -> dict[str, str]:
    with app.database.transaction() as session:
        return {s.key: s.status for s in discharge.step_states(session, app.screen.case_id)}


@pytest.mark.slow  # over 10 s: all six steps, key by key
async def test_walk_the_whole_wizard_by_keys_and_close_the_case(demo_path, tmp_path):
    case_id = pick_case(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot, case_id)
        screen = app.screen
        assert screen.viewing == "reason" and app.focused.id == "reason"
        # 1 Reason
        await choose(pilot, "goals")
        await pilot.press("tab")
        assert app.focused.id == "planned"  # "other reason" is hidden unless the reason is Other
        await choose(pilot, "unp")
        await pilot.press("tab", "tab")
        assert app.focused.id == "destination_group"
        await choose(pilot, "perm")
        await pilot.press("tab")
        await choose(pilot, "435")
        await pilot.pause()
        assert screen.query_one("#field-subsidy_type").display  # asked only for 435
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "subsidy" in field_error(screen, "subsidy_type")
        assert app.focused.id == "subsidy_type"  # the error took the cursor there
        await choose(pilot, "43")  # 431 RRH or equivalent subsidy
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.viewing == "goals" and status_of(app)["reason"] == "done"

        # 2 Goals review: a final status and a note for each goal
        for _ in range(2):
            await choose(pilot, "ach")
            await pilot.press("tab", *"Reviewed together", "tab")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.viewing == "linkage"

        # 3 Linkage: Enter on a suggested service opens the referral form; ctrl+s refers
        hits = screen.query_one("#linkage-hits", DataTable)
        assert hits.row_count > 0
        await pilot.press("tab", "enter")
        await settle(pilot)
        if app.screen.query("#consent_signed_on"):  # none on file covers this provider: the client signs one now
            await type_into(pilot, "#consent_signed_on", f"{TODAY:%Y-%m-%d}")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("f2")  # provider list for the client and family
        await settle(pilot)
        assert "Provider list" in str(screen.query_one("#provider-list-result", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.viewing == "coordination"

        # 4 Coordination: sharing is refused until a consent is recorded right here
        await pilot.press(*"Cedar Family Centre")
        await settle(pilot)
        assert "No current consent" in str(screen.query_one("#consent-status", Static).render())
        screen.query_one("#information_shared", Input).value = "Discharge plan and goals"
        await pilot.press("enter")
        await pilot.pause()
        assert "No current consent" in field_error(screen, "information_shared")
        await pilot.press("f3")  # record consent
        await pilot.pause()
        await pilot.press("ctrl+s")  # consent dialog: recipient and signed date are filled in
        await settle(pilot)
        assert app.screen is screen
        assert "Consent on file" in str(screen.query_one("#consent-status", Static).render())
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.viewing == "documentation"

        # 5 Documentation: changes, render, edit, final, export
        await pilot.press(*"Blood pressure steady", "tab", "tab", "tab", *"Keep seeing the counsellor")
        await pilot.press("f5")  # render
        await settle(pilot)
        summary = screen.query_one("#summary_text", TextArea)
        assert "Blood pressure steady" in summary.text and "Keep seeing the counsellor" in summary.text
        summary.insert("\nEdited by hand.\n", summary.document.end)
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("enter")  # confirm: make final
        await settle(pilot)
        assert screen.viewing == "review"
        await pilot.press("ctrl+b")
        await pilot.pause()
        screen.query_one("#export_folder", Input).value = str(tmp_path / "out")
        await pilot.press("ctrl+o")
        await settle(pilot)
        exported = sorted(p.name for p in (tmp_path / "out").iterdir())
        assert exported == [
            f"discharge-summary-case{case_id}-2026-01-15.html",
            f"discharge-summary-case{case_id}-2026-01-15.md",
            f"discharge-summary-case{case_id}-2026-01-15.pdf",
        ]
        assert "Edited by hand." in (tmp_path / "out" / exported[1]).read_text()

        # 6 Review and close
        await pilot.press("ctrl+n")
        await pilot.pause()
        checklist = checklist_text(screen)
        assert "✗" not in checklist and "on file (6 files" in checklist
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("enter")  # confirm
        await settle(pilot)
        assert screen.closed and screen.query_one("#final-facts", Static)

    with app.database.transaction() as session:
        case = session.get(Case, case_id)
        assert (case.stage, case.closed_on, case.retention_until) == ("closure", TODAY, TODAY.replace(year=2033))
        record = discharge.current_discharge(session, case_id)
        assert (record.reason, record.planned, record.destination, record.subsidy_type) == (
            "goals_met",
            False,
            435,
            431,
        )
        assert all(r["achievement"] == "achieved" for r in record.goal_reviews.values())
        assert session.exec(select(Referral).where(Referral.case_id == case_id, Referral.for_discharge)).all()
        contact = session.exec(select(CoordinationContact).where(CoordinationContact.case_id == case_id)).one()
        assert contact.consent_id is not None
        kinds = {d.kind for d in session.exec(select(Document).where(Document.case_id == case_id))}
        assert kinds == {"discharge_summary", "provider_list"}


def half_done(path, case_id, *, summary: bool = False) -> None:
    """Reason and goals review saved through the services, as a user who left after step 2."""
    database = open_database(str(path), worker="J. Rivera")
    try:
        with database.transaction() as session:
            discharge.save_reason(
                session, case_id, reason="moved", planned=True, discharge_on=TODAY, destination=422, today=TODAY
            )
            reviews = {
                r.goal_id: {"achievement": "achieved", "note": f"Reviewed goal {n}."}
                for n, r in enumerate(discharge.goal_reviews(session, case_id, TODAY), start=1)
            }
            discharge.save_goal_reviews(session, case_id, reviews, TODAY)
            if summary:
                discharge.save_documentation(
                    session,
                    case_id,
                    health_changes="Sleeping better.",
                    recommendations="Join the tenants' association.",
                    today=TODAY,
                    summary_text=discharge.render_summary(session, case_id, TODAY),
                )
    finally:
        database.dispose()


async def test_the_wizard_resumes_where_the_user_left(demo_path):
    case_id = pick_case(demo_path)
    half_done(demo_path, case_id)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot, case_id)
        screen = app.screen
        assert screen.viewing == "linkage"
        lines = str(screen.query_one("#steps").render()).splitlines()
        assert [line.split()[0] for line in lines[::2]] == ["✓", "✓", "▶", "○", "○", "○"]
        assert "to do next" in lines[5] and "missing" in lines[7]
        # What was saved is shown again, ready to change (a step is built when it is first shown).
        await pilot.press("ctrl+b", "ctrl+b")
        assert screen.viewing == "reason"
        assert screen.query_one("#reason", Select).value == "moved"
        assert screen.query_one("#planned", Select).value == "planned"
        assert screen.query_one("#destination", Select).value == 422
        notes = sorted(i.value for i in screen.query("#step-goals Input"))
        assert notes == ["Reviewed goal 1.", "Reviewed goal 2."]


async def test_a_save_held_up_by_the_database_does_not_hold_up_the_wizard(demo_path):
    """A colleague's long write holds the database (as a slow link would): the save waits in its
    worker while the keys still work, and when it lands it does not move the user on again."""
    case_id = pick_case(demo_path)
    half_done(demo_path, case_id)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await open_wizard(app, pilot, case_id)
        screen = app.screen
        await pilot.press("ctrl+b", "ctrl+b")
        assert screen.viewing == "reason"
        colleague = sqlite3.connect(demo_path, isolation_level=None)
        try:
            colleague.execute("BEGIN IMMEDIATE")  # the write lock, held
            await pilot.press("ctrl+s")
            saving = [worker for worker in app.workers if not worker.is_finished]
            assert saving, "the save runs in a worker"
            await pilot.press("ctrl+n")  # the interface answers while the save waits
            assert screen.viewing == "goals" and app.focused.id.startswith("goal-")
            assert not all(worker.is_finished for worker in saving)
        finally:
            colleague.rollback()
            colleague.close()
        await settle(pilot)
        assert screen.viewing == "goals"  # the user had moved on already
        assert "Reason, date and destination saved." in [n.message for n in app._notifications]
        assert "to do next" in str(screen.query_one("#steps").render()).splitlines()[5]


async def test_closing_is_refused_with_the_reason_while_a_step_is_missing(demo_path):
    case_id = pick_case(demo_path)
    half_done(demo_path, case_id)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot, case_id)
        screen = app.screen
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+n")
        assert screen.viewing == "review"
        checklist = checklist_text(screen)
        assert "✓ Reason" in checklist and "✗ Linkage" in checklist
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # no confirmation: nothing to confirm
        error = str(screen.query_one("#close-error", Static).render())
        assert "cannot close yet" in error and "linkage, service coordination, documentation are missing" in error
    with app.database.transaction() as session:
        assert session.get(Case, case_id).closed_on is None


async def test_the_steps_move_with_the_intakes_keys_too_even_from_a_field(demo_path):
    """ctrl+pageup/down as on the intake, from any field (priority: one that scrolls sideways would
    take them first)."""
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot, pick_case(demo_path))
        screen = app.screen
        seen = []
        for _step in range(5):
            await pilot.press("ctrl+pagedown")
            await pilot.pause()
            seen.append((screen.viewing, type(app.focused).__name__))
        assert seen == [
            ("goals", "Select"),
            ("linkage", "Input"),
            ("coordination", "Input"),
            ("documentation", "TextArea"),
            ("review", "Button"),
        ]
        await pilot.press("ctrl+pageup", "ctrl+pageup", "ctrl+b")
        await pilot.pause()
        assert screen.viewing == "linkage"


async def test_sharing_without_consent_is_refused_in_the_coordination_step(demo_path):
    case_id = pick_case(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot, case_id)
        screen = app.screen
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+n")
        assert screen.viewing == "coordination" and app.focused.id == "recipient"
        await pilot.press(*"Lantern Outreach", "tab", "tab", "tab", *"Goals and progress", "enter")
        await pilot.pause()
        assert "No current consent lets you share information with Lantern Outreach" in field_error(
            screen, "information_shared"
        )
        assert screen.query_one("#information_shared", Input).value == "Goals and progress"  # nothing typed is lost
        # The same contact without the shared information is logged.
        screen.query_one("#information_shared", Input).value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert "Lantern Outreach" in str(screen.query_one("#contacts", DataTable).get_row_at(0))
    with app.database.transaction() as session:
        contact = session.exec(select(CoordinationContact).where(CoordinationContact.case_id == case_id)).one()
        assert contact.information_shared is None and contact.consent_id is None


async def test_a_closed_case_is_read_only_and_reopens_with_a_reason(demo_path):
    case_id = pick_case(demo_path, closed=True)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot, case_id)
        screen = app.screen
        assert screen.closed
        facts = str(screen.query_one("#final-facts", Static).render())
        assert "Closed on 2025-12-26" in facts and "410 Rental by client, no ongoing housing subsidy" in facts
        assert not screen.query(Input) and not screen.query(TextArea) and screen.query_one(Markdown)
        assert not screen.check_action("save_reason", ()) and not screen.check_action("close_case", ())
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("enter")  # an empty reason is refused in place
        await pilot.pause()
        assert app.screen is not screen
        await pilot.press(*"Client asked for help again", "enter")
        await settle(pilot)
        assert app.screen is screen and not screen.closed
        assert screen.viewing == "reason" and screen.query_one("#reason", Select).value is Select.NULL
    with app.database.transaction() as session:
        case = session.get(Case, case_id)
        assert (case.stage, case.closed_on) == ("implementation", None)


# --- snapshots ----------------------------------------------------------------------------


def _snapshot(snap_compare, demo_path, *, keys=(), size=(120, 40), closed=False, summary=True, setup=True, theme=None):
    case_id = pick_case(demo_path, closed=closed)
    if setup and not closed:
        half_done(demo_path, case_id, summary=summary)
    app = make_app(str(demo_path), today=TODAY)

    async def run_before(pilot):
        if theme:
            pilot.app.theme = theme
        await open_wizard(pilot.app, pilot, case_id)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        calm(pilot.app)
        # The step list holds the focus: a text cursor caught mid-blink makes snapshots flaky.
        pilot.app.screen.query_one("#steps").focus()
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=run_before)


def test_snapshot_reason_step(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path, setup=False)


def test_snapshot_reason_step_80x24(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path, setup=False, size=(80, 24))


def test_snapshot_goals_step(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path, keys=["ctrl+b"])


def test_snapshot_linkage_step(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path)


def test_snapshot_coordination_step(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path, keys=["ctrl+n"])


def test_snapshot_documentation_step(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path, keys=["ctrl+n", "ctrl+n"])


def test_snapshot_review_step(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path, keys=["ctrl+n", "ctrl+n", "ctrl+n"])


def test_snapshot_closed_case(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path, closed=True)


async def test_the_step_list_opens_any_step_from_the_keyboard(demo_path):
    case_id = pick_case(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot, case_id)
        screen = app.screen
        screen.query_one("#steps").focus()
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        assert screen.viewing == "coordination" and app.focused.id == "recipient"


def test_snapshot_review_step_light_theme(snap_compare, demo_path):
    assert _snapshot(snap_compare, demo_path, keys=["ctrl+n", "ctrl+n", "ctrl+n"], theme="textual-light")
