"""casetui on an agency's PostgreSQL server: creating, refusing, migrating, and the services.

These run only when CASETUI_TEST_PG_URL names a server (``.ci/run`` starts one); the service
tests in the other files also run on PostgreSQL then, through the ``database`` fixture.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine.url import make_url
from sqlmodel import SQLModel, select

from casetui.data.domain.errors import DatabaseError
from casetui.data.services import clients, demo
from casetui.data.storage import migrations
from casetui.data.storage.database import open_database, to_url
from casetui.data.storage.models import AuditEvent, Client, Service

BASELINE = migrations.__file__.replace("__init__.py", "v0001_baseline.sql")


def run_sql(url: str, *statements: str, params: dict | None = None) -> list:
    engine = create_engine(to_url(url))
    try:
        with engine.begin() as conn:
            rows = []
            for statement in statements:
                result = conn.execute(text(statement), params or {})
                rows = result.fetchall() if result.returns_rows else rows
            return rows
    finally:
        engine.dispose()


def shape(url: str) -> dict[str, set[str]]:
    """Tables with their columns: what a migrated database must share with a fresh one."""
    engine = create_engine(to_url(url))
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            return {table: {c["name"] for c in inspector.get_columns(table)} for table in inspector.get_table_names()}
    finally:
        engine.dispose()


@pytest.fixture
def empty_pg(pg_server):
    """A new, empty database on the server (not yet a casetui one)."""
    url = pg_server.create()
    yield url
    pg_server.drop(url)


def test_a_plain_postgresql_url_creates_then_reopens_a_casetui_database(empty_pg):
    plain = empty_pg.replace("postgresql+psycopg://", "postgresql://")
    database = open_database(plain, worker="test-worker")
    assert database.dialect == "postgresql"
    assert database.schema_version() == migrations.SCHEMA_VERSION
    assert set(SQLModel.metadata.tables) <= set(shape(empty_pg))
    database.dispose()
    open_database(empty_pg).dispose()  # a second start finds it ready


def test_refuses_a_server_database_of_another_program(empty_pg):
    run_sql(empty_pg, "CREATE TABLE recipes (name TEXT)", "INSERT INTO recipes VALUES ('soup')")
    with pytest.raises(DatabaseError, match="not a casetui database"):
        open_database(empty_pg)
    assert set(shape(empty_pg)) == {"recipes"}


def test_refuses_a_database_from_a_newer_casetui(pg_url):
    newer = str(migrations.SCHEMA_VERSION + 1)
    run_sql(pg_url, "UPDATE casetui_meta SET value = :v WHERE key = 'schema_version'", params={"v": newer})
    with pytest.raises(DatabaseError, match="newer casetui"):
        open_database(pg_url)
    assert run_sql(pg_url, "SELECT value FROM casetui_meta WHERE key = 'schema_version'") == [(newer,)]


def test_an_unreachable_server_is_a_plain_error_without_the_password():
    with pytest.raises(DatabaseError) as caught:
        open_database("postgresql://casetui:s3cret-word@127.0.0.1:1/agency")
    assert "Could not open" in str(caught.value)
    assert "s3cret-word" not in str(caught.value)


def _baseline_for_postgresql() -> list[str]:
    """The version-1 schema as PostgreSQL spells it (the file is SQLite's dialect)."""
    sql = open(BASELINE).read()
    sql = re.sub(r"^--.*$", "", sql, flags=re.M).replace("DATETIME", "TIMESTAMP WITHOUT TIME ZONE")
    sql = re.sub(r"\bid INTEGER NOT NULL,", "id SERIAL NOT NULL,", sql)
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


def test_a_version_one_database_is_migrated_to_the_fresh_schema(empty_pg, pg_url):
    run_sql(
        empty_pg,
        *_baseline_for_postgresql(),
        "INSERT INTO casetui_meta VALUES ('application', 'casetui'), ('schema_version', '1')",
        "INSERT INTO client (first_name, last_name, interpreter_needed, veteran, populations, created_at,"
        " updated_at, version) VALUES ('Ada', 'Sampleton', false, false, '[]', now(), now(), 1)",
    )
    database = open_database(empty_pg)
    assert database.schema_version() == migrations.SCHEMA_VERSION
    database.dispose()
    assert shape(empty_pg) == shape(pg_url)  # pg_url: a fresh database built from the models
    assert run_sql(empty_pg, "SELECT last_name FROM client") == [("Sampleton",)]
    with pytest.raises(Exception, match="audit rows cannot be changed"):  # the v2 triggers are in place
        run_sql(
            empty_pg,
            "INSERT INTO audit_event (at, worker, action, entity, fields) "
            "VALUES (now(), 'w', 'create', 'client', '[]')",
            "DELETE FROM audit_event",
        )


def test_workers_starting_together_create_the_schema_once(empty_pg):
    errors: list[Exception] = []
    start = threading.Barrier(3)

    def start_casetui():
        start.wait()
        try:
            open_database(empty_pg).dispose()
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(exc)

    threads = [threading.Thread(target=start_casetui) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert run_sql(empty_pg, "SELECT value FROM casetui_meta WHERE key = 'schema_version'") == [
        (str(migrations.SCHEMA_VERSION),)
    ]


def test_datetimes_are_utc_whatever_the_server_time_zone(pg_url, today):
    name = make_url(pg_url).database
    run_sql(pg_url, f"ALTER DATABASE \"{name}\" SET timezone = 'America/Chicago'")
    database = open_database(pg_url, worker="test-worker")
    moment = datetime(2026, 1, 15, 12, 30, tzinfo=UTC)
    with database.transaction() as session:
        client = clients.create_client(session, {"first_name": "Tess", "last_name": "Zoneworth"}, today)
        client.created_at = moment
        session.add(client)
        session.commit()
        client_id = client.id
    with database.transaction() as session:
        stored = session.get(Client, client_id).created_at
    database.dispose()
    assert stored.replace(tzinfo=UTC) == moment


def test_audit_rows_cannot_be_changed_or_deleted(pg_url):
    run_sql(
        pg_url,
        "INSERT INTO audit_event (at, worker, action, entity, fields) VALUES (now(), 'w', 'create', 'client', '[]')",
    )
    for statement in ("UPDATE audit_event SET worker = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(Exception, match="audit rows cannot be changed or deleted"):
            run_sql(pg_url, statement)
    assert run_sql(pg_url, "SELECT count(*) FROM audit_event") == [(1,)]


def test_the_demo_caseload_and_services_work_on_postgresql(pg_url, today):
    """JSON lists, booleans, dates and case-insensitive name search, as on SQLite."""
    database = open_database(pg_url, worker="test-worker")
    with database.transaction() as session:
        demo.write_demo(session, today)
    with database.transaction() as session:
        some = session.exec(select(Client).order_by(Client.id)).first()
        assert isinstance(some.populations, list)
        found = clients.search_clients(session, some.last_name.upper()[:3])
        assert some.id in [c.id for c in found]
        with_categories = session.exec(select(Service).limit(20)).all()
        assert any(service.categories for service in with_categories)
        assert all(isinstance(service.categories, list) for service in with_categories)
        veterans = session.exec(select(Client).where(Client.veteran.is_(True))).all()
        assert all("veteran" in c.populations for c in veterans)
        client = clients.create_client(
            session, {"first_name": "Ola", "last_name": "Quayle", "veteran": True, "populations": ["veteran"]}, today
        )
        clients.update_client(session, client.id, {"household_size": "3"}, today, expected_version=client.version)
        assert session.exec(select(AuditEvent).where(AuditEvent.client_id == client.id)).all()[-1].fields == [
            "household_size"
        ]
    database.dispose()


SEARCHES = [
    ("food", {}),
    ("foo pan", {}),
    ("h", {}),
    ("ho", {}),
    ("housing help", {}),
    ("clinic", {}),
    ("counsel", {"age": 16}),
    ("", {"category": "food"}),
    ("", {"language": "Spanish"}),
    ("", {"language": "es"}),
    ("", {"gender": "woman"}),
    ("", {"place": "oak hollow"}),
    ("", {"place": "90010"}),
    ("", {"age": 70, "population": "older_adult"}),
    ("legal", {"category": "legal", "place": "Riverton"}),
    ("s", {"category": "safety", "gender": "woman"}),
    ("zzzqx", {}),
]


def test_directory_search_finds_on_postgresql_what_it_finds_on_sqlite(demo_path, pg_server, today):
    """The same demo directory, searched on both databases: the same services match."""
    from casetui.data.directory import resources

    demo_db = open_database(str(demo_path), worker="test-worker")
    server_url = pg_server.demo_database()
    server = open_database(server_url, worker="test-worker")
    try:
        with demo_db.transaction() as on_file, server.transaction() as on_server:
            assert demo_db.dialect == "sqlite" and server.dialect == "postgresql"
            for query, filters in SEARCHES:
                wanted = resources.SearchFilters(**filters)
                local = resources.search(on_file, query, wanted, today=today, limit=1000)
                remote = resources.search(on_server, query, wanted, today=today, limit=1000)
                assert {hit.id for hit in remote} == {hit.id for hit in local}, (query, filters)
                if query and len(query) > 3 and local:
                    assert remote[0].name.lower().startswith(query.split()[0]) or remote[0].score > 0
            name = on_file.exec(select(Service.name).order_by(Service.id)).first()
            assert resources.search(on_server, name, today=today)[0].name == name
    finally:
        demo_db.dispose()
        server.dispose()
        pg_server.drop(server_url)


def test_the_search_index_follows_directory_changes(pg_url, today):
    from casetui.data.directory import resources
    from casetui.data.storage.models import Location, Organization, ServiceAtLocation

    database = open_database(pg_url, worker="test-worker")
    with database.transaction() as session:
        session.add(Organization(id="org-1", name="Quillfeather Community Trust"))
        session.flush()
        session.add(
            Service(
                id="svc-1",
                organization_id="org-1",
                name="Warm Meals Kitchen",
                categories=["food"],
                description="Hot suppers on weekdays",
                genders=["woman"],
            )
        )
        session.add(Location(id="loc-1", organization_id="org-1", city="Larkspur Falls", postal_code="99001"))
        session.flush()
        session.add(ServiceAtLocation(id="sal-1", service_id="svc-1", location_id="loc-1"))
        session.commit()

        def ids(query, **filters):
            return [hit.id for hit in resources.search(session, query, resources.SearchFilters(**filters), today=today)]

        assert ids("warm mea") == ["svc-1"]
        assert ids("quillf") == ["svc-1"]  # by organization
        assert ids("supper") == ["svc-1"]  # by description
        assert ids("", place="larkspur falls") == ["svc-1"] == ids("", place="99001")
        assert ids("", gender="woman") == ["svc-1"] and ids("", gender="man") == []
        resources.update_service(session, "svc-1", {"name": "Evening Table"}, today)
        assert ids("warm") == [] and ids("evening tab") == ["svc-1"]
        session.get(Organization, "org-1").name = "Bramblegate Trust"
        session.get(Location, "loc-1").city = "Fernwick"
        session.commit()
        assert ids("quillf") == [] and ids("bramble") == ["svc-1"]
        assert ids("", place="fernwick") == ["svc-1"] and ids("", place="larkspur falls") == []
        session.delete(session.get(ServiceAtLocation, "sal-1"))
        session.commit()
        assert ids("", place="fernwick") == []
    database.dispose()


def test_an_hsds_directory_moves_between_databases_and_is_searchable(demo_path, pg_url, tmp_path, today):
    """Export the demo directory as HSDS from SQLite, import it on PostgreSQL, find the same."""
    from casetui.data.directory import hsds, resources

    package = tmp_path / "hsds"
    source = open_database(str(demo_path), worker="test-worker", create=False)
    with source.transaction() as session:
        for odd in session.exec(select(Service).where(Service.minimum_age > Service.maximum_age)):
            odd.maximum_age = None  # the importer refuses such rows (a few demo services have them)
        session.commit()
        exported = hsds.export_package(session, package)
        local = {hit.id for hit in resources.search(session, "counsel", today=today, limit=500)}
    source.dispose()
    server = open_database(pg_url, worker="test-worker")
    with server.transaction() as session:
        report = hsds.import_package(session, package, today)
        assert report.created["services"] == exported.get("services", report.created["services"]) > 0
    with server.transaction() as session:
        service = session.exec(select(Service).order_by(Service.id)).first()
        assert isinstance(service.languages, list) and isinstance(service.categories, list)
        remote = {hit.id for hit in resources.search(session, "counsel", today=today, limit=500)}
    server.dispose()
    assert remote and remote == local
