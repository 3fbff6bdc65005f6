"""The goals screen driven by keys on the demo caseload, and its snapshots."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from textual.widgets import DataTable, Input, SelectionList

from casetui.cli import make_app
from casetui.data.services import cases, goals
from casetui.data.storage.models import Goal, Objective, ProgressEntry
from casetui.screens.goals import GoalsScreen
from casetui.widgets.goal_forms import (
    GoalForm,
    HistoryDialog,
    ObjectiveForm,
    ProgressForm,
    StatusForm,
)
from tests.conftest import TODAY
from tests.helpers import calm, field_error, settle, type_into


def case_with_goals_and_a_draft(app) -> int:
    with app.database.transaction() as session:
        for case, _client in cases.open_cases(session):
            if goals.goal_rows(session, case.id, TODAY) and goals.goal_drafts(session, case.id):
                return case.id
    raise AssertionError("the demo has no case with both goals and drafts")


async def open_goals(app, pilot) -> GoalsScreen:
    await pilot.pause()
    app.open_goals(case_with_goals_and_a_draft(app))
    await pilot.pause()
    assert isinstance(app.screen, GoalsScreen)
    return app.screen


async def test_list_shows_progress_track_and_drafts(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_goals(app, pilot)
        table = screen.query_one("#goals", DataTable)
        keys = [row.key.value for row in table.ordered_rows]
        assert any(key.startswith("draft:") for key in keys)
        first = table.get_row_at(0)
        assert "%" in str(first[1])
        assert str(first[2]) in {label for label in goals.TRACK_STATUSES.values()} or "," in str(first[2])
        assert screen.detail is not None and screen.query_one("#chart").points is not None


async def test_add_a_goal_by_keys_with_inline_errors(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_goals(app, pilot)
        before = len(screen.rows)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, GoalForm)
        await type_into(pilot, None, "I want to read to my kids every night")
        await pilot.press("tab")
        assert isinstance(app.focused, SelectionList)
        await pilot.press("down", "down", "down", "down", "space")  # Education
        await pilot.press("tab")
        await type_into(pilot, None, "Nights read aloud per week")
        await pilot.press("tab")
        await type_into(pilot, None, "nights")
        await pilot.press("tab", "tab", "tab")  # past direction and who acts
        await type_into(pilot, None, "2")
        await pilot.press("tab")
        await type_into(pilot, None, "2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        # Refused in place, with the reason beside the target; what was typed is still there.
        assert app.screen is form
        assert "differ from the baseline" in field_error(form, "target")
        assert form.query_one("#statement", Input).value == "I want to read to my kids every night"
        form.query_one("#target", Input).focus()
        await pilot.press("backspace", "6", "ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert len(screen.rows) == before + 1
        with app.database.transaction() as session:
            goal = session.exec(select(Goal).where(Goal.statement.startswith("I want to read"))).one()
        assert (goal.domains, goal.baseline, goal.target, goal.unit) == (["education"], 2.0, 6.0, "nights")
        assert (goal.start_on, goal.due_on) == (TODAY, TODAY + timedelta(days=90))
        assert screen.selected_goal_id() == goal.id  # the new goal is highlighted


async def test_a_draft_prefills_its_domain(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_goals(app, pilot)
        table = screen.query_one("#goals", DataTable)
        draft_row = next(i for i, row in enumerate(table.ordered_rows) if row.key.value.startswith("draft:"))
        domain = table.ordered_rows[draft_row].key.value.removeprefix("draft:")
        table.move_cursor(row=draft_row)
        await pilot.pause()
        assert "wants a goal" in str(screen.query_one("#goal-summary").render())
        await pilot.press("enter")
        assert isinstance(app.screen, GoalForm)
        assert app.screen.query_one("#domains", SelectionList).selected == [domain]


async def test_objective_and_progress_by_keys(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_goals(app, pilot)
        goal_id = screen.selected_goal_id()
        objectives = screen.query_one("#objectives", DataTable)
        count = objectives.row_count

        await pilot.press("o")
        assert isinstance(app.screen, ObjectiveForm)
        await type_into(pilot, None, "Call the library about the reading club")
        await pilot.press("tab")
        await type_into(pilot, None, "2026-02-01")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert objectives.row_count == count + 1
        first_key = objectives.coordinate_to_cell_key(objectives.cursor_coordinate).row_key.value

        await pilot.press("x")  # done
        await pilot.pause()
        with app.database.transaction() as session:
            assert session.get(Objective, int(first_key)).done_on == TODAY
        await pilot.press("x")  # open again: the cursor stayed on the same objective
        await pilot.pause()
        with app.database.transaction() as session:
            assert session.get(Objective, int(first_key)).done_on is None

        entries = screen.query_one("#entries", DataTable)
        before = entries.row_count
        direction = screen.detail.goal.direction
        await pilot.press("p")
        form = app.screen
        assert isinstance(form, ProgressForm)
        assert form.query_one("#recorded_on", Input).value == TODAY.isoformat()
        await type_into(pilot, None, "lots")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form
        assert field_error(form, "value")
        form.query_one("#recorded_on", Input).value = (TODAY + timedelta(days=1)).isoformat()
        form.query_one("#value", Input).value = "yes" if direction == "reach" else "1"
        form.query_one("#value", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert field_error(form, "recorded_on") == "Date cannot be in the future."
        form.query_one("#recorded_on", Input).value = TODAY.isoformat()
        form.query_one("#evidence_source", Input).focus()
        await type_into(pilot, None, "Client report")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert entries.row_count == before + 1
        assert str(entries.get_row_at(0)[2]) == "Client report"  # newest first (cells are Text)
        with app.database.transaction() as session:
            assert len(session.exec(select(ProgressEntry).where(ProgressEntry.goal_id == goal_id)).all()) == before + 1
        assert len(screen.query_one("#chart").points) == before + 1


async def test_status_change_with_reason_and_history(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_goals(app, pilot)
        goal_id = screen.selected_goal_id()
        await pilot.press("s")
        form = app.screen
        assert isinstance(form, StatusForm)
        form.query_one("#lifecycle_status").value = "on-hold"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert field_error(form, "reason") == "Reason is required."
        form.query_one("#reason", Input).focus()
        await type_into(pilot, None, "Client in hospital")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        with app.database.transaction() as session:
            goal = session.get(Goal, goal_id)
        assert (goal.lifecycle_status, goal.status_reason, goal.revision) == ("on-hold", "Client in hospital", 2)
        assert "on hold" in str(screen.query_one("#goals", DataTable).get_row_at(0)[2])

        await pilot.press("e")
        form = app.screen
        assert isinstance(form, GoalForm)
        assert app.focused is form.query_one("#reason", Input)
        await type_into(pilot, None, "Reassessment")
        form.query_one("#target", Input).value = "9"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen

        await pilot.press("h")
        dialog = app.screen
        assert isinstance(dialog, HistoryDialog)
        newest, oldest = [str(entry.render()) for entry in dialog.query(".history-entry")]
        assert newest.startswith("Revision 2 ·") and "Target: " in newest and "Reason: Reassessment" in newest
        assert "Lifecycle: Active → On hold" in oldest and "Reason: Client in hospital" in oldest
        await pilot.press("escape")
        assert app.screen is screen


async def test_a_closed_case_hides_the_writing_keys(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        with app.database.transaction() as session:
            closed = session.exec(
                select(Goal.case_id)
                .join(cases.Case, cases.Case.id == Goal.case_id)
                .where(cases.Case.closed_on.is_not(None))
            ).first()
        app.open_goals(closed)
        await pilot.pause()
        screen = app.screen
        assert "read-only" in str(screen.query_one("#case-line").render())
        await pilot.press("a", "p")
        assert app.screen is screen  # nothing opened
        assert screen.check_action("add_progress", ()) is False


def _run_before(pilot):
    async def run_before(pilot):
        await pilot.pause()
        pilot.app.open_goals(case_with_goals_and_a_draft(pilot.app))
        await settle(pilot)  # the goal list, then the first goal's details: each in its worker

    return run_before


def test_goals_snapshot_80x24(snap_compare, demo_path):
    app = make_app(str(demo_path), today=TODAY)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run_before(None))


def test_goals_snapshot_120x40_light(snap_compare, demo_path):
    app = make_app(str(demo_path), today=TODAY)

    async def run_before(pilot):
        pilot.app.theme = "textual-light"
        await _run_before(pilot)(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_goal_form_snapshot(snap_compare, demo_path):
    app = make_app(str(demo_path), today=TODAY)

    async def run_before(pilot):
        await _run_before(pilot)(pilot)
        await pilot.press("p")
        await pilot.pause()
        calm(pilot.app)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
