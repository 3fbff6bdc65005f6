"""The resource directory: ranked prefix search, filters, eligibility, suggestions, edits and the
search index kept current by every kind of write."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from casetui.data.directory import resources
from casetui.data.directory.resources import ClientProfile, SearchFilters
from casetui.data.domain.errors import ConflictError, NotFoundError, ValidationError
from casetui.data.storage.database import open_database
from casetui.data.storage.models import (
    Assessment,
    AssessmentNeed,
    AuditEvent,
    Case,
    Client,
    Location,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
)
from tests.data.test_db import BASELINE


def add_service(
    session, service_id, name, *, description="", city="Riverton", postal="90001", org="Beacon Outreach", **fields
):
    """A service with its organization and one location, written through the ORM (so the
    search index is kept by the triggers alone)."""
    org_id = "org-" + org.lower().replace(" ", "-")
    if session.get(Organization, org_id) is None:
        session.add(Organization(id=org_id, name=org))
        session.flush()
    location_id = f"loc-{city.lower().replace(' ', '-')}-{postal}"
    if session.get(Location, location_id) is None:
        session.add(Location(id=location_id, organization_id=org_id, city=city, postal_code=postal))
        session.flush()
    service = Service(id=service_id, organization_id=org_id, name=name, description=description, **fields)
    session.add(service)
    session.flush()
    session.add(ServiceAtLocation(id=f"sal-{service_id}", service_id=service_id, location_id=location_id))
    session.add(Phone(id=f"ph-{service_id}", service_id=service_id, number="(555) 0100-0000"))
    session.commit()
    return service


@pytest.fixture
def directory(session):
    add_service(
        session,
        "legal-aid",
        "Legal Aid Clinic",
        description="Advice on eviction and benefits appeals.",
        categories=["legal"],
        minimum_age=18,
        languages=["en", "es"],
        last_verified_on=date(2025, 12, 1),
    )
    add_service(
        session,
        "hub",
        "Community Hub",
        description="Meals, showers and a monthly legal rights workshop.",
        categories=["food", "social_support"],
        last_verified_on=date(2025, 12, 1),
    )
    add_service(
        session,
        "pantry",
        "Food Pantry",
        description="Weekly groceries, no appointment needed.",
        categories=["food"],
        languages=["es"],
        city="Millbrook",
        postal="90010",
        org="Cedar Mission",
        last_verified_on=date(2024, 1, 1),
    )
    add_service(
        session,
        "foodbank",
        "Foodbank Warehouse Volunteers",
        description="Volunteer shifts sorting donations.",
        categories=["social_support"],
        city="Oak Hollow",
        postal="90020",
    )
    add_service(
        session,
        "youth",
        "Youth Safe Place",
        description="Crisis beds for young people.",
        categories=["housing", "safety"],
        minimum_age=12,
        maximum_age=24,
        populations=["youth"],
        last_verified_on=date(2025, 6, 1),
    )
    add_service(
        session,
        "dv",
        "Safe Haven Shelter",
        description="Confidential shelter for women.",
        categories=["safety", "housing"],
        genders=["woman"],
        populations=["domestic_violence"],
        languages=["Spanish", "en"],
        last_verified_on=date(2025, 11, 1),
    )
    add_service(
        session,
        "vets",
        "Veterans Job Centre",
        description="Employment coaching for veterans.",
        categories=["employment"],
        populations=["veteran"],
        minimum_age=18,
        last_verified_on=date(2025, 10, 1),
    )
    return session


def ids(hits):
    return [hit.id for hit in hits]


def scan(session, query, filters=None):
    """The portable scan, as an oracle for what the index must find."""
    return {
        i for i, _ in resources._search_portable(session, resources.query_words(query), filters or SearchFilters(), 50)
    }


# --- relevance and prefixes ------------------------------------------------------------------------


def test_a_service_named_for_the_words_beats_one_that_only_mentions_them(directory, today):
    hits = resources.search(directory, "legal", today=today)
    assert ids(hits) == ["legal-aid", "hub"]
    assert hits[0].score > hits[1].score
    assert "legal rights workshop" in hits[1].snippet


def test_every_word_is_a_prefix_as_the_user_types(directory, today):
    for typed in ("f", "fo", "foo", "food", "food p", "food pan", "FOOD PANTRY"):
        assert ids(resources.search(directory, typed, today=today))[0] == "pantry", typed
    # A whole word in the name comes first; a longer word it begins is found too.
    food = ids(resources.search(directory, "food", today=today))
    assert food[0] == "pantry" and "foodbank" in food
    if directory.get_bind().dialect.name == "sqlite":  # ranked on the name: Food beats Foodbank
        assert food[:2] == ["pantry", "foodbank"]
    # Prefixes, not substrings (this is no LIKE scan).
    assert resources.search(directory, "antry", today=today, typos=False) == []  # (a typo of pantry, else)
    assert ids(resources.search(directory, "cedar", today=today)) == ["pantry"]  # organization name
    assert "youth" in ids(resources.search(directory, "safety", today=today))  # need category label
    assert ids(resources.search(directory, "veter", today=today))[0] == "vets"


def test_words_may_be_spread_over_name_and_description(directory, today):
    hits = resources.search(directory, "youth beds", today=today)  # "Youth Safe Place": "Crisis beds..."
    assert ids(hits) == ["youth"]
    assert ids(resources.search(directory, "cedar weekly", today=today)) == ["pantry"]  # organization + description


def test_punctuation_and_quotes_in_the_query_are_harmless(directory, today):
    for typed in ('"food', "food*", "(legal", "legal AND", "food -pantry", "NEAR(", "{name}:x", "'", "   "):
        resources.search(directory, typed, today=today)
    assert ids(resources.search(directory, "food, pantry!", today=today)) == ["pantry"]


def test_results_carry_what_a_line_shows(directory, today):
    hit = resources.search(directory, "pantry", today=today)[0]
    assert (hit.name, hit.organization, hit.city, hit.postal_code, hit.phone) == (
        "Food Pantry",
        "Cedar Mission",
        "Millbrook",
        "90010",
        "(555) 0100-0000",
    )
    assert hit.categories == ["food"] and hit.eligible is None and hit.eligibility == []
    assert hit.stale  # verified 2024-01-01, more than 12 months before 2026-01-15


# --- filters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters, expected",
    [
        (SearchFilters(category="food"), {"hub", "pantry"}),
        (SearchFilters(age=16), {"hub", "pantry", "foodbank", "youth", "dv"}),
        (SearchFilters(age=30), {"legal-aid", "hub", "pantry", "foodbank", "dv", "vets"}),
        (SearchFilters(gender="man"), {"legal-aid", "hub", "pantry", "foodbank", "youth", "vets"}),
        (SearchFilters(gender="woman", category="safety"), {"youth", "dv"}),
        (SearchFilters(language="Spanish"), {"legal-aid", "pantry", "dv"}),
        (SearchFilters(language="spa"), {"legal-aid", "pantry", "dv"}),
        (SearchFilters(population="veteran"), {"vets"}),
        (SearchFilters(place="millbrook"), {"pantry"}),
        (SearchFilters(place="Oak Hollow"), {"foodbank"}),
        (SearchFilters(place="90001"), {"legal-aid", "hub", "youth", "dv", "vets"}),
        (SearchFilters(category="housing", age=30, language="en", place="Riverton"), {"dv"}),
    ],
)
def test_filters_browse_and_narrow_a_search(directory, today, filters, expected):
    browsed = resources.search(directory, "", filters, today=today)
    assert set(ids(browsed)) == expected == scan(directory, "", filters)
    assert ids(browsed) == sorted(ids(browsed), key=lambda i: directory.get(Service, i).name.lower())
    narrowed = resources.search(directory, "s", filters, today=today)
    assert set(ids(narrowed)) <= expected


def test_filters_exclude_services_the_client_cannot_use(directory, today):
    hits = resources.search(directory, "safe", SearchFilters(age=30, gender="man"), today=today)
    assert hits == []  # Youth Safe Place is for ages 12-24; Safe Haven for women
    assert ids(resources.search(directory, "safe", SearchFilters(age=20, gender="man"), today=today)) == ["youth"]


def test_no_query_and_no_filter_is_an_empty_list(directory, today):
    assert resources.search(directory, "", today=today) == []
    assert resources.search(directory, "  ", SearchFilters(), today=today) == []


def test_bad_filters_are_validation_errors(directory, today):
    with pytest.raises(ValidationError) as failure:
        resources.search(directory, "", SearchFilters(category="pets", age=-3, population="martians"), today=today)
    assert set(failure.value.errors) == {"category", "age", "population"}


@pytest.mark.parametrize(
    "filters, field",
    [
        (SearchFilters(place="River\x00ton"), "place"),
        (SearchFilters(place="\x00"), "place"),
        (SearchFilters(language="Span\x00ish"), "language"),
        (SearchFilters(language="es\x1b[2J"), "language"),
    ],
)
def test_a_control_character_in_place_or_language_is_a_message_not_a_database_error(directory, today, filters, field):
    """A NUL ends a string in SQLite's full-text parser and PostgreSQL refuses it in any text."""
    for query in ("", "food", "fo\x00od"):
        with pytest.raises(ValidationError) as failure:
            resources.search(directory, query, filters, today=today)
        assert set(failure.value.errors) == {field}
        assert "control character" in str(failure.value) and "\n" not in str(failure.value)
    # The session is still usable: nothing reached the database.
    assert ids(resources.search(directory, "fo\x00od", today=today)) == ids(
        resources.search(directory, "fo od", today=today)
    )


