"""Importing a package: rows checked and shaped into directory records, upserted by id.

Rows are matched by id: a re-import updates what it names and leaves the rest. Every problem is
collected with its file and row; if there is any, ``HsdsImportError`` (carrying the report) is
raised and the caller's transaction rolls back, so a failed import changes nothing. References
to records that are neither in the package nor in the directory are dropped with a warning when
optional (a location's organization) and are errors when required (a service_at_location's
service).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path

from sqlalchemy import JSON, text
from sqlalchemy import select as sa_select
from sqlmodel import Session

from casetui.data.directory.hsds.checks import _Checker, _unique
from casetui.data.directory.hsds.csv_reader import _CsvTable
from casetui.data.directory.hsds.mapping import _GENDER_TERMS, CASETUI_TAXONOMY, map_term
from casetui.data.directory.hsds.reading import read_package
from casetui.data.directory.hsds.report import HsdsImportError, ImportProblem, ImportReport
from casetui.data.directory.hsds.rows import Row, _clean
from casetui.data.directory.resources import SERVICE_STATUSES, gender_code, language_code
from casetui.data.domain import hours, vocab
from casetui.data.storage import audit_log as audit
from casetui.data.storage import db_objects
from casetui.data.storage.models import (
    Location,
    Organization,
    Phone,
    ResourceContact,
    Service,
    ServiceAtLocation,
    utcnow,
)

BATCH = 2000
WEEKDAYS = {
    "1": "Mon",
    "2": "Tue",
    "3": "Wed",
    "4": "Thu",
    "5": "Fri",
    "6": "Sat",
    "7": "Sun",
    "MO": "Mon",
    "TU": "Tue",
    "WE": "Wed",
    "TH": "Thu",
    "FR": "Fri",
    "SA": "Sat",
    "SU": "Sun",
}


def _existing_ids(session: Session, model) -> set[str]:
    return set(session.execute(sa_select(model.__table__.c.id)).scalars())


class _Importer:
    def __init__(self, session: Session, report: ImportReport, tables: dict, today: date):
        self.session, self.report, self.tables, self.today = session, report, tables, today
        self.known: dict[str, set[str]] = {}
        self.json = not any(isinstance(rows, _CsvTable) for rows in tables.values())

    def rows(self, table: str):
        rows = self.tables.get(table, [])
        for row in rows:
            if "__error__" in row.values:
                self.report.errors.append(ImportProblem(row.file, row.number, row.values["__error__"]))
                continue
            yield row

    def reference(self, check: _Checker, name: str, table: str, *, required: bool = False):
        value = check.text(name, required=required)
        if value is None or value in self.known[table]:
            return value
        if required:
            check.error(f"{name} '{value}' is not in the package's {table} nor in the directory")
        else:
            check.warn(f"{name} '{value}' is not in the package's {table} nor in the directory; left empty")
        return None

    # -- per-service details gathered from the side tables --

    def service_details(self) -> dict[str, dict]:
        details: dict[str, dict] = defaultdict(lambda: defaultdict(list))
        terms: dict[str, dict] = {}
        for row in self.rows("taxonomy_terms"):
            term_id = _clean(row.values.get("id"))
            if term_id:
                terms[term_id] = row.values
        for row in self.rows("attributes"):
            values = row.values
            link_type = (_clean(values.get("link_entity")) or _clean(values.get("link_type")) or "service").lower()
            service_id = _clean(values.get("link_id"))
            if service_id is None or link_type not in ("service", "services", "link_entity", "link_type"):
                continue
            term_id = _clean(values.get("taxonomy_term_id"))
            term = terms.get(term_id or "")
            if term is None:
                self.report.warnings.append(
                    ImportProblem(
                        row.file,
                        row.number,
                        f"taxonomy term '{term_id}' is not in the package; attribute skipped",
                        _clean(values.get("id")),
                    )
                )
                continue
            details[service_id]["terms"].append(term)
        for row in self.rows("schedules"):
            service_id = _clean(row.values.get("service_id"))
            if service_id:
                details[service_id]["schedules"].append(_schedule_words(row.values))
                details[service_id]["openings"] += hours.from_hsds(row.values)
        for row in self.rows("service_areas"):
            service_id = _clean(row.values.get("service_id"))
            words = _clean(row.values.get("name")) or _clean(row.values.get("description"))
            if service_id and words:
                details[service_id]["areas"].append(words)
        for row in self.rows("languages"):
            service_id = _clean(row.values.get("service_id"))
            language = _clean(row.values.get("code")) or _clean(row.values.get("name"))
            if service_id and language:
                details[service_id]["languages"].append(language_code(language))
        for row in self.rows("eligibility"):
            service_id = _clean(row.values.get("service_id"))
            words = _clean(row.values.get("description"))
            if service_id and words and not _NO_RESTRICTION.match(words):
                details[service_id]["eligibility"].append(words)
        for row in self.rows("cost_options"):
            service_id = _clean(row.values.get("service_id"))
            if service_id:
                details[service_id]["costs"].append(_cost_words(row.values))
        for row in self.rows("required_documents"):
            service_id = _clean(row.values.get("service_id"))
            words = _clean(row.values.get("document"))
            if service_id and words:
                details[service_id]["documents"].append(words)
        return details

    def unique(self, table: str):
        """Rows with an id, each id once. JSON repeats nested objects: later copies fill the
        gaps of the first. A CSV file that repeats an id: the later row wins, with a warning."""
        known = self.known.get(table, set())  # so later tables can refer to these rows
        if self.json:
            rows = _unique(list(self.rows(table)), self.report)
            known.update(rows)
            yield from rows.values()
            return
        seen: dict[str, int | None] = {}
        for row in self.rows(table):
            row_id = _clean(row.values.get("id"))
            if row_id is None:
                self.report.errors.append(ImportProblem(row.file, row.number, "id is missing"))
                continue
            if len(row_id) > 250:
                self.report.errors.append(ImportProblem(row.file, row.number, "id is longer than 250 characters"))
                continue
            if row_id in seen:
                self.report.warnings.append(
                    ImportProblem(
                        row.file, row.number, f"repeats the id of row {seen[row_id]}; the later row is used", row_id
                    )
                )
            seen[row_id] = row.number
            known.add(row_id)
            yield row

    def run(self) -> None:
        existing = {
            "organizations": _existing_ids(self.session, Organization),
            "services": _existing_ids(self.session, Service),
            "locations": _existing_ids(self.session, Location),
            "service_at_location": _existing_ids(self.session, ServiceAtLocation),
            "phones": _existing_ids(self.session, Phone),
            "contacts": _existing_ids(self.session, ResourceContact),
        }
        # Parents are written before the rows that refer to them, so these fill up as they go.
        self.known = {table: set(existing[table]) for table in ("organizations", "services", "locations")}
        self.known_before, self.openings = existing["services"], {}
        addresses: dict[str, dict] = {}
        for row in self.rows("addresses"):
            location_id = _clean(row.values.get("location_id"))
            if location_id is None:
                continue
            kind = (_clean(row.values.get("address_type")) or "physical").lower()
            # A physical address wins over a postal one; the first of each kind is kept.
            if location_id not in addresses or (kind == "physical" and addresses[location_id]["_kind"] != "physical"):
                addresses[location_id] = {**row.values, "_kind": kind, "_row": row}
        self.write(
            "organizations", Organization, (self.organization(row) for row in self.unique("organizations")), existing
        )
        details = self.service_details()
        self.write(
            "services",
            Service,
            (self.service(row, details.get(_clean(row.values.get("id")), {})) for row in self.unique("services")),
            existing,
        )
        del details
        self.write(
            "locations",
            Location,
            (self.location(row, addresses.get(_clean(row.values.get("id")))) for row in self.unique("locations")),
            existing,
        )
        sal_links: dict[str, tuple] = {}
        keep_links = "service_at_location_id" in getattr(
            self.tables.get("phones"), "fields", {"service_at_location_id"}
        )

        def links():
            for row in self.unique("service_at_location"):
                record = self.service_at_location(row)
                if record is not None and keep_links:
                    sal_links[record["id"]] = (record["service_id"], record["location_id"])
                yield record

        self.write("service_at_location", ServiceAtLocation, links(), existing)
        if not self.report.errors:
            db_objects.write_schedules(self.session.connection(), self.openings)
        self.write("phones", Phone, (self.phone(row, sal_links) for row in self.unique("phones")), existing)
        self.write("contacts", ResourceContact, (self.contact(row) for row in self.unique("contacts")), existing)

    def write(self, table: str, model, records, existing: dict[str, set[str]]) -> None:
        """Upsert in batches; once anything is wrong, only check the rest (nothing will be kept)."""
        known = existing.get(table, set())
        created = updated = 0
        counted: set[str] = set()  # a CSV file that repeats an id writes it twice: count it once
        batch: list[dict] = []
        for record in records:
            if record is None:
                continue
            if record["id"] not in counted:
                counted.add(record["id"])
                if record["id"] in known:
                    updated += 1
                else:
                    created += 1
            if not self.report.errors:
                batch.append(record)
                if len(batch) >= BATCH:
                    _upsert(self.session, model, batch)
                    batch = []
        if batch and not self.report.errors:
            _upsert(self.session, model, batch)
        if created or updated:
            self.report.created[table], self.report.updated[table] = created, updated

    # -- one record per table --

    def organization(self, row: Row) -> dict | None:
        c = _Checker(self.report, row)
        values = dict(
            id=c.id,
            name=c.text("name", required=True),
            alternate_name=c.text("alternate_name"),
            description=c.text("description", None),
            email=c.text("email"),
            website=c.text("website", 500),
            tax_id=c.text("tax_id", 100),
            year_incorporated=c.number("year_incorporated", minimum=1000, maximum=3000, whole=True),
            legal_status=c.text("legal_status", 100),
        )
        return None if c.failed else values

    def service(self, row: Row, details: dict) -> dict | None:
        c = _Checker(self.report, row)
        values = dict(
            id=c.id,
            organization_id=self.reference(c, "organization_id", "organizations"),
            program_id=c.text("program_id"),
            name=c.text("name", required=True),
            alternate_name=c.text("alternate_name"),
            description=c.text("description", None),
            url=c.text("url", 500),
            email=c.text("email"),
            status=self.status(c),
            interpretation_services=c.text("interpretation_services", None),
            application_process=c.text("application_process", None),
            fees_description=c.text("fees_description", None),
            schedule_description=None,
            eligibility_description=c.text("eligibility_description", None),
            minimum_age=c.number("minimum_age", minimum=0, maximum=150),
            maximum_age=c.number("maximum_age", minimum=0, maximum=150),
            last_verified_on=c.day("assured_date"),
        )
        if (
            values["minimum_age"] is not None
            and values["maximum_age"] is not None
            and values["minimum_age"] > values["maximum_age"]
        ):
            c.error("minimum_age is above maximum_age")
        if values["last_verified_on"] and values["last_verified_on"] > self.today:
            c.warn(f"assured_date {values['last_verified_on'].isoformat()} is in the future; kept as given")
        schedules = [s for s in details.get("schedules", []) if s]
        values["schedule_description"] = "; ".join(dict.fromkeys(schedules)) or None
        # Hours as rows: the schedules' own fields, else what their words say.
        openings = details.get("openings") or hours.from_words(values["schedule_description"])
        if values["id"] and (openings or values["id"] in self.known_before):
            self.openings[values["id"]] = openings
        values["service_area"] = "; ".join(dict.fromkeys(details.get("areas", []))) or None
        values["languages"] = list(dict.fromkeys(details.get("languages", [])))
        extra_eligibility = details.get("eligibility", [])
        if extra_eligibility:
            values["eligibility_description"] = "; ".join(
                [values["eligibility_description"] or ""] + extra_eligibility
            ).strip("; ")
        if details.get("costs") and not values["fees_description"]:
            values["fees_description"] = "; ".join(details["costs"])
        if details.get("documents"):
            documents = "Documents to bring: " + "; ".join(details["documents"])
            values["application_process"] = (
                f"{values['application_process']}\n{documents}" if values["application_process"] else documents
            )
        categories, populations, genders, terms, exact = [], [], [], [], False
        for term in details.get("terms", []):
            taxonomy = (_clean(term.get("taxonomy")) or "").lower()
            code = _clean(term.get("code")) or ""
            name = _clean(term.get("name")) or code
            if taxonomy == CASETUI_TAXONOMY:
                exact = True
                kind, _, value = code.partition(":")
                target = {"category": categories, "population": populations, "gender": genders}.get(kind)
                if target is not None and value:
                    target.append(value)
                continue
            if name:
                terms.append(name)
        if not exact:
            for name_ in terms:
                domains, pops = map_term(name_)
                categories += domains
                populations += pops
                gender = _GENDER_TERMS.get(name_.strip().lower())
                if gender:
                    genders.append(gender)
            for words in extra_eligibility:
                populations += map_term(words)[1]
        bad = (
            [x for x in categories if x not in vocab.DOMAINS]
            + [x for x in populations if x not in vocab.POPULATIONS]
            + [x for x in genders if gender_code(x) is None]
        )
        if bad:
            c.error(f"unknown casetui category, population or gender: {', '.join(bad)}")
        values.update(
            categories=list(dict.fromkeys(categories)),
            populations=list(dict.fromkeys(populations)),
            genders=list(dict.fromkeys(genders)),
            taxonomy_terms=list(dict.fromkeys(terms)),
        )
        return None if c.failed else values

    def status(self, c: _Checker) -> str | None:
        value = c.text("status", None)
        if value is None:
            return "active"
        status = " ".join(value.lower().replace("_", " ").split())  # TEMPORARILY_CLOSED as HSDS 2 wrote it
        if status not in SERVICE_STATUSES:
            c.error(f"status '{value[:40]}' is not one of {', '.join(SERVICE_STATUSES)}")
            return None
        return status

    def location(self, row: Row, address: dict | None) -> dict | None:
        c = _Checker(self.report, row)
        values = dict(
            id=c.id,
            organization_id=self.reference(c, "organization_id", "organizations"),
            name=c.text("name"),
            description=c.text("description", None),
            latitude=c.number("latitude"),
            longitude=c.number("longitude"),
        )
        for name in ("address_1", "address_2", "city", "state_province", "postal_code", "country"):
            values[name] = None
        if address is not None:
            a = _Checker(self.report, address["_row"])
            values.update(
                address_1=a.text("address_1"),
                address_2=a.text("address_2"),
                city=a.text("city", 100),
                state_province=a.text("state_province", 100),
                postal_code=a.text("postal_code", 20),
            )
            country = a.text("country", None)
            if country and len(country) != 2:
                a.warn(f"country '{country}' is not a two-letter ISO code; left empty")
                country = None
            values["country"] = country.upper() if country else None
            c.failed = c.failed or a.failed
        else:
            # HSDS 2.x and older exports sometimes keep the address on the location itself.
            values.update(
                address_1=c.text("address_1"),
                city=c.text("city", 100),
                state_province=c.text("state_province", 100),
                postal_code=c.text("postal_code", 20),
            )
        return None if c.failed else values

    def service_at_location(self, row: Row) -> dict | None:
        c = _Checker(self.report, row)
        values = dict(
            id=c.id,
            service_id=self.reference(c, "service_id", "services", required=True),
            location_id=self.reference(c, "location_id", "locations", required=True),
            description=c.text("description", None),
        )
        return None if c.failed else values

    def phone(self, row: Row, sal_links: dict) -> dict | None:
        c = _Checker(self.report, row)
        service_id = self.reference(c, "service_id", "services")
        location_id = self.reference(c, "location_id", "locations")
        link = sal_links.get(_clean(row.values.get("service_at_location_id")))
        if link and not (service_id or location_id):
            service_id, location_id = link
        values = dict(
            id=c.id,
            organization_id=self.reference(c, "organization_id", "organizations"),
            service_id=service_id,
            location_id=location_id,
            number=c.text("number", 60, required=True, strip_quotes=True),
            extension=c.text("extension", 20),
            type=c.text("type", 30),
            description=c.text("description", None),
        )
        return None if c.failed else values

    def contact(self, row: Row) -> dict | None:
        c = _Checker(self.report, row)
        values = dict(
            id=c.id,
            organization_id=self.reference(c, "organization_id", "organizations"),
            service_id=self.reference(c, "service_id", "services"),
            name=c.text("name"),
            title=c.text("title"),
            department=c.text("department"),
            email=c.text("email"),
        )
        return None if c.failed else values


# An eligibility that says there is none ("None", "N/A", "Open to all") restricts no one.
_NO_RESTRICTION = re.compile(
    r"^\s*(none|n/?a|no restrictions?|open to (all|everyone|anyone)|everyone|all)\s*\.?\s*$", re.I
)


def _schedule_words(values: dict) -> str | None:
    description = _clean(values.get("description"))
    if description:
        return description
    days = _clean(values.get("byday")) or _clean(values.get("weekday")) or ""
    day_words = ", ".join(
        WEEKDAYS.get(d.strip().upper()[:2] if not d.strip().isdigit() else d.strip(), d.strip())
        for d in days.split(",")
        if d.strip()
    )
    opens, closes = _clean(values.get("opens_at")), _clean(values.get("closes_at"))
    hours = f"{opens[:5]}-{closes[:5]}" if opens and closes else ""
    return " ".join(part for part in (day_words, hours) if part) or None


def _cost_words(values: dict) -> str:
    option = _clean(values.get("option")) or ""
    amount = _clean(values.get("amount"))
    currency = (_clean(values.get("currency")) or "").upper()
    per = _clean(values.get("amount_description")) or ""
    money = f"{amount} {currency}".strip() if amount else ""
    return ": ".join(part for part in (option, " ".join(p for p in (money, per) if p)) if part)


def _cached_json(process):
    cache: dict[tuple, object] = {}

    def cached(value):
        if not isinstance(value, list):
            return process(value)
        key = tuple(value)
        if key not in cache:
            cache[key] = process(value) if len(cache) < 10_000 else None
        return cache[key] if cache[key] is not None else process(value)

    return cached


def _upsert(session: Session, model, records: list[dict]) -> None:
    """INSERT ... ON CONFLICT (id) DO UPDATE through the driver's executemany (SQLite and PostgreSQL)."""
    table = model.__table__
    conn = session.connection()
    dialect = conn.dialect
    columns = list(records[0])
    now = utcnow()
    if model is Service:
        columns += ["updated_at", "version"]
        records = [{**r, "updated_at": now, "version": 1} for r in records]
    # dialect_impl: the driver-level type (on psycopg, JSON values need its Json wrapper)
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    assignments = [f"{name} = excluded.{name}" for name in columns if name not in ("id", "version")]
    if model is Service:
        assignments.append(f"version = {table.name}.version + 1")
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT (id) DO UPDATE SET {', '.join(assignments)}"
    )
    for index, name in enumerate(columns):
        if isinstance(table.c[name].type, JSON) and processors[index] is not None:
            # Few distinct lists (language sets, categories): serialise each once.
            processors[index] = _cached_json(processors[index])
    processed = [(index, process) for index, process in enumerate(processors) if process is not None]
    rows = []
    for record in records:
        row = [record[name] for name in columns]
        for index, process in processed:
            if row[index] is not None:
                row[index] = process(row[index])
        rows.append(tuple(row))
    conn.exec_driver_sql(statement, rows)


