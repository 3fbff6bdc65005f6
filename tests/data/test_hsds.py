"""HSDS import and export: the small fixture package, HSDS 2.x names, JSON, errors that change
nothing, re-import by id, and the round trip (also on the HSDS 3.0 examples)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from casetui.cli import main
from casetui.data.directory import hsds, resources
from casetui.data.storage.database import open_database
from casetui.data.storage.models import (
    AuditEvent,
    Location,
    Organization,
    Phone,
    ResourceContact,
    Service,
    ServiceAtLocation,
)

SMALL = Path(__file__).parent / "fixtures" / "hsds_small"
EXAMPLES = Path(__file__).parents[1] / "fixtures" / "hsds-3.0-examples"  # Open Referral's, see its README
DIRECTORY_MODELS = (Organization, Service, Location, ServiceAtLocation, Phone, ResourceContact)
VOLATILE = {"updated_at", "version"}


def directory(session) -> dict:
    """Every directory row as plain values (without edit bookkeeping), by table and id."""
    dump = {}
    for model in DIRECTORY_MODELS:
        rows = {}
        for obj in session.exec(select(model)):
            values = obj.model_dump()
            rows[values["id"]] = {k: v for k, v in values.items() if k not in VOLATILE}
        dump[model.__tablename__] = rows
    return dump


def fresh(tmp_path, name: str):
    return open_database(str(tmp_path / name), worker="test-worker")


def copy_package(tmp_path, source: Path = SMALL) -> Path:
    target = tmp_path / "package"
    shutil.copytree(source, target)
    return target


def rewrite(path: Path, change) -> None:
    """Apply ``change(rows)`` to a CSV file's rows (dicts) and write it back."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows = change(rows) or rows
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


# --- import -------------------------------------------------------------------------------------


def test_small_package_imports_with_every_side_table_mapped(session, today):
    report = hsds.import_package(session, SMALL, today)
    assert report.ok and not report.warnings
    assert report.created == {
        "organizations": 3,
        "services": 6,
        "locations": 4,
        "service_at_location": 6,
        "phones": 4,
        "contacts": 1,
    }
    pantry = session.get(Service, "svc-pantry")
    assert pantry.categories == ["food"] and pantry.taxonomy_terms == ["Food Pantry"]
    assert pantry.languages == ["en", "es"]
    assert pantry.schedule_description == "Tue, Thu 10:00-14:00"
    assert pantry.service_area == "Riverton and surrounding county"
    assert pantry.fees_description == "Free"
    assert pantry.last_verified_on.isoformat() == "2025-11-02"
    legal = session.get(Service, "svc-legal")
    assert legal.languages == ["es", "en"]  # a name and a 3-letter code, normalised
    assert legal.minimum_age == 18 and legal.maximum_age is None
    assert "Documents to bring: Any letters from the landlord or court" in legal.application_process
    shelter = session.get(Service, "svc-dv")
    assert set(shelter.categories) == {"safety", "housing"}
    assert shelter.populations == ["domestic_violence"] and shelter.genders == ["woman"]
    vets = session.get(Service, "svc-vets")
    assert vets.populations == ["veteran"] and vets.categories == ["physical_health"]
    assert vets.fees_description == "Visit: 0 USD no charge with VA card"
    # The physical address wins over the postal one.
    main_office = session.get(Location, "loc-lantern-main")
    assert (main_office.address_1, main_office.city, main_office.postal_code) == ("12 Elm Row", "Riverton", "90001")
    # A phone linked only through its service_at_location lands on that service and location.
    phone = session.get(Phone, "ph-dv")
    assert (phone.service_id, phone.location_id) == ("svc-dv", "loc-confidential")
    assert session.exec(select(AuditEvent).where(AuditEvent.entity == "directory_import")).one().fields


