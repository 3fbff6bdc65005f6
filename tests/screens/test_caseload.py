"""The caseload (home) screen: what is due first, filters, opening a client, coming back."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static

from casetui.cli import make_app
from casetui.data.services import caseload, demo, notes
from casetui.screens.caseload import CaseloadScreen
from tests.conftest import TODAY
from tests.helpers import calm, settle


def shown_cases(app) -> list[int]:
    table = app.screen.query_one("#cases", DataTable)
    return [int(key.value) for key in table.rows]


def expected(demo_db, worker=demo.DEMO_WORKER):
    with demo_db.transaction() as session:
        return caseload.load_caseload(session, TODAY, worker=worker)


async def test_my_caseload_most_urgent_first_with_the_summary(demo_path, demo_db):
    wanted = expected(demo_db)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert shown_cases(app) == [row.case_id for row in wanted.rows]
        summary = str(app.screen.query_one("#summary", Static).render())
        assert summary == wanted.summary()
        assert summary.endswith(f"· {len(wanted.rows)} open")
        # Everyone's cases are one key away, and back.
        await pilot.press("w")
        await settle(pilot)
        everyone = expected(demo_db, worker=None)
        assert len(shown_cases(app)) == len(everyone.rows) > len(wanted.rows)
        await pilot.press("w")
        await settle(pilot)
        assert len(shown_cases(app)) == len(wanted.rows)


async def test_filter_by_name_as_you_type(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"sample")
        await settle(pilot)  # the debounce fired
        table = app.screen.query_one("#cases", DataTable)
        assert table.row_count == 1
        assert "Sampleton" in str(table.get_row_at(0)[0])
        assert "1 shown" in str(app.screen.query_one("#summary", Static).render())
        await pilot.press("enter", "escape")  # to the table, then clear the filters
        await settle(pilot)
        assert table.row_count > 1


async def test_keys_typed_before_the_filters_are_mounted_are_kept(demo_path, monkeypatch):
    # The filters are mounted just after the first frame; here they are held back until the
    # keys are in, as when someone types "/", a name and "o" while casetui starts.
    after_first_frame = CaseloadScreen.after_first_frame
    held: list[CaseloadScreen] = []
    monkeypatch.setattr(CaseloadScreen, "after_first_frame", lambda screen: held.append(screen))
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert held and not app.screen.query("#filters Input")
        await pilot.press("o", "slash", *"sampl")
        after_first_frame(held[0])
        await settle(pilot)
        name = app.screen.query_one("#filters #name", Input)
        assert name.value == "sampl" and app.focused is name and name.cursor_position == 5
        assert app.screen.query_one("#filters #show", Select).value == "overdue"
        table = app.screen.query_one("#cases", DataTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["Sampleton, Ada"]


async def test_quick_filters_overdue_week_and_stage(demo_path, demo_db):
    wanted = expected(demo_db)
    by_case = {row.case_id: row for row in wanted.rows}
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        overdue = shown_cases(app)
        assert overdue == [row.case_id for row in wanted.rows if row.overdue] and overdue
        await pilot.press("u")
        await settle(pilot)
        week = shown_cases(app)
        assert week == [row.case_id for row in wanted.rows if row.due_this_week] and week
        await pilot.press("u")  # again: everything
        await settle(pilot)
        app.screen.query_one("#stage", Select).value = "planning"
        await settle(pilot)
        assert shown_cases(app) and all(by_case[case_id].stage == "planning" for case_id in shown_cases(app))


async def test_coming_back_reads_again_only_what_changed_here_and_r_reads_a_colleagues_change(demo_path, demo_db):
    from casetui.screens.client import ClientScreen

    first, second = expected(demo_db).rows[:2]
    app = make_app(str(demo_path), today=TODAY)

    def contact_shown(case_id: int) -> str:
        return str(app.screen.query_one("#cases", DataTable).get_row(str(case_id))[7])

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        read_at_start = app.screen.loaded
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen) and app.screen.client_id == first.client_id
        await pilot.press("escape")  # only looked: the rows shown are the rows read
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen) and app.screen.loaded is read_at_start

        await pilot.press("enter")
        await settle(pilot)
        # A contact recorded here (as the note key on the client screen would) shows once back.
        with app.database.transaction() as session:
            notes.add_note(session, first.case_id, occurred_on=TODAY, kind="phone", text="Called", today=TODAY)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.loaded is not read_at_start and contact_shown(first.case_id) == "today"

        # A colleague's (another connection to the same file) is read by r.
        with demo_db.transaction() as session:
            notes.add_note(session, second.case_id, occurred_on=TODAY, kind="phone", text="Called", today=TODAY)
        assert contact_shown(second.case_id) != "today"
        await pilot.press("r")
        await settle(pilot)
        assert contact_shown(second.case_id) == "today"


async def test_n_starts_a_new_client_intake(demo_path):
    from casetui.screens.intake import IntakeScreen

    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)


def _snapshot_app(demo_path):
    return make_app(str(demo_path), today=TODAY)


async def _loaded(pilot):
    await settle(pilot)
    calm(pilot.app)


def test_caseload_snapshot_80x24(snap_compare, demo_path):
    assert snap_compare(_snapshot_app(demo_path), terminal_size=(80, 24), run_before=_loaded)


def test_caseload_snapshot_120x40_light(snap_compare, demo_path):
    async def run_before(pilot):
        pilot.app.theme = "textual-light"
        await _loaded(pilot)

    assert snap_compare(_snapshot_app(demo_path), terminal_size=(120, 40), run_before=run_before)