def import_package(session: Session, path, today: date) -> ImportReport:
    """Import an HSDS package in one transaction; raise HsdsImportError (nothing changed) on any problem."""
    path = Path(path)
    report = ImportReport(source=str(path))
    tables = read_package(path, report)
    if not report.errors and not any(tables.get(t) for t in ("organizations", "services", "locations")):
        report.errors.append(ImportProblem(path.name, None, "holds no organizations, services or locations"))
    indexed = session.get_bind().dialect.name in ("sqlite", "postgresql")  # both have a search index
    if not report.errors:
        if indexed:  # one rebuild at the end instead of trigger work per row
            session.execute(
                text("INSERT INTO casetui_meta (key, value) VALUES (:k, '1')"), {"k": db_objects.SEARCH_PAUSED_KEY}
            )
        _Importer(session, report, tables, today).run()
    if report.errors:
        raise HsdsImportError(report)  # the caller's transaction rolls back: nothing changed
    if indexed:
        db_objects.rebuild_search_indexes(session)
        session.execute(text("DELETE FROM casetui_meta WHERE key = :k"), {"k": db_objects.SEARCH_PAUSED_KEY})
    audit.record(
        session,
        "create",
        "directory_import",
        None,
        fields=sorted(t for t in report.created if report.created[t] or report.updated[t]),
    )
    session.flush()
    return report