def test_imported_directory_is_searchable_by_taxonomy_terms_and_filters(session, today):
    hsds.import_package(session, SMALL, today)
    assert [h.id for h in resources.search(session, "pantry", today=today)][0] == "svc-pantry"
    # "Counseling" is only a taxonomy term of the counselling centre (its name says "Counselling").
    assert "svc-counsel" in [h.id for h in resources.search(session, "counseling", today=today)]
    assert [
        h.id for h in resources.search(session, "", resources.SearchFilters(population="veteran"), today=today)
    ] == ["svc-vets"]
    spanish = {h.id for h in resources.search(session, "", resources.SearchFilters(language="Spanish"), today=today)}
    assert spanish == {"svc-pantry", "svc-legal"}


def test_reimport_updates_by_id_and_adds_new_rows(tmp_path, session, today):
    hsds.import_package(session, SMALL, today)
    package = copy_package(tmp_path)

    def rename(rows):
        for row in rows:
            if row["id"] == "svc-pantry":
                row["name"] = "Riverton Grocery Pantry"
        rows.append({**rows[0], "id": "svc-new", "name": "Tenant Hotline", "description": "Advice by phone."})

    rewrite(package / "services.csv", rename)
    report = hsds.import_package(session, package, today)
    assert report.updated["services"] == 6 and report.created["services"] == 1
    assert session.exec(select(Service)).all().__len__() == 7
    assert session.get(Service, "svc-pantry").name == "Riverton Grocery Pantry"
    # The search index was rebuilt with the import: the new name is found, the old one is not.
    assert [h.id for h in resources.search(session, "grocery", today=today)] == ["svc-pantry"]
    for words in ("community food", "riverton", "pantry"):  # the index agrees with a plain scan
        assert {h.id for h in resources.search(session, words, today=today)} == {
            i
            for i, _ in resources._search_portable(session, resources.query_words(words), resources.SearchFilters(), 50)
        }
    assert [h.id for h in resources.search(session, "tenant hot", today=today)] == ["svc-new"]


@pytest.mark.parametrize(
    "breakage, expected",
    [
        (
            ("services.csv", "minimum_age", "svc-legal", "eighteen"),
            "services.csv, row 2 (id svc-legal): minimum_age 'eighteen' is not a number",
        ),
        (("services.csv", "name", "svc-youth", ""), "services.csv, row 3 (id svc-youth): name is required"),
        (
            ("services.csv", "assured_date", "svc-pantry", "31/31/2025"),
            "services.csv, row 1 (id svc-pantry): assured_date '31/31/2025' is not a date",
        ),
        (
            ("service_at_location.csv", "service_id", "sal-vets", "svc-missing"),
            "service_at_location.csv, row 5 (id sal-vets): service_id 'svc-missing' is not in the package's services nor in the directory",
        ),
        (("contacts.csv", "id", "ct-legal", ""), "contacts.csv, row 1: id is missing"),
        (
            ("services.csv", "status", "svc-legal", "bogus"),
            "services.csv, row 2 (id svc-legal): status 'bogus' is not one of active, inactive, defunct,"
            " temporarily closed",
        ),
    ],
)
def test_a_bad_row_is_reported_by_file_and_row_and_nothing_changes(
    tmp_path, database, session, today, breakage, expected
):
    hsds.import_package(session, SMALL, today)
    session.commit()
    before = directory(session)
    package = copy_package(tmp_path)
    file, column, row_id, value = breakage

    def breaks(rows):
        for row in rows:
            if row["id"] == row_id:
                row[column] = value

    rewrite(package / file, breaks)
    # Changes in good rows, written before the bad row is met, must not survive either.
    rewrite(package / "organizations.csv", lambda rows: [dict(r, name=r["name"] + " CHANGED") for r in rows])
    with pytest.raises(hsds.HsdsImportError) as failure, database.transaction() as importing:
        hsds.import_package(importing, package, today)
    assert any(line.startswith(expected) for line in failure.value.report.lines()), failure.value.report.lines()
    assert "nothing was changed" in str(failure.value)
    with database.transaction() as check:
        assert directory(check) == before
        assert resources.search(check, "changed", today=today) == []