# --- the index follows every write ----------------------------------------------------------------


def test_the_index_follows_edits_moves_renames_and_deletes(directory, today):
    service = resources.update_service(
        directory, "pantry", {"name": "Grocery Shelf", "categories": ["food", "income"]}, today, expected_version=1
    )
    assert service.version == 2
    assert ids(resources.search(directory, "grocery", today=today)) == ["pantry"]
    assert "pantry" not in ids(resources.search(directory, "pantry", today=today))
    assert "pantry" in ids(resources.search(directory, "", SearchFilters(category="income"), today=today))
    # An organization renamed: its services are found by the new name.
    org = directory.get(Organization, "org-cedar-mission")
    org.name = "Juniper Alliance"
    directory.add(org)
    directory.commit()
    assert ids(resources.search(directory, "juniper", today=today)) == ["pantry"]
    assert resources.search(directory, "cedar", today=today) == []
    # A location's city corrected: the place filter follows.
    location = directory.get(Location, "loc-millbrook-90010")
    location.city = "Ashford"
    directory.add(location)
    directory.commit()
    assert ids(resources.search(directory, "", SearchFilters(place="ashford"), today=today)) == ["pantry"]
    assert resources.search(directory, "", SearchFilters(place="millbrook"), today=today) == []
    # A service moved to another location, then removed altogether.
    link = directory.get(ServiceAtLocation, "sal-pantry")
    link.location_id = "loc-oak-hollow-90020"
    directory.add(link)
    directory.commit()
    assert set(ids(resources.search(directory, "", SearchFilters(place="Oak Hollow"), today=today))) == {
        "pantry",
        "foodbank",
    }
    directory.delete(directory.get(Phone, "ph-pantry"))
    directory.delete(link)
    directory.flush()
    directory.delete(directory.get(Service, "pantry"))
    directory.commit()
    assert resources.search(directory, "grocery", today=today) == []
    for words in ("s", "food", "safe", "legal", "juniper"):
        assert set(ids(resources.search(directory, words, today=today))) == scan(directory, words)


