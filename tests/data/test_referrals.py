"""Referrals on real database files: validation, copied names, the open/closed loop, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from casetui.data.domain.errors import CaseClosedError, ValidationError
from casetui.data.services import cases, clients, consent, referrals
from casetui.data.storage.models import AuditEvent, Organization, Referral, Service


def new_case(session, today, *, consent_for_any_provider: bool = True):
    """A client with an open case (and, unless told, a release covering referrals to any provider)."""
    client = clients.create_client(session, {"first_name": "Ada", "last_name": "Sampleton"}, today)
    case = cases.open_case(session, client.id, today)
    if consent_for_any_provider:
        consent.record_consent(
            session, client.id, recipient="", scope="referral", signed_on=today, today=today, any_provider=True
        )
    return case


@pytest.fixture
def service(session):
    session.add(Organization(id="org-1", name="Lantern Outreach"))
    session.flush()
    service = Service(id="svc-1", organization_id="org-1", name="Community Food Pantry", categories=["food"])
    session.add(service)
    session.commit()
    return service


def test_referral_copies_names_from_the_directory_and_starts_open(session, today, service):
    case = new_case(session, today)
    referral = referrals.create_referral(
        session,
        case.id,
        service_id="svc-1",
        referred_on=today,
        follow_up_on=today + timedelta(days=7),
        today=today,
        note="Bring ID",
    )
    assert (referral.provider_name, referral.service_name) == ("Lantern Outreach", "Community Food Pantry")
    assert referral.domain == "food"  # from the service's category when none is given
    assert referral.status == "sent" and referrals.is_open(referral)
    assert referral.worker == "test-worker"
    # The names stay when the directory entry changes later.
    service.name = "Renamed Pantry"
    session.add(service)
    session.commit()
    session.expire_all()
    assert referrals.list_referrals(session, case.id)[0].service_name == "Community Food Pantry"


def test_referral_without_a_directory_entry_needs_a_provider(session, today):
    case = new_case(session, today)
    with pytest.raises(ValidationError) as info:
        referrals.create_referral(session, case.id, service_id=None, referred_on=today, follow_up_on=None, today=today)
    assert info.value.errors == {"provider_name": "Provider is required."}
    referral = referrals.create_referral(
        session,
        case.id,
        service_id=None,
        referred_on=today,
        follow_up_on=None,
        today=today,
        provider_name="Dr. Placeholm's practice",
        domain="physical_health",
    )
    assert referral.service_name == "Dr. Placeholm's practice"


def test_referral_dates_and_domain_are_checked_together(session, today, service):
    case = new_case(session, today)
    with pytest.raises(ValidationError) as info:
        referrals.create_referral(
            session,
            case.id,
            service_id="svc-1",
            referred_on=today + timedelta(days=1),
            follow_up_on="someday",
            today=today,
            domain="astrology",
        )
    errors = info.value.errors
    assert errors["referred_on"] == "Referral date cannot be in the future."
    assert "not a date" in errors["follow_up_on"]
    assert "Need must be one of" in errors["domain"]
    with pytest.raises(ValidationError, match="before the referral date"):
        referrals.create_referral(
            session, case.id, service_id="svc-1", referred_on=today, follow_up_on=today - timedelta(days=1), today=today
        )
    with pytest.raises(ValidationError, match="no longer in the directory"):
        referrals.create_referral(
            session, case.id, service_id="gone", referred_on=today, follow_up_on=None, today=today
        )
    assert session.exec(select(Referral)).all() == []


def test_the_loop_closes_only_on_a_closing_outcome(session, today, service):
    case = new_case(session, today)
    referral = referrals.create_referral(
        session, case.id, service_id="svc-1", referred_on=today - timedelta(days=10), follow_up_on=today, today=today
    )
    referrals.record_outcome(session, referral.id, status="accepted", outcome_on=today - timedelta(days=5), today=today)
    assert referrals.is_open(referral)
    assert [r.id for r in referrals.open_follow_ups(session, case.id)] == [referral.id]
    referrals.record_outcome(session, referral.id, status="service_received", outcome_on=today, today=today)
    assert not referrals.is_open(referral)
    assert referrals.open_follow_ups(session, case.id) == []


def test_a_failed_outcome_needs_a_reason(session, today, service):
    case = new_case(session, today)
    referral = referrals.create_referral(
        session, case.id, service_id="svc-1", referred_on=today, follow_up_on=None, today=today
    )
    for status in ("client_declined", "provider_declined", "no_show"):
        with pytest.raises(ValidationError) as info:
            referrals.record_outcome(session, referral.id, status=status, outcome_on=today, reason="  ", today=today)
        assert "reason is required" in info.value.errors["reason"]
    with pytest.raises(ValidationError, match="cannot be in the future"):
        referrals.record_outcome(
            session, referral.id, status="accepted", outcome_on=today + timedelta(days=1), today=today
        )
    for status in ("lost", "sent"):  # "sent" is where a referral starts, not an outcome
        with pytest.raises(ValidationError, match="Outcome must be one of"):
            referrals.record_outcome(session, referral.id, status=status, outcome_on=today, today=today)
    session.refresh(referral)
    assert referral.status == "sent" and referral.version == 1
    referrals.record_outcome(
        session, referral.id, status="no_show", outcome_on=today, reason="Missed two appointments", today=today
    )
    session.refresh(referral)
    assert (referral.status, referral.outcome_reason, referral.version) == ("no_show", "Missed two appointments", 2)


def test_closed_cases_refuse_referrals_and_audit_names_fields_only(session, today, service):
    case = new_case(session, today)
    referral = referrals.create_referral(
        session,
        case.id,
        service_id="svc-1",
        referred_on=today,
        follow_up_on=None,
        today=today,
        note="Private detail about the client",
    )
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "referral")).all()
    assert [(e.action, e.entity_id, e.client_id) for e in events] == [("create", str(referral.id), case.client_id)]
    assert "note" in events[0].fields and "Private detail" not in repr(events[0].model_dump())
    case.closed_on = today
    session.add(case)
    session.commit()
    with pytest.raises(CaseClosedError):
        referrals.create_referral(
            session, case.id, service_id="svc-1", referred_on=today, follow_up_on=None, today=today
        )
    with pytest.raises(CaseClosedError):
        referrals.record_outcome(session, referral.id, status="accepted", outcome_on=today, today=today)


# --- the provider list -------------------------------------------------------------------


def test_provider_list_renders_open_referrals_and_chosen_services(demo_db, today, tmp_path):
    from casetui.data.services import documents as case_documents
    from casetui.data.services import provider_list

    with demo_db.transaction() as session:
        case = cases.open_cases(session)[0][0]
        referral = referrals.create_referral(
            session,
            case.id,
            service_id="demo-svc-5",
            consent_signed_on=today,
            referred_on=today,
            follow_up_on=today + timedelta(days=7),
            today=today,
            note="Ask for <Maria>",
        )
        referrals.create_referral(
            session,
            case.id,
            service_id=None,
            referred_on=today,
            follow_up_on=None,
            today=today,
            provider_name="Dr. Fauxley & Partners",
            consent_signed_on=today,
        )
        context = provider_list.provider_list_context(
            session, case.id, [referral.id], service_ids=["demo-svc-9"], today=today
        )
        assert [e.name for e in context["entries"]] == [
            session.get(Service, "demo-svc-5").name,
            session.get(Service, "demo-svc-9").name,
        ]
        first = context["entries"][0]
        assert first.organization and first.addresses and first.phones and first.hours and first.how_to_apply
        markdown = provider_list.render(context, "md")
        assert "## 1. " in markdown and "**How to apply:**" in markdown and first.phones[0] in markdown
        assert "we will check in on 2026-01-22" in markdown
        # Default: every open referral, including the one outside the directory; HTML is escaped.
        html = provider_list.render(provider_list.provider_list_context(session, case.id, today=today), "html")
        assert "Dr. Fauxley &amp; Partners" in html and "Ask for &lt;Maria&gt;" in html
        with pytest.raises(ValidationError, match="do not belong"):
            provider_list.provider_list_context(session, case.id, [999999], today=today)

        path = provider_list.save(
            session, case.id, tmp_path / "out" / "list.html", today=today, referral_ids=[referral.id]
        )
        assert path.read_text().startswith("<!DOCTYPE html>")
        assert path.stat().st_mode & 0o777 == 0o600
        logged = case_documents.list_documents(session, case.id)[0]
        assert (logged.kind, logged.path) == ("provider_list", str(path))


def test_eligibility_notes_say_who_a_service_is_for():
    from casetui.data.services.provider_list import eligibility_notes

    service = Service(
        id="s",
        name="Youth Safe Place",
        minimum_age=12,
        maximum_age=24,
        populations=["youth"],
        languages=["en", "es"],
        genders=["woman"],
    )
    assert eligibility_notes(service) == [
        "Ages 12 to 24.",
        "For woman.",
        "Serves youth.",
        "Languages: English, Spanish.",
    ]
    assert eligibility_notes(Service(id="t", name="Open to all")) == []


# --- consent before sharing (issue 19) ----------------------------------------------------------


def test_a_referral_needs_a_consent_covering_the_provider(session, today, service):
    # Before: a referral was recorded with no consent check at all.
    case = new_case(session, today, consent_for_any_provider=False)
    client_id = case.client_id

    def refer(**consent_fields):
        return referrals.create_referral(
            session, case.id, service_id="svc-1", referred_on=today, follow_up_on=None, today=today, **consent_fields
        )

    with pytest.raises(ValidationError) as info:
        refer()
    assert info.value.errors == {
        "consent_signed_on": "No current consent lets you share information with Lantern Outreach. "
        "Give the date of the consent the client signs now, or refer once one is on file."
    }
    assert session.exec(select(Referral)).all() == []
    # A consent for another provider, or one that covers only health information, is not enough.
    consent.record_consent(session, client_id, recipient="Other Agency", scope="referral", signed_on=today, today=today)
    consent.record_consent(
        session, client_id, recipient="Lantern Outreach", scope="health", signed_on=today, today=today
    )
    with pytest.raises(ValidationError) as info:
        refer()
    assert "covers health information only, not referral information" in info.value.errors["consent_signed_on"]
    # A consent recorded in place, from the form: kept with the referral, in the same transaction.
    with pytest.raises(ValidationError) as info:
        refer(consent_signed_on="2026-13-01")
    assert list(info.value.errors) == ["consent_signed_on"]
    with pytest.raises(ValidationError) as info:
        refer(consent_signed_on=today, consent_scope="health")
    assert list(info.value.errors) == ["consent_scope"]
    referral = refer(consent_signed_on=today, consent_scope="referral")
    signed = session.get(consent.Consent, referral.consent_id)
    assert (signed.recipient, signed.scope, signed.any_provider) == ("Lantern Outreach", "referral", False)
    # The next referral to the same provider needs no new consent; it is linked to that one.
    assert refer().consent_id == signed.id


def test_a_consent_for_any_provider_covers_every_referral(session, today, service):
    case = new_case(session, today)  # the helper's consent is for any provider
    referral = referrals.create_referral(
        session, case.id, service_id="svc-1", referred_on=today, follow_up_on=None, today=today
    )
    assert session.get(consent.Consent, referral.consent_id).any_provider
    check = referrals.referral_consent(session, case.id, "svc-1", today)
    assert check.allowed and check.consent.id == referral.consent_id


def test_a_revoked_or_expired_consent_does_not_cover_a_referral(session, today, service):
    case = new_case(session, today, consent_for_any_provider=False)
    signed = consent.record_consent(
        session, case.client_id, recipient="lantern  outreach", scope="full_record", signed_on=today, today=today
    )
    assert referrals.referral_consent(session, case.id, "svc-1", today).allowed  # names compared loosely
    consent.revoke_consent(session, signed.id, revoked_on=today, reason="Client asked", today=today)
    assert not referrals.referral_consent(session, case.id, "svc-1", today).allowed


def test_the_outcome_column_reads_as_hud_referral_results(session, today, service):
    # Before: the referrals table's Outcome column showed a date, not the outcome.
    case = new_case(session, today)
    referral = referrals.create_referral(
        session, case.id, service_id="svc-1", referred_on=today, follow_up_on=None, today=today
    )
    assert referrals.outcome_words(referral) == ""
    referrals.record_outcome(
        session, referral.id, status="provider_declined", outcome_on=today, reason="Full", today=today
    )
    assert referrals.outcome_words(referral) == f"Unsuccessful referral: provider rejected ({today:%Y-%m-%d})"