def test_unreadable_packages_are_refused_with_a_reason(tmp_path, session, today):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hello")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "services.csv").write_text("name,description\nA,B\n")
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    latin1 = tmp_path / "latin1"
    latin1.mkdir()
    (latin1 / "organizations.csv").write_text("id,name\no1,Harbour Outreach\n")
    (latin1 / "services.csv").write_bytes(b"id,organization_id,name\ns1,o1,Caf\xe9 Comunitario\n")
    for path, message in (
        (tmp_path / "missing", "does not exist"),
        (tmp_path / "empty", "holds no HSDS"),
        (tmp_path / "notes.txt", "neither an HSDS folder"),
        (broken, "has no 'id' column"),
        (tmp_path / "bad.json", "is not valid JSON"),
        (tmp_path / "deep.json", "deep.json: is nested too deeply to be HSDS JSON"),
        (latin1, "services.csv: is not UTF-8"),
    ):
        with pytest.raises(hsds.HsdsImportError, match=message):
            hsds.import_package(session, path, today)
    assert session.exec(select(Service)).all() == [] and session.exec(select(Organization)).all() == []


def test_a_repeated_id_is_counted_once(tmp_path, session, today):
    """A services.csv that repeats a row: 6 services are 6 new, then 6 updated (not 7)."""
    package = copy_package(tmp_path)
    rewrite(package / "services.csv", lambda rows: rows + [dict(rows[0], name="Community Food Pantry (new hours)")])
    first = hsds.import_package(session, package, today)
    assert (first.created["services"], first.updated["services"]) == (6, 0)
    assert [str(w) for w in first.warnings] == [
        "services.csv, row 7 (id svc-pantry): repeats the id of row 1; the later row is used"
    ]
    again = hsds.import_package(session, package, today)
    assert (again.created["services"], again.updated["services"]) == (0, 6)
    assert "services 0 new, 6 updated" in again.summary()
    assert session.get(Service, "svc-pantry").name == "Community Food Pantry (new hours)"


def test_status_words_of_hsds_2_and_3_are_accepted(tmp_path, session, today):
    package = copy_package(tmp_path)
    statuses = {"svc-pantry": "Active", "svc-legal": "TEMPORARILY_CLOSED", "svc-youth": "", "svc-dv": "defunct"}
    rewrite(package / "services.csv", lambda rows: [dict(r, status=statuses.get(r["id"], r["status"])) for r in rows])
    assert hsds.import_package(session, package, today).ok
    assert {i: session.get(Service, i).status for i in statuses} == {
        "svc-pantry": "active",
        "svc-legal": "temporarily closed",
        "svc-youth": "active",
        "svc-dv": "defunct",
    }


def test_hsds_2_file_and_field_names(tmp_path, session, today):
    package = tmp_path / "v2"
    package.mkdir()
    files = {
        "organizations.csv": "id,name,url\no1,Northgate Outreach,https://example.org/northgate\n",
        "services.csv": "id,organization_id,name,description,fees,status\n"
        "s1,o1,Hot Meal Program,Free lunch daily.,Free,active\n",
        "locations.csv": "id,organization_id,name\nl1,o1,Dining hall\n",
        "services_at_location.csv": "id,service_id,location_id\nsl1,s1,l1\n",
        "physical_addresses.csv": "id,location_id,address_1,city,state_province,postal_code,country\n"
        "a1,l1,5 Foundry Street,Millbrook,RS,90010,US\n",
        "regular_schedules.csv": "id,service_id,weekday,opens_at,closes_at\nr1,s1,1,11:30,13:30\nr2,s1,3,11:30,13:30\n",
        "languages.csv": "id,service_id,language\nla1,s1,Somali\n",
        "eligibility.csv": "id,service_id,eligibility\ne1,s1,Seniors and people experiencing homelessness\n",
        "taxonomy.csv": "id,name,parent_id,parent_name,vocabulary\nt1,Meals,,,open_eligibility\n",
        "service_taxonomy.csv": "id,service_id,taxonomy_id,taxonomy_detail\nst1,s1,t1,\n",
        "phones.csv": "id,service_id,number,type\np1,s1,(555) 0100-4000,voice\n",
    }
    for name, body in files.items():
        (package / name).write_text(body)
    report = hsds.import_package(session, package, today)
    assert report.ok, report.lines()
    organization = session.get(Organization, "o1")
    assert organization.website == "https://example.org/northgate"
    service = session.get(Service, "s1")
    assert service.fees_description == "Free"
    assert service.schedule_description == "Mon 11:30-13:30; Wed 11:30-13:30"
    assert service.languages == ["so"]
    assert service.eligibility_description == "Seniors and people experiencing homelessness"
    assert set(service.populations) == {"older_adult", "homeless"}
    assert service.categories == ["food"] and service.taxonomy_terms == ["Meals"]
    assert session.get(Location, "l1").city == "Millbrook"
    assert session.get(ServiceAtLocation, "sl1").service_id == "s1"