def test_verifying_does_not_touch_the_index_and_is_audited(directory, today):
    before = ids(resources.search(directory, "pantry", today=today))
    service = resources.mark_verified(directory, "pantry", today)
    assert service.last_verified_on == today and service.version == 2
    hit = resources.search(directory, "pantry", today=today)[0]
    assert ids([hit]) == before and not hit.stale
    event = directory.exec(select(AuditEvent).where(AuditEvent.entity == "service")).one()
    assert (event.action, event.entity_id, event.fields) == ("update", "pantry", ["last_verified_on"])


def test_a_migrated_file_gets_its_directory_indexed(tmp_path, today):
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.executescript(BASELINE.read_text())
        conn.execute("INSERT INTO casetui_meta VALUES ('application', 'casetui'), ('schema_version', '1')")
        conn.execute("INSERT INTO organization (id, name) VALUES ('o1', 'Lantern Outreach')")
        conn.execute(
            "INSERT INTO service (id, organization_id, name, description, status, genders, languages, "
            "populations, categories, taxonomy_terms, updated_at, version) VALUES ('s1', 'o1', "
            "'Tenant Rights Clinic', 'Advice on leases.', 'active', '[]', '[]', '[]', '[\"legal\"]', '[]', "
            "'2025-01-01', 1)"
        )
    database = open_database(str(old))
    with database.transaction() as session:
        assert ids(resources.search(session, "tenant", today=today)) == ["s1"]
        assert ids(resources.search(session, "", SearchFilters(category="legal"), today=today)) == ["s1"]
    database.dispose()


