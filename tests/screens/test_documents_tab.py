"""The agency profile from the palette, and the client's Documents tab: readable kinds and dates,
Enter opening the file in the desktop's viewer, the consent form and referral letter written
from the keyboard (issue 20)."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import sys
import time

from sqlmodel import select
from textual.widgets import DataTable, Input

from casetui import config
from casetui.cli import make_app, make_demo_app
from casetui.data.services import agency, consent, referrals
from casetui.data.storage.models import Case
from casetui.widgets.agency_dialog import AgencyProfileDialog
from casetui.widgets.form_dialog import FormDialog
from tests.conftest import TODAY
from tests.helpers import calm, field_error, palette_first, settle
from tests.screens.test_client import open_client


def case_with_referral(demo_db) -> tuple[int, int, object]:
    with demo_db.transaction() as session:
        for case in session.exec(select(Case).where(Case.closed_on.is_(None)).order_by(Case.id)):
            made = referrals.list_referrals(session, case.id)
            if made:
                return case.id, case.client_id, made[0]
    raise AssertionError("no open demo case with a referral")


def table_rows(screen) -> list[list[str]]:
    table = screen.query_one("#documents-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]


async def wait_for_file(pilot, path, within: float = 60.0) -> None:
    """The viewer is another process: wait for what it wrote (a busy machine starts processes
    slowly), settling the app in between."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return
        await settle(pilot)
        await asyncio.sleep(0.02)  # hands the processor to the viewer process; not a timing
    raise AssertionError(f"{path} was never written")


async def test_the_agency_profile_from_the_palette_is_saved_and_heads_the_documents(demo_path, demo_db):
    case_id, client_id, _referral = case_with_referral(demo_db)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"letterhead")
        await palette_first(pilot, "Agency profile")
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AgencyProfileDialog)
        dialog.query_one("#retention_years", Input).value = "0"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Agency name is required." in field_error(dialog, "name")
        assert "between 1 and 100" in field_error(dialog, "retention_years")
        await pilot.press(*"Riverside Family Services")
        dialog.query_one("#retention_years", Input).value = "9"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)
        screen = await open_client(app, pilot, client_id)
        await pilot.press("7")
        await pilot.press("tab")
        await settle(pilot)
        await pilot.press("c")  # consent form
        await settle(pilot)
        await pilot.press(*"Cedar Family Centre", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        rows = table_rows(screen)
        assert [row[1] for row in rows[:3]] == ["Consent form"] * 3
        assert rows[0][0] == f"{TODAY.day} {TODAY:%b %Y}"  # a readable date
        assert {row[2].rsplit(".", 1)[1] for row in rows[:3]} == {"md", "html", "pdf"}  # names, not paths
    with demo_db.transaction() as session:
        assert agency.profile(session).name == "Riverside Family Services"
        assert agency.profile(session).retention_years == 9
    md = next(config.documents_dir().glob("consent-form-*.md"))
    assert md.read_text().startswith("**Riverside Family Services**")


async def test_enter_opens_the_document_in_the_viewer_and_says_when_there_is_none(
    demo_path, demo_db, tmp_path, monkeypatch
):
    case_id, client_id, referral = case_with_referral(demo_db)
    with demo_db.transaction() as session:
        consent.record_consent(
            session, client_id, recipient=referral.provider_name, scope="referral", signed_on=TODAY, today=TODAY
        )
    seen = tmp_path / "opened.txt"
    viewer = tmp_path / "viewer"
    viewer.write_text(f'#!/bin/sh\necho "$1" > "{seen}"\n')
    viewer.chmod(viewer.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("CASETUI_OPEN_WITH", str(viewer))
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_client(app, pilot, client_id)
        await pilot.press("7", "tab")
        await settle(pilot)
        await pilot.press("l")  # referral letter: the first referral is chosen
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        rows = table_rows(screen)
        assert rows[0][1] == "Referral letter" and rows[0][2].endswith(".pdf")
        await pilot.press("enter")
        await wait_for_file(pilot, seen)
        opened = seen.read_text().strip()
        assert opened.endswith(rows[0][2]) and os.path.isfile(opened)
        # No viewer here: said plainly, nothing breaks.
        monkeypatch.delenv("CASETUI_OPEN_WITH")
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        if sys.platform.startswith("linux"):
            await pilot.press("enter")
            await settle(pilot)
            assert any("No program to open documents" in n.message for n in app._notifications)


async def test_a_letter_without_a_consent_is_refused_in_the_form(demo_path, demo_db):
    _case_id, client_id, referral = case_with_referral(demo_db)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client(app, pilot, client_id)
        await pilot.press("7", "tab")
        await settle(pilot)
        await pilot.press("l", "ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert f"No current consent lets you send information to {referral.provider_name}" in field_error(
            dialog, "referral_id"
        )
    assert not list(config.documents_dir().glob("referral-letter-*"))


def test_the_demo_keeps_its_documents_in_its_throwaway_folder():
    before = config.documents_dir()
    try:
        app = make_demo_app(TODAY)
        folder = config.documents_dir()
        assert folder != before and folder.parent.name.startswith("casetui-demo-")
        assert app.demo
    finally:
        config.use_documents_dir(None)
        shutil.rmtree(folder.parent, ignore_errors=True)
    assert config.documents_dir() == before


# --- snapshots ----------------------------------------------------------------------------


def _documents_tab_app(demo_path):
    """The first client's Documents tab after a consent form was written from it (c)."""

    async def run_before(pilot):
        pilot.app.animation_level = "none"  # the tab's underline slides: a snapshot must not catch it moving
        await settle(pilot)
        await pilot.press("enter", "7", "tab")
        await settle(pilot)
        await pilot.press("c", *"Cedar Family Centre", "ctrl+s")
        await settle(pilot)
        pilot.app.clear_notifications()
        calm(pilot.app)
        await settle(pilot)
        await pilot.pause()

    return make_app(str(demo_path), today=TODAY), run_before


def test_snapshot_documents_tab_120x40(snap_compare, demo_path):
    app, run_before = _documents_tab_app(demo_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_snapshot_documents_tab_80x24(snap_compare, demo_path):
    app, run_before = _documents_tab_app(demo_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_agency_profile_120x40(snap_compare, demo_path):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.action_agency_profile()
        await settle(pilot)
        calm(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(str(demo_path), today=TODAY), terminal_size=(120, 40), run_before=run_before)