def test_json_service_list_imports_like_csv(tmp_path, session, today):
    page = {
        "total_items": 1,
        "page_number": 1,
        "contents": [
            {
                "id": "js1",
                "name": "Mobile Grocery Van",
                "description": "Groceries delivered to outlying neighbourhoods.",
                "status": "active",
                "minimum_age": 18,
                "assured_date": "2025-12-01",
                "organization": {"id": "jo1", "name": "Meadow Mission", "website": "https://example.org/meadow"},
                "phones": [{"id": "jp1", "number": "(555) 0100-5000", "type": "voice"}],
                "languages": [{"id": "jl1", "name": "Arabic", "code": "ar"}],
                "schedules": [{"id": "jsc1", "description": "Saturdays 9-12"}],
                "attributes": [
                    {
                        "id": "ja1",
                        "taxonomy_term": {"id": "jt1", "name": "Food Delivery", "taxonomy": "open_eligibility"},
                    }
                ],
                "service_at_locations": [
                    {
                        "id": "jsal1",
                        "location": {
                            "id": "jloc1",
                            "name": "Depot",
                            "addresses": [
                                {
                                    "id": "jad1",
                                    "address_1": "3 Linden Court",
                                    "city": "Riverton",
                                    "postal_code": "90002",
                                    "address_type": "physical",
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    path = tmp_path / "services.json"
    path.write_text(json.dumps(page))
    report = hsds.import_package(session, path, today)
    assert report.ok, report.lines()
    service = session.get(Service, "js1")
    assert (service.organization_id, service.languages, service.categories) == ("jo1", ["ar"], ["food"])
    assert service.schedule_description == "Saturdays 9-12" and service.minimum_age == 18
    assert session.get(Location, "jloc1").postal_code == "90002"
    assert session.get(Phone, "jp1").service_id == "js1"
    hits = resources.search(session, "groc", resources.SearchFilters(place="90002"), today=today)
    assert [h.id for h in hits] == ["js1"]


def test_taxonomy_terms_map_onto_need_categories_and_populations():
    assert hsds.map_term("Emergency Food") == (("food",), ())
    assert hsds.map_term("Mental Health Care") == (("mental_health",), ())
    assert hsds.map_term("Physical Health") == (("physical_health",), ())
    assert hsds.map_term("Veterans") == ((), ("veteran",))
    assert hsds.map_term("LGBTQ Youth") == ((), ("youth", "lgbtq"))
    assert hsds.map_term("Homeless Shelter") == (("housing",), ("homeless",))
    assert hsds.map_term("Shelter", "BH-1800") == (("housing",), ())
    assert hsds.map_term("Whatever it is", "BD-1800.2000") == (("food",), ())


# --- export and round trip ----------------------------------------------------------------------------


def test_export_writes_hsds_3_csv_and_a_data_package(tmp_path, session, today):
    hsds.import_package(session, SMALL, today)
    counts = hsds.export_package(session, tmp_path / "out")
    assert counts["services"] == 6 and counts["organizations"] == 3 and counts["addresses"] == 4
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    assert package["profile"] == "tabular-data-package"
    names = {resource["name"] for resource in package["resources"]}
    assert {"organizations", "services", "locations", "service_at_location", "phones", "addresses"} <= names
    for resource in package["resources"]:
        with open(tmp_path / "out" / resource["path"], newline="") as handle:
            header = next(csv.reader(handle))
        assert header == [f["name"] for f in resource["schema"]["fields"]]
    with open(tmp_path / "out" / "services.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["id"] == "svc-legal")
    assert (row["minimum_age"], row["assured_date"]) == ("18", "2024-06-30")
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "export")).one().entity == "directory_export"


def test_round_trip_gives_the_same_directory(tmp_path, session, today):
    hsds.import_package(session, SMALL, today)
    # An edit made in casetui (categories no taxonomy term implies) must survive too.
    resources.update_service(session, "svc-youth", {"categories": ["social_support", "safety"]}, today)
    hsds.export_package(session, tmp_path / "out")
    again = fresh(tmp_path, "again.db")
    with again.transaction() as other:
        report = hsds.import_package(other, tmp_path / "out", today)
        assert report.ok and not report.warnings, report.lines()
        assert directory(other) == directory(session)
        assert [h.id for h in resources.search(other, "youth", today=today)] == [
            h.id for h in resources.search(session, "youth", today=today)
        ]
    again.dispose()


TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMERIC = {"latitude", "longitude", "minimum_age", "maximum_age", "year_incorporated"}


def test_export_is_spreadsheet_safe_and_import_takes_the_quotes_away(tmp_path, session, today):
    hsds.import_package(session, SMALL, today)
    pantry = session.get(Service, "svc-pantry")
    pantry.name = '=HYPERLINK("http://example.invalid","Click")'
    pantry.alternate_name = "'=already quoted once"
    pantry.description = "-5 dollars off; +1 for a friend"
    session.get(Organization, "org-cedar").name = "@Cedar Legal"
    session.get(Phone, "ph-pantry").number = "+1 555 0100 1001"
    session.get(Location, "loc-cedar").longitude = -75.5
    session.flush()
    hsds.export_package(session, tmp_path / "out")
    for path in (tmp_path / "out").glob("*.csv"):
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                for column, value in row.items():
                    if column in NUMERIC and value:
                        float(value)  # numbers are left as numbers: -75.5 is a longitude, not a formula
                    else:
                        assert not value.startswith(TRIGGERS), (path.name, column, value)
    with open(tmp_path / "out" / "services.csv", newline="") as handle:
        exported = next(r for r in csv.DictReader(handle) if r["id"] == "svc-pantry")
    assert exported["name"] == '\'=HYPERLINK("http://example.invalid","Click")'
    assert exported["alternate_name"] == "''=already quoted once"
    with open(tmp_path / "out" / "locations.csv", newline="") as handle:
        assert next(r for r in csv.DictReader(handle) if r["id"] == "loc-cedar")["longitude"] == "-75.5"
    again = fresh(tmp_path, "again.db")
    with again.transaction() as other:
        report = hsds.import_package(other, tmp_path / "out", today)
        assert report.ok and not report.warnings, report.lines()
        assert directory(other) == directory(session)  # exactly the text that was exported
    again.dispose()


def test_hsds_3_examples_import_and_round_trip(tmp_path, session, today):
    report = hsds.import_package(session, EXAMPLES / "csv", today)
    assert report.ok
    # The examples link a location and a contact to organizations they do not include.
    assert len(report.warnings) == 2 and all("left empty" in str(w) for w in report.warnings)
    service = session.get(Service, "ac148810-d857-441c-9679-408f346de14b")
    assert service.name == "Community Counselling" and service.languages == ["ur"]
    assert (service.minimum_age, service.maximum_age) == (12, 100)
    assert session.get(Location, "3a19ff88-4620-4d17-9830-ac1d859eb5d5").city == "MyCity"
    assert session.get(Phone, "1554f2e2-a373-45db-a3fa-9fc48a61c15e").number == "+44 1234 234567"
    assert [h.id for h in resources.search(session, "couns", today=today)] == [service.id]
    hsds.export_package(session, tmp_path / "out")
    again = fresh(tmp_path, "again.db")
    with again.transaction() as other:
        assert hsds.import_package(other, tmp_path / "out", today).ok
        assert directory(other) == directory(session)
    again.dispose()
    # The same example published as service_full JSON gives the same records. (The two
    # publications differ slightly: the JSON has no tax_id, the CSV links no taxonomy term.)
    as_json = fresh(tmp_path, "json.db")
    with as_json.transaction() as other:
        assert hsds.import_package(other, EXAMPLES / "service_full.json", today).ok
        from_json, from_csv = directory(other), directory(session)
        assert {t: set(rows) for t, rows in from_json.items()} == {t: set(rows) for t, rows in from_csv.items()}
        for field in ("name", "description", "languages", "minimum_age", "schedule_description", "program_id"):
            assert from_json["service"][service.id][field] == from_csv["service"][service.id][field]
        assert from_json["location"] == from_csv["location"]
    as_json.dispose()


# --- command line ----------------------------------------------------------------------------------


def test_cli_import_and_export_print_one_summary_line(db_path, tmp_path, capsys):
    db = str(db_path)  # an existing database: the command creates none
    assert main(["resources", "import", str(SMALL), "--db", db]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "Imported: organizations 3 new, 0 updated; services 6 new, 0 updated; locations 4 new, 0 updated; "
        "service at location 6 new, 0 updated; phones 4 new, 0 updated; contacts 1 new, 0 updated."
    ]
    assert main(["resources", "export", str(tmp_path / "out"), "--db", db]) == 0
    assert capsys.readouterr().out.startswith("Exported 6 services, 3 organizations and 4 locations")
    bad = copy_package(tmp_path)
    rewrite(
        bad / "services.csv", lambda rows: [dict(r, maximum_age="old") if r["id"] == "svc-youth" else r for r in rows]
    )
    assert main(["resources", "import", str(bad), "--db", db]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "casetui: services.csv, row 3 (id svc-youth): maximum_age 'old' is not a number",
        "casetui: error: Import failed: 1 problem(s); nothing was changed.",
    ]
    database = open_database(db)
    with database.transaction() as session:
        assert session.get(Service, "svc-youth").maximum_age == 24
        assert session.execute(text("SELECT count(*) FROM casetui_meta WHERE key LIKE 'search%'")).scalar_one() == 0
    database.dispose()


def test_a_verification_date_in_the_future_is_kept_with_a_warning(tmp_path, session, today):
    package = copy_package(tmp_path)
    rewrite(
        package / "services.csv",
        lambda rows: [dict(r, assured_date="2027-01-01") if r["id"] == "svc-pantry" else r for r in rows],
    )
    report = hsds.import_package(session, package, today)
    assert report.ok and [str(w) for w in report.warnings] == [
        "services.csv, row 1 (id svc-pantry): assured_date 2027-01-01 is in the future; kept as given"
    ]
    assert "(1 warning(s))" in report.summary()


def test_the_benchmark_package_imports_cleanly_and_types_short_prefixes(session, today, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_search", Path(__file__).parents[1] / "bench" / "bench_search.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.write_package(tmp_path / "synthetic", services=300)
    report = hsds.import_package(session, tmp_path / "synthetic", today)
    assert report.ok and not report.warnings and report.created["services"] == 300
    lengths = {len(query) for query, _ in bench.keystrokes()}
    assert {1, 2, 3} <= lengths
    words = [len(s.description.split()) for s in session.exec(select(Service))]
    assert min(words) >= 50 and max(words) <= 150
    assert all(s.categories for s in session.exec(select(Service)))


@pytest.mark.parametrize(
    "name",
    [
        "organization_full",
        "organization_list",
        "service_at_location_full",
        "service_at_location_list",
        "service_full",
        "service_list",
        "location",
    ],
)
def test_every_hsds_3_example_object_shape_imports(session, today, name):
    report = hsds.import_package(session, EXAMPLES / f"{name}.json", today)
    assert report.ok and not report.warnings
    assert session.exec(select(Organization)).all() or session.exec(select(Location)).all()


def test_service_detail_falls_back_to_the_organization_phone(session, today):
    hsds.import_package(session, SMALL, today)
    legal = resources.get_service(session, "svc-legal")
    assert [c.name for c in legal.contacts] == ["Pat Example"] and [p.id for p in legal.phones] == ["ph-legal"]
    youth = resources.get_service(session, "svc-youth")  # no phone of its own
    assert [p.id for p in youth.phones] == ["ph-lantern"] and youth.contacts == []
    assert [loc.id for loc in youth.locations] == ["loc-lantern-main"]