# --- one service: detail, edits, verification --------------------------------------------------------


def test_get_service_gathers_organization_locations_phones(directory):
    detail = resources.get_service(directory, "legal-aid")
    assert detail.service.name == "Legal Aid Clinic" and detail.organization.name == "Beacon Outreach"
    assert [loc.city for loc in detail.locations] == ["Riverton"]
    assert [p.number for p in detail.phones] == ["(555) 0100-0000"]
    with pytest.raises(NotFoundError):
        resources.get_service(directory, "nope")


def test_update_service_validates_every_field_in_plain_words(directory, today):
    with pytest.raises(ValidationError) as failure:
        resources.update_service(
            directory,
            "legal-aid",
            {"name": "  ", "minimum_age": "abc", "categories": ["pets"], "email": "not an email"},
            today,
        )
    assert set(failure.value.errors) == {"name", "minimum_age", "categories", "email"}
    with pytest.raises(ValidationError, match="Maximum age must be at least the minimum age"):
        resources.update_service(directory, "legal-aid", {"maximum_age": "10"}, today)  # minimum is 18
    with pytest.raises(ValidationError):
        resources.update_service(directory, "legal-aid", {"version": 7}, today)
    directory.rollback()
    assert directory.get(Service, "legal-aid").name == "Legal Aid Clinic"


def test_update_service_normalises_lists_and_records_changed_fields(directory, today):
    service = resources.update_service(
        directory,
        "hub",
        {"languages": "Spanish, vi", "genders": ["female"], "populations": "youth, family", "minimum_age": ""},
        today,
    )
    assert (service.languages, service.genders, service.populations) == (["es", "vi"], ["woman"], ["youth", "family"])
    event = directory.exec(select(AuditEvent).where(AuditEvent.entity_id == "hub")).one()
    assert event.fields == ["genders", "languages", "populations"]


def test_a_stale_version_is_a_conflict_and_writes_nothing(directory, today):
    resources.update_service(directory, "hub", {"name": "Hub One"}, today, expected_version=1)
    with pytest.raises(ConflictError):
        resources.update_service(directory, "hub", {"name": "Hub Two"}, today, expected_version=1)
    assert directory.get(Service, "hub").name == "Hub One"


def test_stale_means_not_verified_for_more_than_twelve_months():
    today = date(2026, 1, 15)
    assert resources.is_stale(None, today)
    assert resources.is_stale(date(2025, 1, 14), today)
    assert not resources.is_stale(date(2025, 1, 15), today)
    assert not resources.is_stale(today - timedelta(days=300), today)
    assert not resources.is_stale(date(2023, 2, 28), date(2024, 2, 29))  # no 29 February in 2023
    assert resources.is_stale(date(2023, 2, 27), date(2024, 2, 29))


# --- eligibility, profile, suggestions --------------------------------------------------------------


def test_eligibility_says_why_in_words(directory, today):
    teen = ClientProfile(age=16, gender="man", language="Spanish", populations=[])
    checks = resources.eligibility(directory.get(Service, "legal-aid"), teen, today)
    assert [(c.criterion, c.ok, c.reason) for c in checks] == [
        ("age", False, "ages 18+; client is 16"),
        ("language", True, "offered in English, Spanish; client speaks Spanish"),
    ]
    assert resources.overall(checks) is False
    checks = resources.eligibility(directory.get(Service, "dv"), teen, today)
    # A record that lists no population does not say the client is outside one (issue 19).
    assert [(c.criterion, c.ok) for c in checks] == [("gender", False), ("language", True), ("population", None)]
    unknown = ClientProfile(age=None, gender=None, language=None)
    checks = resources.eligibility(directory.get(Service, "youth"), unknown, today)
    assert [(c.criterion, c.ok) for c in checks] == [("age", None), ("population", None)]
    hits = resources.search(directory, "safe", profile=ClientProfile(age=19, populations=["youth"]), today=today)
    youth = next(h for h in hits if h.id == "youth")
    assert youth.eligible is True and youth.eligibility[0].reason == "ages 12 to 24; client is 19"


