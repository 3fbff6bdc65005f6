"""Text people type shows as typed: square brackets are not markup.

Textual reads a ``str`` given to a Static, a Label, a notification, an option or a DataTable
cell as markup: "Smith [Jr]" lost "[Jr]", "call [mom]" lost "[mom]", "[b]bold?[/b]" turned
bold, and "a [/] b" stopped the app. One client whose every field carries such text is walked
through the caseload, every tab of the record, the goals, the directory, the whole discharge
wizard, the command palette, the help and the audit trail, with notifications shown.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from textual.geometry import Region
from textual.widgets import DataTable, Input, Markdown, Select, Static, TextArea

from casetui.cli import make_app
from casetui.data.directory import hsds
from casetui.data.services import (
    assessments,
    cases,
    consent,
    discharge,
    goals,
    notes,
    referrals,
)
from casetui.data.storage.database import open_database
from casetui.screens.audit import AuditScreen
from casetui.screens.client import ClientScreen
from casetui.screens.discharge import DischargeScreen
from casetui.screens.goals import GoalsScreen
from casetui.screens.help import HelpScreen
from casetui.screens.intake import IntakeScreen
from casetui.screens.resources import ResourcesScreen
from casetui.widgets.duplicate_dialog import DuplicateDialog
from casetui.widgets.form_dialog import FormDialog
from casetui.widgets.goal_forms import ProgressForm
from casetui.widgets.referral_form import ReferralForm
from tests.conftest import TODAY
from tests.helpers import choose, palette_first, settle, type_into, wait_until

# Each value holds at least one of "[Jr]", "call [mom]", "[b]bold?[/b]" and "a [/] b".
WORKER = "Kim [Jr] a [/] b"
FIRST, LAST = "Ada [b]bold?[/b]", "Smith [Jr] a [/] b"
SORT_NAME, DISPLAY_NAME = f"{LAST}, {FIRST}", f"{FIRST} {LAST}"
BORN = "1990-02-03"
PRONOUNS = "call [mom]"
ADDRESS = "1 call [mom] Lane a [/] b"
PROGRAM = "Housing [Jr] a [/] b"
REFERRAL_SOURCE = "call [mom] [b]bold?[/b]"
FLAG_REASON = "Said a [/] b, call [mom] [Jr] [b]bold?[/b]"
GOAL = "call [mom] [Jr] a [/] b [b]bold?[/b]"
MEASURE = "calls [Jr] a [/] b"
UNIT = "[b]x[/b] a [/] b"
OBJECTIVE = "[b]bold?[/b] call [mom] a [/] b [Jr]"
PROGRESS_NOTE, EVIDENCE = "a [/] b call [mom]", "[Jr] [b]bold?[/b]"
NOTE = "Note: call [mom] a [/] b [Jr] [b]bold?[/b]"
CLINIC = "Clinic [Jr] a [/] b call [mom]"  # a consent's recipient
SERVICE, PROVIDER = "Zephyr Pantry [Jr] a [/] b", "call [mom] [b]bold?[/b]"  # a directory entry
REASON_OTHER = "Moved in with [Jr] a [/] b"
REVIEW_NOTE = "Done [Jr] a [/] b"
SHARED = "[b]bold?[/b] plan a [/] b"
RECOMMENDATIONS = "Keep calling [mom] a [/] b [Jr]"


@pytest.fixture
def bracketed(demo_path) -> int:
    """The demo database plus one client (of WORKER) with brackets in everything typed."""
    package = demo_path.parent / "zephyr.json"
    package.write_text(
        json.dumps(
            [
                {
                    "id": "zephyr-svc",
                    "name": SERVICE,
                    "description": "Groceries; call [mom] a [/] b.",
                    "status": "active",
                    "organization": {"id": "zephyr-org", "name": PROVIDER},
                    "attributes": [
                        {
                            "id": "zephyr-a1",
                            "taxonomy_term": {"id": "zephyr-t1", "name": "Food Pantry", "taxonomy": "open_eligibility"},
                        }
                    ],
                }
            ]
        )
    )
    opened = TODAY - timedelta(days=30)
    database = open_database(str(demo_path), worker=WORKER)
    try:
        with database.transaction() as session:
            assert hsds.import_package(session, package, TODAY).ok
            intake = assessments.submit_intake(
                session,
                {
                    "first_name": FIRST,
                    "last_name": LAST,
                    "date_of_birth": BORN,
                    "pronouns": PRONOUNS,
                    "address": ADDRESS,
                    "program": PROGRAM,
                    "referral_source": REFERRAL_SOURCE,
                    "assessed_on": opened,
                    "consent_to_services": True,
                    "need_food_score": 1,
                    "need_food_note": "a [/] b",
                },
                opened,
            )
            case_id = intake.case_id
            client_id = cases.get_case(session, case_id).client_id
            cases.raise_safety_flag(session, case_id, FLAG_REASON)
            goal = goals.create_goal(
                session,
                case_id,
                {
                    "statement": GOAL,
                    "domains": ["food"],
                    "measure": MEASURE,
                    "unit": UNIT,
                    "direction": "increase",
                    "baseline": "0",
                    "target": "5",
                    "start_on": opened,
                    "due_on": TODAY + timedelta(days=60),
                },
            )
            goals.add_objective(session, goal.id, text=OBJECTIVE, due_on=TODAY + timedelta(days=20))
            goals.add_progress(
                session,
                goal.id,
                recorded_on=TODAY - timedelta(days=5),
                value="2",
                today=TODAY,
                note=PROGRESS_NOTE,
                evidence_source=EVIDENCE,
            )
            notes.add_note(
                session, case_id, occurred_on=TODAY - timedelta(days=2), kind="phone", text=NOTE, today=TODAY
            )
            consent.record_consent(
                session,
                client_id,
                recipient=CLINIC,
                scope="referral",
                signed_on=TODAY - timedelta(days=10),
                expires_on=None,
                today=TODAY,
            )
            referrals.create_referral(
                session,
                case_id,
                service_id="zephyr-svc",
                referred_on=TODAY - timedelta(days=7),
                follow_up_on=TODAY + timedelta(days=7),
                today=TODAY,
                note="[b]bold?[/b]",
                consent_signed_on=TODAY - timedelta(days=12),  # this provider's release, older than the clinic's
            )
            discharge.save_reason(
                session,
                case_id,
                reason="other",
                reason_other=REASON_OTHER,
                planned=True,
                discharge_on=TODAY,
                destination=422,
                today=TODAY,
            )
    finally:
        database.dispose()
    return client_id


BOX_DRAWING = {code: " " for code in range(0x2500, 0x25A0)}  # borders, bars


def shown(widget) -> str:
    """What the widget draws, as plain text: borders dropped, and runs of spaces and line ends
    (wrapping, cell padding) read as one space."""
    width, height = widget.outer_size
    drawn = " ".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))
    return " ".join(drawn.translate(BOX_DRAWING).split())


def toasts(app) -> str:
    return "\n".join(shown(toast) for toast in app.screen.query("Toast"))


async def palette(pilot, query: str, expected: str) -> str:
    """Type ``query`` in the command palette and wait for ``expected`` in its first match."""
    await pilot.press("ctrl+p")
    await type_into(pilot, None, query)
    return await palette_first(pilot, expected)


@pytest.mark.slow  # over 10 s: every screen of the app, key by key
async def test_text_with_square_brackets_shows_as_typed_everywhere(bracketed, demo_path, tmp_path):
    client_id = bracketed
    app = make_app(str(demo_path), today=TODAY, worker=WORKER)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        # The caseload lists only this worker's case.
        await wait_until(pilot, lambda: app.screen.query_one("#cases", DataTable).row_count == 1, "the one case")
        assert "Smith [Jr]" in shown(app.screen.query_one("#cases", DataTable))
        await pilot.press("enter")
        await settle(pilot)
        record = app.screen
        assert isinstance(record, ClientScreen) and record.client_id == client_id

        # --- the client record, every tab
        title = shown(record.query_one("#client-title", Static))
        assert SORT_NAME in title and PRONOUNS in title and PROGRAM in title and WORKER in title
        assert ADDRESS in shown(record.query_one("#demographics", Static))
        assert FLAG_REASON in shown(record.query_one("#safety", Static))
        assert GOAL in shown(record.query_one("#goal-progress", Static))
        await pilot.press("2")
        await pilot.pause()
        table = shown(record.query_one("#assessments-table", DataTable))
        assert WORKER in table and REFERRAL_SOURCE in table
        await pilot.press("3")
        await pilot.pause()
        table = shown(record.query_one("#goals-table", DataTable))
        assert GOAL in table and MEASURE in table
        await pilot.press("4")
        await pilot.pause()
        table = shown(record.query_one("#notes-table", DataTable))
        assert NOTE in table and WORKER in table
        assert NOTE in shown(record.query_one("#note-text", Static))
        await pilot.press("5")
        await pilot.pause()
        table = shown(record.query_one("#referrals-table", DataTable))
        assert SERVICE in table and PROVIDER in table
        await pilot.press("o")  # the outcome form names the service
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        assert f"Outcome of the referral to {SERVICE}" in shown(app.screen.query_one(".dialog-title", Static))
        await pilot.press("escape")
        await pilot.press("6")
        await pilot.pause()
        assert CLINIC in shown(record.query_one("#consents-table", DataTable))
        await pilot.press("v")  # revoking names the recipient
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        assert f"Revoke the consent to {CLINIC}" in shown(app.screen.query_one(".dialog-title", Static))
        await pilot.press("escape")
        await pilot.press("7")
        await pilot.pause()
        assert app.screen is record

        # --- goals: list, summary, objectives, progress entries, the progress form's hint
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GoalsScreen)
        assert GOAL in shown(screen.query_one("#goals", DataTable))
        summary = shown(screen.query_one("#goal-summary", Static))
        assert GOAL in summary and MEASURE in summary and f"Now 2 {UNIT}, target 5 {UNIT}" in summary
        assert OBJECTIVE in shown(screen.query_one("#objectives", DataTable))
        entries = shown(screen.query_one("#entries", DataTable))
        assert PROGRESS_NOTE in entries and EVIDENCE in entries and f"2 {UNIT}" in entries
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProgressForm)
        assert UNIT in shown(app.screen.query_one("#field-value Label"))
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)

        # --- the directory: suggestions for the client, a search, the detail, the referral form
        await pilot.press("f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResourcesScreen)
        assert f"Suggested for {DISPLAY_NAME}:" in shown(screen.query_one("#status", Static))
        await type_into(pilot, None, "zephyr")
        await settle(pilot)  # the search's debounce fires
        results = shown(screen.query_one("#results"))
        assert SERVICE in results and PROVIDER in results
        assert SERVICE in shown(screen.query_one("#detail-text", Static))
        await pilot.press("down", "r")
        await pilot.pause()
        assert isinstance(app.screen, ReferralForm)
        assert f"Refer {DISPLAY_NAME}" in shown(app.screen.query_one(".dialog-title", Static))
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is record

        # --- the discharge wizard, step by step
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DischargeScreen) and screen.viewing == "goals"
        assert GOAL in shown(screen.query_one("#step-goals .goal-statement", Static))
        await pilot.press("ctrl+s")  # no note yet: the message quotes the goal
        await settle(pilot)
        errors = " ".join(shown(error) for error in screen.query("#step-goals .field-error"))
        assert f"A note on '{GOAL}' is required." in errors
        await pilot.press("shift+tab")  # from the note (the error took the cursor there) to the status
        await choose(pilot, "ach")
        await pilot.press("tab")
        await type_into(pilot, None, REVIEW_NOTE)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.viewing == "linkage"

        screen.query_one("#linkage-search", Input).focus()
        await pilot.press(*"zephyr", "enter")
        await settle(pilot)
        hits = shown(screen.query_one("#linkage-hits", DataTable))
        assert SERVICE in hits and PROVIDER in hits
        await pilot.press("enter")  # refer to the highlighted service
        await settle(pilot)
        assert isinstance(app.screen, ReferralForm)
        assert f"{SERVICE} · {PROVIDER}" in shown(app.screen.query_one(".dialog-subtitle", Static))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        made = shown(screen.query_one("#linkage-made", DataTable))
        assert SERVICE in made and PROVIDER in made
        assert f"Referred to {SERVICE} for ongoing services." in toasts(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.viewing == "coordination"

        await type_into(pilot, None, "Nobody [Jr] a [/] b")
        assert "No current consent for Nobody [Jr] a [/] b:" in shown(screen.query_one("#consent-status", Static))
        screen.query_one("#recipient", Input).value = CLINIC
        await settle(pilot)
        assert f"Consent on file for {CLINIC}:" in shown(screen.query_one("#consent-status", Static))
        screen.query_one("#information_shared", Input).focus()
        await type_into(pilot, None, SHARED)
        await pilot.press("enter")
        await settle(pilot)
        contacts = shown(screen.query_one("#contacts", DataTable))
        assert CLINIC in contacts and SHARED in contacts
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.viewing == "documentation"

        screen.query_one("#recommendations", TextArea).text = RECOMMENDATIONS
        await pilot.press("f5")  # render
        await settle(pilot)
        rendered = screen.query_one("#summary_text", TextArea).text
        assert RECOMMENDATIONS in rendered and GOAL in rendered
        await pilot.press("f8", "enter")  # make final, confirmed
        await settle(pilot)
        assert screen.viewing == "review"
        await pilot.press("ctrl+b")
        await pilot.pause()
        screen.query_one("#export_folder", Input).value = str(tmp_path / "call [mom] [Jr]")
        (tmp_path / "call [mom] [Jr]").mkdir()
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert str(tmp_path / "call [mom] [Jr]") in shown(screen.query_one("#export-result", Static))
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("ctrl+s", "enter")  # close, confirmed
        await settle(pilot)
        assert screen.closed
        assert f"Reason: Other: {REASON_OTHER}" in shown(screen.query_one("#final-facts", Static))
        final = "\n".join(shown(block) for block in screen.query_one("#final-summary", Markdown).query("*"))
        assert RECOMMENDATIONS in final
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is record and record.record.read_only

        # --- the command palette finds the client; the help; the audit trail
        await pilot.press("escape")
        await settle(pilot)
        assert SORT_NAME in await palette(pilot, "Smith", "Smith")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await palette(pilot, "Audit trail", "Audit trail")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one("#audit-rows", DataTable)
        rows = shown(table)
        assert WORKER in rows
        # the client column is off the right edge at 120 columns: its cells hold the name as typed
        assert any(DISPLAY_NAME in str(cell) for index in range(table.row_count) for cell in table.get_row_at(index))
        screen.query_one("#worker", Select).value = WORKER
        await settle(pilot)
        assert WORKER in shown(screen.query_one("#worker #label", Static))
        assert WORKER in shown(screen.query_one("#audit-rows", DataTable))

        # --- a new intake for the same person: the possible duplicate is named as typed
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await type_into(pilot, None, FIRST)
        await pilot.press("tab")
        await type_into(pilot, None, LAST)
        await pilot.press("ctrl+pagedown")
        await pilot.pause()
        await type_into(pilot, None, BORN)
        for section in range(9):  # on to "Consent & submit", rating housing on the way
            await pilot.press("ctrl+pagedown")
            await pilot.pause()
            if section == 2:
                await pilot.press("3")
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DuplicateDialog)
        assert DISPLAY_NAME in shown(app.screen.query_one("#matches"))
        await pilot.press("escape", "escape")
        await settle(pilot)
    assert app.return_code in (None, 0)
