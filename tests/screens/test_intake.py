"""The intake screen driven by keys on the demo caseload: submit, errors, drafts, duplicates,
reassessment, and snapshots of the form."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import func
from sqlmodel import select as sql_select
from textual.widgets import DataTable, Input, OptionList, Static, TextArea

from casetui import config
from casetui.cli import make_app
from casetui.data.services import assessments, cases
from casetui.data.storage.models import Case, Client, IntakeDraft
from casetui.screens.intake import IntakeScreen
from casetui.screens.intake import screen as intake_screen
from casetui.widgets.choice_picker import ChoicePicker
from casetui.widgets.dialogs import ConfirmDialog
from casetui.widgets.duplicate_dialog import DuplicateDialog
from tests.conftest import TODAY
from tests.helpers import calm, field_error, screen_ready, settle, type_into, wait_until

ROOT = Path(__file__).resolve().parents[2]


async def gone(app, pilot, screen) -> None:
    """Wait until a screen that was left has unmounted: its draft is written as it goes."""
    for _ in range(200):
        if not screen.is_attached:
            break
        await pilot.pause()
    assert not screen.is_attached
    await settle(pilot)


async def open_intake(app, pilot, case_id: int | None = None) -> IntakeScreen:
    await settle(pilot)
    app.open_intake(case_id)
    await settle(pilot)  # the case and any draft are read before the form opens
    await pilot.pause()
    return next((screen for screen in reversed(app.screen_stack) if isinstance(screen, IntakeScreen)), None)


async def next_section(pilot, times: int = 1) -> None:
    for _ in range(times):
        await pilot.press("ctrl+pagedown")
        await pilot.pause()


def count(app, model) -> int:
    with app.database.transaction() as session:
        return session.exec(sql_select(func.count()).select_from(model)).one()


@pytest.mark.slow  # over 10 s: every section, key by key
async def test_a_new_client_intake_filled_by_keys_is_saved(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    opened: list[int] = []
    app.open_client = opened.append  # where submit leads; the client screen is another workflow
    clients_before = count(app, Client)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        assert isinstance(screen, IntakeScreen) and app.focused.id == "first_name"
        await type_into(pilot, None, "Wendeline")
        await pilot.press("tab")
        await type_into(pilot, None, "Fictorova")
        await next_section(pilot)  # demographics
        assert screen.current_section == "demographics" and app.focused.id == "date_of_birth"
        await type_into(pilot, None, "1988-04-02")
        await next_section(pilot)  # referral: the date is filled in with today
        assert app.focused.id == "assessed_on"
        await pilot.press("tab", "tab")
        await type_into(pilot, None, "Shelter staff")
        await next_section(pilot)  # the client's own words
        assert isinstance(app.focused, TextArea)
        await type_into(pilot, None, "I want a place for my kids")
        await next_section(pilot)  # needs: one key rates a domain (the cursor stays), tab to its note
        assert app.focused.id == "need_housing_score"
        await pilot.press("1")
        assert app.focused.id == "need_housing_score"
        await pilot.press("tab")
        assert app.focused.id == "need_housing_note"
        await type_into(pilot, None, "Eviction notice")
        await pilot.press("tab", "space", "tab", "3")  # wants a goal; food rated 3
        await next_section(pilot, 4)  # strengths, history, environment, PHQ-9
        assert screen.current_section == "phq9"
        await pilot.press("1", "1", "0", "2", "1", "0", "1", "1", "0", "2")  # nine items, then difficulty
        assert "PHQ-9 total 7 of 27: mild" in str(screen.query_one("#page-phq9 .instrument-total").render())
        await next_section(pilot, 2)  # GAD-7 not given; consent
        assert app.focused.id == "consent_to_services"
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen)
    with app.database.transaction() as session:
        client = session.exec(sql_select(Client).where(Client.last_name == "Fictorova")).one()
        case = cases.current_case(session, client.id)
        assessment = assessments.latest_assessment(session, case.id)
        needs = assessments.needs_of(session, assessment.id)
        phq = assessments.scores_of(session, assessment.id)["PHQ-9"]
        assert str(client.date_of_birth) == "1988-04-02" and case.stage == "assessment"
        assert (assessment.kind, assessment.referral_source, assessment.client_words) == (
            "intake",
            "Shelter staff",
            "I want a place for my kids",
        )
        assert (needs["housing"].score, needs["housing"].note, needs["housing"].wants_goal) == (
            1,
            "Eviction notice",
            True,
        )
        assert (needs["food"].score, needs["food"].wants_goal) == (3, False)
        assert (phq.answers, phq.total, phq.severity, phq.difficulty) == (
            [1, 1, 0, 2, 1, 0, 1, 1, 0],
            7,
            "Mild",
            "Very difficult",
        )
        assert session.exec(sql_select(IntakeDraft)).all() == []
    assert count(app, Client) == clients_before + 1 and opened == [client.id]
    summary = config.documents_dir() / f"intake-summary-case{case.id}-{TODAY:%Y-%m-%d}.md"
    assert "Intake summary: Wendeline Fictorova" in summary.read_text()


async def test_errors_show_beside_their_fields_and_nothing_typed_is_lost(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        await pilot.press("tab")
        await type_into(pilot, None, "Fictorova")
        await next_section(pilot)
        await type_into(pilot, None, "31/31/1990")
        await next_section(pilot, 3)
        assert screen.current_section == "needs"
        await pilot.press(*["tab"] * 5, "space")  # food: wants a goal, but no score
        await pilot.press("ctrl+s")
        await settle(pilot)
        # The first failing section is shown, its field focused; every failing section is marked.
        assert screen.current_section == "identity" and app.focused.id == "first_name"
        assert field_error(screen, "first_name") == "First name is required."
        assert "is not a date" in field_error(screen, "date_of_birth")
        assert "before marking it for a goal" in field_error(screen, "need_food_score")
        assert "consent" in field_error(screen, "consent_to_services")
        prompts = [str(o.prompt) for o in screen.query_one("#sections", OptionList).options]
        assert [p for p in prompts if p.startswith("✗")] == [
            "✗ Identity & contact",
            "✗ Demographics",
            "✗ Needs by domain",
            "✗ Consent & submit",
        ]
        assert screen.query_one("#last_name", Input).value == "Fictorova"
        assert screen.query_one("#date_of_birth", Input).value == "31/31/1990"
        with app.database.transaction() as session:
            assert session.exec(sql_select(Client).where(Client.last_name == "Fictorova")).all() == []


async def test_the_draft_is_saved_as_you_type_and_resumed_after_the_app_is_dropped(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_intake(app, pilot)
        await type_into(pilot, None, "Wendeline")
        await next_section(pilot)
        await type_into(pilot, None, "1988-04-02")
        await settle(pilot)  # the autosave fires
        with app.database.transaction() as session:
            draft = assessments.load_draft(session, None)
            assert draft.data["first_name"] == "Wendeline" and draft.data["section"] == "demographics"
        # The app goes away mid-intake: nothing submitted.
    again = make_app(str(demo_path), today=TODAY)
    async with again.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(again, pilot)
        assert isinstance(again.screen, ConfirmDialog)
        await pilot.press("enter")  # Resume
        await pilot.pause()
        assert again.screen is screen and screen.current_section == "demographics"
        assert screen.query_one("#first_name", Input).value == "Wendeline"
        assert screen.query_one("#date_of_birth", Input).value == "1988-04-02"


# The app in a child process, so it can be SIGKILLed with a draft saved: it types, lets the
# autosave fire (settle fires it at once), says so, and waits for the kill (or for the test's
# end of its stdin, so an abandoned child never outlives the test).
KILLED_APP = """
import asyncio, sys
from datetime import date
from casetui.cli import make_app
from tests.helpers import settle

