"""The resource directory screen: search to referral, eligibility, suggestions, edits, the provider list."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from textual.widgets import Input, OptionList, Static

from casetui.cli import make_app
from casetui.data.directory import resources
from casetui.data.services import cases, referrals
from casetui.data.storage.database import open_database
from casetui.data.storage.models import Consent, Document, Referral, Service
from casetui.screens.resources import ResourcesScreen
from casetui.widgets.provider_list_dialog import ProviderListDialog
from casetui.widgets.referral_form import ReferralForm
from casetui.widgets.service_form import ServiceEditForm
from tests.conftest import TODAY
from tests.helpers import calm, field_error, settle


def case_with_needs(path) -> int:
    """An open demo case whose client has an assessment with open needs (Fenn Demoulin's)."""
    database = open_database(str(path), worker="test")
    try:
        with database.transaction() as session:
            for case, client in cases.open_cases(session):
                if client.first_name == "Fenn":
                    assert resources.client_profile(session, case.id, TODAY).needs
                    return case.id
    finally:
        database.dispose()
    raise AssertionError("the demo has no client named Fenn")


def result_names(screen) -> list[str]:
    results = screen.query_one("#results", OptionList)
    return [screen.hits[option.id].name for option in results.options]


async def test_search_to_referral_from_the_keyboard(demo_path):
    case_id = case_with_needs(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_resources(case_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResourcesScreen) and isinstance(app.focused, Input)
        await pilot.press(*"food pan")  # prefixes of two words
        await settle(pilot)
        names = result_names(screen)
        assert names and all("Food Pantry" in name for name in names)
        assert "found, best first" in str(screen.query_one("#status", Static).render())
        await pilot.press("down", "down")  # into the results, then the second one
        chosen = screen.query_one("#results", OptionList).highlighted_option.id
        assert screen.detail.service.id == chosen  # the detail panel follows the highlight
        await pilot.press("r")
        form = app.screen
        assert isinstance(form, ReferralForm) and form.query_one("#referred_on", Input).value == "2026-01-15"
        # A follow-up before the referral date is refused beside the field; nothing is lost.
        await pilot.press(*["backspace"] * 10, *"2026-01-01", "tab", "tab", *"Bring ID", "ctrl+s")
        await settle(pilot)  # the save runs in a worker
        assert app.screen is form
        assert "before the referral date" in field_error(form, "follow_up_on")
        assert form.query_one("#note", Input).value == "Bring ID"
        form.query_one("#follow_up_on", Input).focus()
        await pilot.press(*["backspace"] * 10, *"2026-01-29", "enter")
        await settle(pilot)
        # No consent on file covers this provider: refused beside the consent's date (issue 19),
        # then the consent the client signs now is recorded with the referral.
        assert app.screen is form
        assert "No current consent lets you share information with" in field_error(form, "consent_signed_on")
        form.query_one("#consent_signed_on", Input).focus()
        await pilot.press(*"2026-01-15", "enter")
        await settle(pilot)
        assert app.screen is screen
    database = open_database(str(demo_path), worker="test")
    with database.transaction() as session:
        referral = session.exec(
            select(Referral).where(Referral.case_id == case_id, Referral.service_id == chosen)
        ).one()
        service = session.get(Service, chosen)
        assert (referral.service_name, referral.status, referral.note) == (service.name, "sent", "Bring ID")
        assert referral.follow_up_on == TODAY + timedelta(days=14) and referrals.is_open(referral)
        assert referral.domain == "food"
        signed = session.get(Consent, referral.consent_id)
        assert (signed.signed_on, signed.scope) == (TODAY, "referral")
    database.dispose()


async def test_client_view_starts_on_suggestions_with_eligibility_reasons(demo_path):
    case_id = case_with_needs(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_resources(case_id)
        await settle(pilot)
        screen = app.screen
        assert screen.suggested
        assert str(screen.query_one("#status", Static).render()).startswith("Suggested for Fenn Demoulin")
        hits = list(screen.hits.values())
        assert hits and all(hit.eligibility is not None for hit in hits)
        prompt = str(screen.query_one("#results", OptionList).options[0].prompt)
        assert hits[0].name in prompt and ("eligible" in prompt)
        # Typing leaves the suggestions for a search; s brings them back.
        await pilot.press(*"clinic")
        await settle(pilot)
        assert not screen.suggested and all("Clinic" in name for name in result_names(screen))
        await pilot.press("down", "s")
        await settle(pilot)
        assert screen.suggested and screen.query_one("#query", Input).value == ""
        # So does a filter: the list is then the filtered directory, eligibility still shown.
        screen.query_one("#f-category").value = "legal"
        await settle(pilot)
        assert not screen.suggested and screen.hits
        assert all("legal" in hit.categories for hit in screen.hits.values())
        assert all(str(option.prompt)[0] in "✓✗?" for option in screen.query_one("#results", OptionList).options)


async def test_filters_browse_and_narrow(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_resources()
        await settle(pilot)
        screen = app.screen
        assert not screen.suggested and screen.check_action("toggle_suggested", ()) is False
        assert not screen.hits and "Type what the client needs" in str(screen.query_one("#status", Static).render())
        screen.query_one("#f-category").value = "legal"
        await settle(pilot)
        legal = dict(screen.hits)
        database = open_database(str(demo_path), worker="test")
        with database.transaction() as session:
            assert legal and all("legal" in session.get(Service, service_id).categories for service_id in legal)
        database.dispose()
        screen.query_one("#f-place", Input).value = "millbrook"
        await settle(pilot)
        assert 0 < len(screen.hits) < len(legal)
        assert all(hit.city == "Millbrook" for hit in screen.hits.values())
        screen.query_one("#f-age", Input).value = "16"
        await settle(pilot)
        database = open_database(str(demo_path), worker="test")
        with database.transaction() as session:
            services = [session.get(Service, service_id) for service_id in screen.hits]
        database.dispose()
        assert services and all((s.minimum_age or 0) <= 16 <= (s.maximum_age or 120) for s in services)
        screen.query_one("#f-age", Input).value = "130"
        await settle(pilot)
        assert screen.query_one("#f-age", Input).has_class("-invalid")
        assert "Age must be between 0 and 120." in str(screen.query_one("#status", Static).render())
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not screen.hits


def count_rows(path, model) -> int:
    database = open_database(str(path), worker="test")
    with database.transaction() as session:
        found = len(session.exec(select(model)).all())
    database.dispose()
    return found


async def test_without_a_client_r_explains_and_nothing_is_written(demo_path):
    before = count_rows(demo_path, Referral), count_rows(demo_path, Document)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.open_resources()
        await settle(pilot)
        await pilot.press(*"legal")
        await settle(pilot)
        await pilot.press("down", "r", "p")
        await pilot.pause()
        assert isinstance(app.screen, ResourcesScreen)
        messages = [n.message for n in app._notifications]
        assert any("A referral is made for a client" in m for m in messages)
        assert any("provider list is made for a client" in m for m in messages)
    assert (count_rows(demo_path, Referral), count_rows(demo_path, Document)) == before


async def test_edit_verify_and_provider_list(demo_path, isolated_home):
    case_id = case_with_needs(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_resources(case_id)
        await settle(pilot)
        screen = app.screen
        await pilot.press("down")
        service_id = screen.current().id
        # e: the edit form refuses a bad age range beside the field, then saves.
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ServiceEditForm)
        form.query_one("#minimum_age", Input).value = "30"
        form.query_one("#maximum_age", Input).value = "20"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "at least the minimum" in field_error(form, "maximum_age")
        form.query_one("#maximum_age", Input).value = ""
        form.query_one("#fees_description", Input).value = "Free for everyone"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        # v: verified today, so the entry is no longer marked.
        await pilot.press("v")
        await settle(pilot)
        assert screen.hits[service_id].stale is False
        # a then p: the picked service goes on the saved provider list.
        await pilot.press("a")
        assert service_id in screen.picked
        await pilot.press("p")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ProviderListDialog)
        target = isolated_home / "lists" / "for-family.html"
        dialog.query_one("#path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
    text = target.read_text()
    assert "Free for everyone" in text and text.startswith("<!DOCTYPE html>")
    database = open_database(str(demo_path), worker="test")
    with database.transaction() as session:
        service = session.get(Service, service_id)
        assert (service.minimum_age, service.fees_description, service.last_verified_on) == (
            30,
            "Free for everyone",
            TODAY,
        )
        document = session.exec(select(Document).where(Document.case_id == case_id)).one()
        assert document.kind == "provider_list" and document.path == str(target)
    database.dispose()


def _snapshot_app(demo_path):
    case_id = case_with_needs(demo_path)
    app = make_app(str(demo_path), today=TODAY)

    async def run_before(pilot):
        pilot.app.open_resources(case_id)
        await settle(pilot)
        calm(pilot.app)
        await pilot.press("down")
        await settle(pilot)

    return app, run_before


def test_search_screen_snapshot_80x24(snap_compare, demo_path):
    app, run_before = _snapshot_app(demo_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_search_screen_snapshot_120x40(snap_compare, demo_path):
    app, run_before = _snapshot_app(demo_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


async def test_narrow_terminal_shows_details_in_place_of_the_list(demo_path):
    case_id = case_with_needs(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_resources(case_id)
        await settle(pilot)
        screen = app.screen
        results, detail = screen.query_one("#results", OptionList), screen.query_one("#detail")
        assert results.display and not detail.display
        await pilot.press("down", "enter")
        await settle(pilot)
        assert detail.display and not results.display and app.focused is detail
        await pilot.press("escape")
        assert results.display and not detail.display and app.focused is results
        await pilot.press("escape")
        assert not isinstance(app.screen, ResourcesScreen)