def test_language_names_and_codes_are_one_language():
    assert {resources.language_code(x) for x in ("Spanish", "es", "spa", "es-MX", "ESPAÑOL", "Castilian")} == {"es"}
    assert resources.language_code("Tagalog") == resources.language_code("fil") == "tl"
    assert resources.language_code("Zorblax") == "zorblax" and resources.language_label("so") == "Somali"


def test_client_profile_comes_from_the_client_and_latest_assessment(session, today):
    client = Client(
        first_name="Ada",
        last_name="Sampleton",
        date_of_birth=date(2009, 6, 1),
        gender="woman",
        language="Somali",
        city="Riverton",
        postal_code="90001",
        veteran=True,
        populations=["refugee"],
    )
    session.add(client)
    session.flush()
    case = Case(client_id=client.id, opened_on=date(2025, 9, 1))
    session.add(case)
    session.flush()
    old = Assessment(case_id=case.id, assessed_on=date(2025, 9, 8))
    new = Assessment(case_id=case.id, assessed_on=date(2025, 12, 8), kind="reassessment")
    session.add_all([old, new])
    session.flush()
    session.add_all(
        [
            AssessmentNeed(assessment_id=old.id, domain="legal", score=1),
            AssessmentNeed(assessment_id=new.id, domain="food", score=2),
            AssessmentNeed(assessment_id=new.id, domain="housing", score=1),
            AssessmentNeed(assessment_id=new.id, domain="education", score=4, wants_goal=True),
            AssessmentNeed(assessment_id=new.id, domain="income", score=4),
        ]
    )
    session.commit()
    profile = resources.client_profile(session, case.id, today)
    assert profile == ClientProfile(
        age=16,
        gender="woman",
        language="Somali",
        populations=["refugee", "veteran"],
        needs=["housing", "food", "education"],
        city="Riverton",
        postal_code="90001",
    )
    with pytest.raises(NotFoundError):
        resources.client_profile(session, 999, today)


def test_suggestions_rank_needs_met_eligibility_and_nearness(directory, today):
    profile = ClientProfile(
        age=30,
        gender="woman",
        language="Spanish",
        populations=[],
        needs=["food", "safety"],
        city="Riverton",
        postal_code="90001",
    )
    hits = resources.suggest_for_client(directory, profile, today=today)
    assert set(ids(hits)) == {"hub", "pantry", "youth", "dv"}
    # The urgent need first; among food services the nearby one; the safety service she can use
    # comes before the youth service she is too old for.
    assert ids(hits)[0] == "hub"
    assert ids(hits).index("dv") < ids(hits).index("youth")
    assert next(h for h in hits if h.id == "youth").eligible is False
    assert resources.suggest_for_client(directory, ClientProfile(needs=[]), today=today) == []


# --- the demo directory, through the screen's door -------------------------------------------------


def test_demo_directory_search_agrees_with_a_plain_scan(demo_db, today):
    with demo_db.transaction() as session:
        for words, filters in (
            ("", SearchFilters(category="legal", place="riverton")),
            ("counsel", SearchFilters(age=16, language="Spanish")),
            ("foo pan", None),
            ("veterans", None),
            ("harbour", None),
        ):
            assert set(ids(resources.search(session, words, filters, today=today))) == scan(session, words, filters)
        if session.get_bind().dialect.name == "sqlite":
            count = session.execute(text("SELECT count(*) FROM service_title_fts")).scalar_one()
            assert count == len(session.exec(select(Service)).all())


def test_accents_and_case_do_not_matter(directory, today):
    add_service(directory, "cafe", "Café Comunitario", description="Comidas calientes y despensa.", categories=["food"])
    typed_forms = ["CAFÉ", "café com", "caf"]
    if directory.get_bind().dialect.name == "sqlite":  # FTS5 folds accents; PostgreSQL's 'simple' does not
        typed_forms.append("cafe")
    for typed in typed_forms:
        assert ids(resources.search(directory, typed, today=today))[0] == "cafe", typed
    assert ids(resources.search(directory, "despensa", today=today)) == ["cafe"]