async def main():
    app = make_app(sys.argv[1], today=date(2026, 1, 15))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_intake()
        await pilot.pause()
        await app.workers.wait_for_complete()  # the draft looked for
        await pilot.pause()
        await pilot.press(*"Ottoline", "tab", *"Draftly")
        await settle(pilot)
        print("typed", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


async def test_a_draft_survives_the_app_being_killed(demo_path):
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_APP, str(demo_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready and process.stdout.readline().strip() == b"typed"
    finally:
        os.kill(process.pid, signal.SIGKILL)  # no clean-up of any kind runs
        process.wait()
        process.stdin.close()
        process.stdout.close()
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one("#first_name", Input).value == "Ottoline"
        assert screen.query_one("#last_name", Input).value == "Draftly"


@pytest.mark.slow  # over 10 s: two intakes and the client record
async def test_a_likely_duplicate_is_shown_and_can_be_opened_instead(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    opened: list[int] = []
    app.open_client = opened.append
    with app.database.transaction() as session:
        existing = session.exec(sql_select(Client).where(Client.date_of_birth.is_not(None)).order_by(Client.id)).first()
    clients_before = count(app, Client)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        await type_into(pilot, None, existing.first_name[:-1])  # a similar name, the same birth date
        await pilot.press("tab")
        await type_into(pilot, None, existing.last_name)
        await next_section(pilot)
        await type_into(pilot, None, f"{existing.date_of_birth:%Y-%m-%d}")
        await next_section(pilot, 3)
        await pilot.press("3")  # housing
        await next_section(pilot, 6)
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DuplicateDialog)
        assert [m.client_id for m in dialog.matches][0] == existing.id
        assert existing.last_name in str(dialog.query_one("#matches", OptionList).get_option_at_index(0).prompt)
        await pilot.press("enter")  # open the existing record instead
        await gone(app, pilot, screen)
        assert opened == [existing.id] and not isinstance(app.screen, IntakeScreen)
        assert count(app, Client) == clients_before
        # The draft was kept: reopening offers it, and this time a new client is made anyway.
        screen = await open_intake(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one("#last_name", Input).value == existing.last_name
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DuplicateDialog)
        await pilot.press("f4")  # create the new client anyway
        await settle(pilot)
    assert count(app, Client) == clients_before + 1 and len(opened) == 2 and opened[1] != existing.id


def case_with_an_assessment(app) -> tuple[int, dict[str, int]]:
    with app.database.transaction() as session:
        for case, _client in cases.open_cases(session):
            previous = assessments.previous_scores(session, case.id)
            if len([d for d, s in previous.items() if 2 <= s <= 4]) >= 3:
                return case.id, previous
    raise AssertionError("the demo has no assessed case with three mid-scale domains")


async def test_a_reassessment_shows_each_domain_beside_the_last_one(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    case_id, previous = case_with_an_assessment(app)
    better, same, worse = [d for d, s in previous.items() if 2 <= s <= 4][:3]
    with app.database.transaction() as session:
        first = assessments.latest_assessment(session, case_id)
        source, reason = first.referral_source, first.referral_reason
    assert source  # the demo's intakes record who referred
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot, case_id)
        assert screen.current_section == "referral" and "Reassessment" in screen.sub_title
        # The referral is the case's: shown as recorded, not asked again.
        assert not screen.query("#referral_source") and not screen.query("#referral_reason")
        shown = [str(w.render()) for w in screen.query(".known-value")]
        assert shown == [f"Source: {source}", f"Reason: {reason or 'not recorded'}"]
        assert screen.focused.id == "assessed_on"
        await next_section(pilot, 2)
        assert screen.current_section == "needs"
        for domain, score in ((better, previous[better] + 1), (same, previous[same]), (worse, previous[worse] - 1)):
            screen.query_one(f"#need_{domain}_score", ChoicePicker).focus()
            await pilot.press(str(score))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.current_section == "result"
        table = screen.query_one("#comparison", DataTable)
        changes = {row.key.value: str(table.get_row(row.key)[3]) for row in table.ordered_rows}
        assert (changes[better], changes[same], changes[worse]) == ("Improved", "Same", "Worse")
        await pilot.press("enter")  # the cursor is on the comparison: Enter is Done
        await gone(app, pilot, screen)
        assert not isinstance(app.screen, IntakeScreen)
    with app.database.transaction() as session:
        case = session.get(Case, case_id)
        assert case.stage == "reassessment"
        latest = assessments.latest_assessment(session, case_id)
        assert latest.kind == "reassessment"
        assert (latest.referral_source, latest.referral_reason) == (source, reason)  # kept, not blanked


async def test_a_closed_case_cannot_be_assessed(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    with app.database.transaction() as session:
        closed = session.exec(sql_select(Case).where(Case.closed_on.is_not(None))).first()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_intake(app, pilot, closed.id)
        assert not isinstance(app.screen, IntakeScreen)


async def _calm(pilot) -> None:
    """Let the draft autosave run (its status line would otherwise depend on timing); no cursor blink."""
    await settle(pilot)
    calm(pilot.app)


def test_snapshot_identity_80x24(snap_compare, demo_path):
    async def run_before(pilot):
        await open_intake(pilot.app, pilot)
        await type_into(pilot, None, "Wendeline")
        await _calm(pilot)
        await pilot.pause()

    assert snap_compare(make_app(str(demo_path), today=TODAY), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_needs_120x40(snap_compare, demo_path):
    async def run_before(pilot):
        await open_intake(pilot.app, pilot)
        await next_section(pilot, 4)
        await pilot.press("2")
        await type_into(pilot, None, "Behind on rent")
        await pilot.press("tab", "space", "tab", "4")
        await _calm(pilot)
        await pilot.pause()

    assert snap_compare(make_app(str(demo_path), today=TODAY), terminal_size=(120, 40), run_before=run_before)


def test_snapshot_phq9_80x24(snap_compare, demo_path):
    async def run_before(pilot):
        await open_intake(pilot.app, pilot)
        await next_section(pilot, 8)
        await pilot.press("1", "2")
        await _calm(pilot)
        await pilot.pause()

    assert snap_compare(make_app(str(demo_path), today=TODAY), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_phq9_light_120x40(snap_compare, demo_path):
    async def run_before(pilot):
        pilot.app.theme = "textual-light"
        await open_intake(pilot.app, pilot)
        await next_section(pilot, 8)
        await pilot.press("1", "2", "0", "3")
        await _calm(pilot)
        await pilot.pause()

    assert snap_compare(make_app(str(demo_path), today=TODAY), terminal_size=(120, 40), run_before=run_before)


def test_snapshot_reassessment_result_120x40(snap_compare, demo_path):
    app = make_app(str(demo_path), today=TODAY)
    case_id, previous = case_with_an_assessment(app)

    async def run_before(pilot):
        await open_intake(pilot.app, pilot, case_id)
        await next_section(pilot, 2)
        screen = pilot.app.screen
        for number, (domain, score) in enumerate(sorted(previous.items())[:4]):
            screen.query_one(f"#need_{domain}_score", ChoicePicker).focus()
            await pilot.press(str(max(1, min(5, score + number - 1))))
        await pilot.press("ctrl+s")
        await settle(pilot)
        # The saved file's path differs on every run.
        screen.query_one("#result-document", Static).update("")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


@pytest.mark.slow  # over 10 s: three intakes, every section opened
async def test_browsing_makes_no_draft_and_starting_over_keeps_the_old_one_until_typing(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        await next_section(pilot, 10)  # every section opened, nothing typed
        await settle(pilot)  # the autosave fires
        await pilot.press("escape")
        await gone(app, pilot, screen)
        assert count(app, IntakeDraft) == 0
        with app.database.transaction() as session:
            assessments.save_draft(session, None, {"first_name": "Ottoline", "section": "identity"})
        screen = await open_intake(app, pilot)
        await pilot.press("escape")  # the resume dialog: start over
        await pilot.pause()
        assert app.screen is screen and screen.query_one("#first_name", Input).value == ""
        await next_section(pilot, 2)
        await settle(pilot)  # the autosave fires
        await pilot.press("escape")
        await gone(app, pilot, screen)
        with app.database.transaction() as session:
            assert assessments.load_draft(session, None).data["first_name"] == "Ottoline"
        screen = await open_intake(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        await type_into(pilot, None, "Wen")
        await settle(pilot)  # the autosave fires
        with app.database.transaction() as session:
            assert assessments.load_draft(session, None).data["first_name"] == "Wen"


async def test_quitting_the_app_mid_intake_saves_the_draft_at_once(demo_path, monkeypatch):
    from casetui.screens.intake import screen as intake

    monkeypatch.setattr(intake, "AUTOSAVE_DELAY", 600)  # only leaving can save it now
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_intake(app, pilot)
        await type_into(pilot, None, "Wendeline")
        await next_section(pilot, 4)
        assert isinstance(app.focused, ChoicePicker)
        await pilot.press("2", "shift+tab", "q")  # rated (focus moved on), back to the rating
        await pilot.pause()
        assert app.is_running, "a stray q on a form must not close the app"
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
    with app.database.transaction() as session:
        draft = assessments.load_draft(session, None)
        assert draft.data["first_name"] == "Wendeline" and draft.data["need_housing_score"] == 2


async def test_names_that_look_like_markup_are_shown_as_typed(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    with app.database.transaction() as session:
        from casetui.data.services import clients

        clients.create_client(
            session, {"first_name": "Ada [b]", "last_name": "Sample[/i]ton", "date_of_birth": "1990-02-03"}, TODAY
        )
    async with app.run_test(size=(120, 40)) as pilot:
        await open_intake(app, pilot)
        await type_into(pilot, None, "Ada [b]")
        await pilot.press("tab")
        await type_into(pilot, None, "Sample[/i]ton")
        await next_section(pilot)
        await type_into(pilot, None, "1990-02-03")
        await next_section(pilot, 3)
        await pilot.press("3")
        await next_section(pilot, 6)
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DuplicateDialog)
        shown = dialog.query_one("#matches", OptionList)
        assert "Ada [b] Sample[/i]ton" in str(shown.render_line(0).text)


async def test_the_summary_goes_to_the_file_the_user_names(demo_path, tmp_path):
    app = make_app(str(demo_path), today=TODAY)
    case_id, previous = case_with_an_assessment(app)
    target = tmp_path / "for the file" / "summary.html"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot, case_id)
        await next_section(pilot, 2)
        await pilot.press(str(next(iter(previous.values()))))
        await next_section(pilot, 6)
        assert screen.current_section == "consent"
        screen.query_one("#summary_path", Input).focus()
        await type_into(pilot, None, str(target))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.current_section == "result"
        assert str(target) in str(screen.query_one("#result-document", Static).render())
    assert target.read_text().startswith("<!DOCTYPE html>") and target.stat().st_mode & 0o777 == 0o600
    with app.database.transaction() as session:
        from casetui.data.services import documents as case_documents

        assert [d.path for d in case_documents.list_documents(session, case_id)][0] == str(target)


def post_keys(app, keys: list[str], to=None) -> None:
    """Keys as the terminal sends them, queued at once (no wait for the app between them): to the
    app, or as the app hands them to a screen that has nothing focused (``to``)."""
    from textual import events

    for key in keys:
        event = events.Key(key, key if len(key) == 1 else ("\t" if key == "tab" else None))
        event.set_sender(app)
        (to or app).post_message(event)


async def test_the_resume_question_shows_with_the_screen_and_keys_typed_before_it_are_kept(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        with app.database.transaction() as session:
            assessments.save_draft(session, None, {"first_name": "Ottoline", "section": "identity"})
        app.open_intake()
        await wait_until(pilot, lambda: any(isinstance(s, IntakeScreen) for s in app.screen_stack), "the intake")
        # The question is up as soon as the screen has mounted: no read of the draft comes between.
        screen = next(s for s in app.screen_stack if isinstance(s, IntakeScreen))
        await screen_ready(pilot)
        assert isinstance(app.screen, ConfirmDialog) and app.screen_stack[-2] is screen
        await pilot.press("escape")  # start over
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#first_name", Input).value == ""

        # Keys typed while the next intake is still opening (before the question is up) are not
        # lost in it: they wait, and are typed into the form once the question is answered.
        await pilot.press("escape")
        await gone(app, pilot, screen)
        with app.database.transaction() as session:
            loaded = intake_screen.read_start(session, None)
        assert loaded[1].data["first_name"] == "Ottoline"
        screen = IntakeScreen(loaded=loaded)
        app.push_screen(screen)
        # Typed before the question is up: the app hands them to the screen (nothing focused yet).
        post_keys(app, ["W", "e", "n", "tab", "D", "o", "e"], to=screen)  # "n" would be the question's "no"
        await screen_ready(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # start over
        await settle(pilot)
        assert screen.query_one("#first_name", Input).value == "Wen"
        assert screen.query_one("#last_name", Input).value == "Doe"
        assert screen.focused.id == "last_name"

        # Typed while the question is up (not seen yet): kept for the form, and "n" is not "no".
        await pilot.press("escape")
        await gone(app, pilot, screen)
        with app.database.transaction() as session:
            assessments.save_draft(session, None, {"first_name": "Ottoline", "section": "identity"})
            loaded = intake_screen.read_start(session, None)
        screen = IntakeScreen(loaded=loaded)
        app.push_screen(screen)
        await screen_ready(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("N", "y", "a", " ", "n")
        assert isinstance(app.screen, ConfirmDialog)  # neither y nor n answered it
        await pilot.press("escape")  # start over
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#first_name", Input).value == "Nya n"


async def test_keys_typed_while_a_new_intake_opens_land_in_its_first_fields(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = IntakeScreen()  # reads the case and the draft itself, in a worker
        app.push_screen(screen)
        post_keys(app, ["J", "o", "tab", "R", "i", "v"], to=screen)
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one("#first_name", Input).value == "Jo"
        assert screen.query_one("#last_name", Input).value == "Riv"


async def test_digits_rate_without_moving_the_cursor_into_a_note_and_the_screen_says_what_they_do(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_intake(app, pilot)
        await screen.focus_section("needs")
        await settle(pilot)
        assert "Type the number on a domain to rate it" in str(screen.query_one("#page-needs .intro").render())
        housing = screen.query_one("#need_housing_score", ChoicePicker)
        assert "type 1-5 to rate" in str(screen.query_one("#field-need_housing_score Label").render())
        housing.focus()
        await pilot.press("3")
        assert housing.value == 3 and screen.focused is housing  # the cursor stays on the rating
        await pilot.press("4")  # a second digit changes the rating, not the note
        assert housing.value == 4 and screen.query_one("#need_housing_note", Input).value == ""
        await pilot.press("tab", "2")  # tab goes to the note, where a digit is text
        assert screen.query_one("#need_housing_note", Input).value == "2" and housing.value == 4

        await screen.focus_section("phq9")
        await settle(pilot)
        assert "the cursor then moves to the next one" in str(screen.query_one("#page-phq9 .instrument-keys").render())
        screen.query_one("#phq9_1", ChoicePicker).focus()
        await pilot.press(*"210321032")  # one key per question
        assert [screen.query_one(f"#phq9_{n}", ChoicePicker).value for n in range(1, 10)] == [2, 1, 0, 3, 2, 1, 0, 3, 2]
        difficulty = screen.query_one("#phq9_difficulty", ChoicePicker)
        assert screen.focused is difficulty
        await pilot.press("1")
        assert difficulty.value == "Somewhat difficult" and screen.focused is difficulty  # the last: it stays
