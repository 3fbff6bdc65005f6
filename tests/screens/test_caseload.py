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
        # The worker's day comes first: the demo's appointments today and tasks due.
        assert summary == f"4 appointments today · 3 tasks due (2 overdue) · {wanted.summary()}"
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
        assert week == [row.case_id for row in wanted.rows if row.overdue or row.due_this_week] and week
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


# --- sorting, the closed and drafts views, what the due filters say ----------------------------


def header(app) -> list[str]:
    return [str(column.label) for column in app.screen.query_one("#cases", DataTable).columns.values()]


def first_column(app) -> list[str]:
    table = app.screen.query_one("#cases", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_t_sorts_by_the_next_column_shift_t_reverses_and_the_sort_survives_filters_and_reload(demo_path, demo_db):
    wanted = expected(demo_db).rows
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "Due ▲" in header(app)  # the usual order: most urgent first
        await pilot.press("t")  # Due -> When
        await settle(pilot)
        assert "When ▲" in header(app) and "Due" in header(app)
        # Around to Client: every column takes its turn.
        for _ in range(7):
            await pilot.press("t")
        await settle(pilot)
        assert header(app)[0] == "Client ▲"
        by_name = sorted((row.client_name for row in wanted), key=str.casefold)
        assert first_column(app) == by_name
        await pilot.press("T")
        await settle(pilot)
        assert header(app)[0] == "Client ▼" and first_column(app) == by_name[::-1]
        # The sort is kept through a filter and a reload.
        await pilot.press("o")
        await settle(pilot)
        overdue = sorted((row.client_name for row in wanted if row.overdue), key=str.casefold)[::-1]
        assert first_column(app) == overdue and header(app)[0] == "Client ▼"
        await pilot.press("o", "r")
        await settle(pilot)
        assert first_column(app) == by_name[::-1] and header(app)[0] == "Client ▼"


async def test_sorting_by_contact_puts_the_longest_without_contact_first_when_reversed(demo_path, demo_db):
    wanted = expected(demo_db).rows
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(5):  # Due -> When, Next action, Stage, Goals, Contact
            await pilot.press("t")
        await pilot.press("T")
        await settle(pilot)
        assert "Contact ▼" in header(app)
        days = [row.days_since_contact for row in sorted(wanted, key=lambda row: -row.days_since_contact)]
        by_case = {row.case_id: row for row in wanted}
        assert [by_case[case_id].days_since_contact for case_id in shown_cases_any(app)] == days


def shown_cases_any(app) -> list[int]:
    return [int(key.value) for key in app.screen.query_one("#cases", DataTable).rows]


async def test_x_lists_closed_cases_with_the_reason_and_enter_opens_one_read_only(demo_path, demo_db):
    from casetui.screens.client import ClientScreen

    with demo_db.transaction() as session:
        closed = caseload.closed_cases(session)
    assert closed
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("w", "x")  # everyone's closed cases
        await settle(pilot)
        assert header(app)[:3] == ["Client", "Closed on ▼", "Reason"]
        table = app.screen.query_one("#cases", DataTable)
        assert table.row_count == len(closed)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[0] == closed[0].client_name and row[1] == f"{closed[0].closed_on:%Y-%m-%d}"
        assert row[2] == closed[0].reason and closed[0].reason
        summary = str(app.screen.query_one("#summary", Static).render())
        cases = "closed case" if len(closed) == 1 else "closed cases"
        assert summary.startswith(f"{len(closed)} {cases} (every worker's)")
        assert app.screen.query_one("#show", Select).value == "closed"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen) and app.screen.client_id == closed[0].client_id
        assert "read-only" in str(app.screen.query_one("#banner", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("x")  # again: back to the open cases, with their columns
        await settle(pilot)
        assert "Due ▲" in header(app) and app.screen.query_one("#cases", DataTable).row_count > len(closed)


async def test_d_lists_drafts_with_whose_and_when_and_enter_resumes_your_own(demo_path, demo_db):
    from datetime import UTC, datetime

    from casetui.data.storage.models import IntakeDraft
    from casetui.screens.intake import IntakeScreen
    from casetui.widgets.dialogs import ConfirmDialog

    app = make_app(str(demo_path), today=TODAY)
    with demo_db.transaction() as session:
        session.add(
            IntakeDraft(
                worker=app.worker_name,
                data={"first_name": "Bea", "last_name": "Testwell"},
                updated_at=datetime(2024, 5, 2, 9, 30, tzinfo=UTC),
            )
        )
        session.add(IntakeDraft(worker="R. Colleague", data={"first_name": "Cy", "last_name": "Otherly"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert header(app) == ["Client", "What", "Saved ▼", "Worker"]
        table = app.screen.query_one("#cases", DataTable)
        saved = datetime(2024, 5, 2, 9, 30, tzinfo=UTC).astimezone()
        assert [str(cell) for cell in table.get_row_at(0)] == [
            "Testwell, Bea",
            "Intake",
            f"{saved:%Y-%m-%d %H:%M}",
            app.worker_name,
        ]
        assert table.row_count == 1  # only yours, as the worker filter says
        summary = str(app.screen.query_one("#summary", Static).render())
        assert summary.startswith("1 unfinished intake or reassessment (yours)")
        await pilot.press("w")  # everyone's: a colleague's draft is listed, and not resumed here
        await settle(pilot)
        assert sorted(first_column(app)) == ["Otherly, Cy", "Testwell, Bea"]
        app.screen.query_one("#cases", DataTable).move_cursor(row=first_column(app).index("Otherly, Cy"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        app.screen.query_one("#cases", DataTable).move_cursor(row=first_column(app).index("Testwell, Bea"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and "Resume it?" in app.screen.question
        await pilot.press("enter")  # Resume (letters typed ahead go into the form, not to the question)
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.collect()["last_name"] == "Testwell"


async def test_the_due_filters_say_what_they_include(demo_path, demo_db):
    wanted = expected(demo_db)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        labels = [str(label) for label, _value in app.screen.query_one("#show", Select)._options]
        assert labels == ["All open cases", "Overdue", "Overdue or due this week", "Closed cases", "Intake drafts"]
        summary = app.screen.query_one("#summary", Static)
        week_end = TODAY + caseload.timedelta(days=caseload.WEEK_DAYS)
        assert f"due this week (today to {week_end:%a %d %b})" in str(summary.render())
        await pilot.press("u")
        await settle(pilot)
        assert str(summary.render()).endswith("· showing cases overdue or with something due this week")
        shown = set(shown_cases(app))
        # As the label says: overdue cases too, not only those with something due in the week.
        assert shown == {row.case_id for row in wanted.rows if row.overdue or row.due_this_week}
        assert {row.case_id for row in wanted.rows if row.overdue} - {r.case_id for r in wanted.rows if r.due_this_week}


def test_the_contact_cell_fits_its_column_when_no_contact_was_ever_recorded():
    from datetime import timedelta

    from casetui.screens.caseload import COLUMNS, contact_cell

    width = next(width for label, _key, width in COLUMNS if label == "Contact")
    never = caseload.CaseloadRow(
        1, 1, "Sample, Ada", "ada sample", "engagement", "w", "p", TODAY, days_since_contact=31
    )
    seen = caseload.CaseloadRow(
        1,
        1,
        "Sample, Ada",
        "ada sample",
        "engagement",
        "w",
        "p",
        TODAY,
        last_contact_on=TODAY - timedelta(days=31),
        days_since_contact=31,
    )
    assert contact_cell(never, TODAY) == "never"  # was "none 31d", cut to "none 31"
    assert contact_cell(seen, TODAY) == "31d"
    assert all(len(contact_cell(row, TODAY)) <= width for row in (never, seen))
