"""Open Referral HSDS import and export for the resource directory.

``import_package(session, path, today) -> ImportReport`` reads a folder of HSDS CSV files
(3.0 names such as ``service_at_location.csv``, ``addresses.csv``, ``schedules.csv``,
``attributes.csv``, and the 2.x names ``services_at_location.csv``, ``physical_addresses.csv``,
``regular_schedules.csv``, ``eligibility.csv``, ``service_taxonomy.csv``,
``service_attributes.csv``...), a folder holding such a ``csv/`` folder, or HSDS JSON (3.0
``service_full`` / ``organization_full`` / ``service_at_location_full`` objects, a list of
them, or a page with ``contents``). Rows are matched by id: a re-import updates what it names
and leaves the rest. Every problem is collected with its file and row; if there is any, the
transaction is rolled back and ``HsdsImportError`` (carrying the report) is raised, so a failed
import changes nothing. References to records that are neither in the package nor in the
directory are dropped with a warning when optional (a location's organization) and are errors
when required (a service_at_location's service).

Taxonomy terms and attributes are kept as words in ``Service.taxonomy_terms`` (searchable) and
mapped onto ``vocab.DOMAINS`` (need categories) and ``vocab.POPULATIONS`` by keyword (HSDS
examples, Open Eligibility human services and situations, AIRS/211 top-level codes). Terms of
the ``casetui`` taxonomy, which the export writes, set categories, populations and genders
exactly, so that importing an export gives the same directory.

``export_package(session, path) -> dict[str, int]`` writes HSDS 3.0 CSV files and a
``datapackage.json`` into a folder (rows per file).
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import JSON, text
from sqlalchemy import select as sa_select
from sqlmodel import Session

from casetui.data.directory.resources import (
    LANGUAGES,
    gender_code,
    language_code,
    language_label,
)
from casetui.data.domain import vocab
from casetui.data.domain.errors import CasetuiError
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

CASETUI_TAXONOMY = "casetui"
BATCH = 2000

# HSDS file stems (3.0 first, then 2.x spellings) -> the table name used below.
FILE_TABLES = {
    "organizations": "organizations",
    "organization": "organizations",
    "services": "services",
    "service": "services",
    "locations": "locations",
    "location": "locations",
    "service_at_location": "service_at_location",
    "services_at_location": "service_at_location",
    "service_at_locations": "service_at_location",
    "phones": "phones",
    "phone": "phones",
    "contacts": "contacts",
    "contact": "contacts",
    "addresses": "addresses",
    "address": "addresses",
    "physical_addresses": "addresses",
    "physical_address": "addresses",
    "postal_addresses": "addresses",
    "postal_address": "addresses",
    "schedules": "schedules",
    "schedule": "schedules",
    "regular_schedules": "schedules",
    "regular_schedule": "schedules",
    "service_areas": "service_areas",
    "service_area": "service_areas",
    "languages": "languages",
    "language": "languages",
    "eligibility": "eligibility",
    "eligibilities": "eligibility",
    "taxonomy_terms": "taxonomy_terms",
    "taxonomy_term": "taxonomy_terms",
    "taxonomy": "taxonomy_terms",
    "attributes": "attributes",
    "attribute": "attributes",
    "service_attributes": "attributes",
    "service_taxonomy": "attributes",
    "cost_options": "cost_options",
    "cost_option": "cost_options",
    "required_documents": "required_documents",
    "required_document": "required_documents",
}
# 2.x field names -> 3.0 names, per table.
FIELD_ALIASES = {
    "organizations": {"url": "website"},
    "services": {"fees": "fees_description"},
    "languages": {"language": "name"},
    "attributes": {"taxonomy_id": "taxonomy_term_id", "service_id": "link_id"},
    "taxonomy_terms": {"vocabulary": "taxonomy"},
    "eligibility": {"eligibility": "description"},
    "service_areas": {"service_area": "name"},
}
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

# --- taxonomy mapping ---------------------------------------------------------------------------

_DOMAIN_WORDS: list[tuple[str, str]] = [
    ("mental_health", r"mental health|counsel+ing|therapy|psychiatr|behavio(u)?ral health|crisis"),
    ("substance_use", r"substance|addiction|alcohol|drug|detox|sober|recovery|harm reduction|opioid"),
    ("physical_health", r"(?<!mental )health|medical|dental|clinic|vision|hospital|primary care|prescription"),
    ("housing", r"housing|shelter|\brent|eviction|tenan|homeless"),
    ("food", r"food|meal|pantry|nutrition|grocer|\bsnap\b|\bwic\b"),
    ("income", r"money|income|benefit|financ|\btax|cash|public assistance|utilit"),
    ("employment", r"\bwork|employ|\bjob|career|vocation"),
    ("education", r"educat|literacy|school|tutor|\besl\b|\bged\b|learning|class"),
    ("legal", r"legal|\blaw|court|justice|immigration|expunge"),
    ("transportation", r"transit|transport|\bbus\b|\brides?\b"),
    ("childcare", r"child ?care|day ?care|preschool|after.school|early childhood"),
    ("safety", r"domestic violence|abuse|safety|protective|victim"),
    ("social_support", r"support group|social|companion|recreation|community centre|community center|peer support"),
]
_POPULATION_WORDS: list[tuple[str, str]] = [
    ("veteran", r"veteran|military"),
    ("youth", r"youth|teen|adolescent|young adult"),
    ("older_adult", r"senior|older adult|elder|aging|ageing"),
    ("refugee", r"refugee|immigrant|asylum|newcomer|undocumented"),
    ("lgbtq", r"lgbt|gay|lesbian|transgender|queer|bisexual"),
    ("disability", r"disab|deaf|blind|wheelchair"),
    ("homeless", r"homeless|unhoused|unsheltered"),
    ("domestic_violence", r"domestic violence|survivor|intimate partner"),
    ("reentry", r"re-?entry|incarcerat|ex-offender|parole|probation"),
    ("family", r"famil|parent|children"),
]
# AIRS / 211 LA taxonomy top-level codes.
_AIRS_CODES = [
    ("BD", "food"),
    ("BH", "housing"),
    ("BT", "transportation"),
    ("NL", "income"),
    ("ND", "employment"),
    ("RX", "substance_use"),
    ("RP", "mental_health"),
    ("RR", "mental_health"),
    ("F", "legal"),
    ("H", "education"),
    ("L", "physical_health"),
    ("R", "mental_health"),
]
_AIRS_CODE = re.compile(r"[A-Z]{1,2}(-[\d.]+)*")
_COMPILED_DOMAINS = [(code, re.compile(pattern, re.I)) for code, pattern in _DOMAIN_WORDS]
_COMPILED_POPULATIONS = [(code, re.compile(pattern, re.I)) for code, pattern in _POPULATION_WORDS]
_GENDER_TERMS = {
    "women": "woman",
    "woman": "woman",
    "female": "woman",
    "girls": "woman",
    "men": "man",
    "man": "man",
    "male": "man",
    "boys": "man",
}


@lru_cache(maxsize=4096)
def map_term(name: str, code: str = "") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Need categories and populations a taxonomy term points to."""
    airs = bool(code) and _AIRS_CODE.fullmatch(code) is not None
    words = name if airs else f"{name} {code or ''}"
    domains = [domain for domain, pattern in _COMPILED_DOMAINS if pattern.search(words)]
    populations = [population for population, pattern in _COMPILED_POPULATIONS if pattern.search(words)]
    if not domains and airs:
        for prefix, domain in _AIRS_CODES:
            if code.startswith(prefix):
                domains = [domain]
                break
    return tuple(domains), tuple(populations)


# --- report ----------------------------------------------------------------------------------


@dataclass
class ImportProblem:
    file: str
    row: int | None
    message: str
    record_id: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.record_id:
            where += f" (id {self.record_id})"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    source: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"Import failed: {len(self.errors)} problem(s); nothing was changed."
        parts = []
        for table in ("organizations", "services", "locations", "service_at_location", "phones", "contacts"):
            new, changed = self.created.get(table, 0), self.updated.get(table, 0)
            if new or changed:
                parts.append(f"{table.replace('_', ' ')} {new} new, {changed} updated")
        text_ = "Imported: " + ("; ".join(parts) if parts else "nothing")
        if self.warnings:
            text_ += f" ({len(self.warnings)} warning(s))"
        return text_ + "."

    def lines(self) -> list[str]:
        def order(problem: ImportProblem):
            return problem.file, problem.row or 0

        return [str(p) for p in sorted(self.errors, key=order)] + [
            f"warning: {p}" for p in sorted(self.warnings, key=order)
        ]


class HsdsImportError(CasetuiError):
    def __init__(self, report: ImportReport):
        self.report = report
        first = "; ".join(str(p) for p in report.errors[:3])
        more = f" (and {len(report.errors) - 3} more)" if len(report.errors) > 3 else ""
        super().__init__(f"{report.summary()} {first}{more}")


# --- reading a package into rows ---------------------------------------------------------------


@dataclass
class Row:
    file: str
    number: int | None
    values: dict


def _clean(value) -> str | None:
    if value.__class__ is str:  # the common case (every CSV value): keep it quick
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    value = str(value).strip()
    return value or None


class _CsvTable:
    """The rows of one table's CSV file(s), read lazily each time they are iterated."""

    def __init__(self):
        self.files: list[tuple[Path, list[str]]] = []

    def __iter__(self):
        for path, names in self.files:
            number = 0
            try:
                with open(path, newline="", encoding="utf-8-sig") as handle:
                    reader = csv.reader(handle)
                    next(reader, None)
                    width = len(names)
                    for number, record in enumerate(reader, start=1):
                        if not record:
                            continue
                        if len(record) > width and any(v.strip() for v in record[width:]):
                            yield Row(path.name, number, {"__error__": "has more values than the header has columns"})
                            continue
                        yield Row(path.name, number, dict(zip(names, record)))
            except UnicodeDecodeError:
                yield Row(path.name, None, {"__error__": "is not UTF-8 text; save it as UTF-8 CSV"})
            except csv.Error as exc:
                yield Row(path.name, number + 1, {"__error__": f"is not valid CSV ({exc})"})

    @property
    def fields(self) -> set[str]:
        return {name for _, names in self.files for name in names}


def _read_csv_folder(folder: Path, report: ImportReport) -> dict[str, _CsvTable]:
    tables: dict[str, _CsvTable] = defaultdict(_CsvTable)
    for path in sorted(folder.glob("*.csv")):
        table = FILE_TABLES.get(path.stem.lower())
        if table is None:
            report.ignored_files.append(path.name)
            continue
        aliases = FIELD_ALIASES.get(table, {})
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                header = next(csv.reader(handle), None)
        except UnicodeDecodeError:
            report.errors.append(ImportProblem(path.name, None, "is not UTF-8 text; save it as UTF-8 CSV"))
            continue
        except csv.Error as exc:
            report.errors.append(ImportProblem(path.name, None, f"is not valid CSV ({exc})"))
            continue
        raw = [f.strip().lower() for f in header or []]
        # A 2.x name counts only where the 3.0 one is absent (3.0 keeps e.g. both fees_description and fees).
        names = [aliases[f] if f in aliases and aliases[f] not in raw else f for f in raw]
        if "id" not in names:
            report.errors.append(ImportProblem(path.name, None, "has no 'id' column (is it an HSDS file?)"))
            continue
        tables[table].files.append((path, names))
    return tables


_SCALARS = (str, int, float, bool, type(None))


def _scalars(obj: dict, **extra) -> dict:
    values = {k: v for k, v in obj.items() if isinstance(v, _SCALARS)}
    values.update({k: v for k, v in extra.items() if v is not None})
    return values


class _JsonRows:
    """Flattens nested HSDS JSON objects into table rows, parents linked by id."""

    def __init__(self, file: str):
        self.file = file
        self.tables: dict[str, list[Row]] = defaultdict(list)
        self.item = 0

    def add(self, table: str, values: dict) -> None:
        self.tables[table].append(Row(self.file, self.item, values))

    def phones(self, items, **link) -> None:
        for phone in items or []:
            self.add("phones", _scalars(phone, **link))

    def contacts(self, items, **link) -> None:
        for contact in items or []:
            self.add("contacts", _scalars(contact, **link))
            self.phones(contact.get("phones"), **link)

    def schedules(self, items, **link) -> None:
        for schedule in items or []:
            self.add("schedules", _scalars(schedule, **link))

    def organization(self, org: dict) -> None:
        self.add("organizations", _scalars(org))
        self.phones(org.get("phones"), organization_id=org.get("id"))
        self.contacts(org.get("contacts"), organization_id=org.get("id"))
        for location in org.get("locations") or []:
            self.location(location, organization_id=org.get("id"))
        for service in org.get("services") or []:
            self.service(service, organization_id=org.get("id"))

    def location(self, location: dict, organization_id=None) -> None:
        self.add("locations", _scalars(location, organization_id=organization_id))
        for address in location.get("addresses") or []:
            self.add("addresses", _scalars(address, location_id=location.get("id")))
        self.phones(location.get("phones"), location_id=location.get("id"))

    def service(self, service: dict, organization_id=None) -> None:
        org = service.get("organization")
        if isinstance(org, dict) and org.get("id"):
            self.add("organizations", _scalars(org))
            organization_id = org["id"]
        service_id = service.get("id")
        program = service.get("program") if isinstance(service.get("program"), dict) else {}
        self.add("services", _scalars(service, organization_id=organization_id, program_id=program.get("id")))
        self.phones(service.get("phones"), service_id=service_id)
        self.contacts(service.get("contacts"), service_id=service_id)
        self.schedules(service.get("schedules"), service_id=service_id)
        for table, key in (
            ("service_areas", "service_areas"),
            ("languages", "languages"),
            ("cost_options", "cost_options"),
            ("required_documents", "required_documents"),
        ):
            for item in service.get(key) or []:
                self.add(table, _scalars(item, service_id=service_id))
        for attribute in service.get("attributes") or []:
            term = attribute.get("taxonomy_term") or {}
            if term.get("id"):
                detail = term.get("taxonomy_detail") or {}
                self.add("taxonomy_terms", _scalars(term, taxonomy=term.get("taxonomy") or detail.get("name")))
            self.add("attributes", _scalars(attribute, link_id=service_id, taxonomy_term_id=term.get("id")))
        for sal in service.get("service_at_locations") or []:
            location = sal.get("location") or {}
            if location.get("id"):
                self.location(location)
            self.add("service_at_location", _scalars(sal, service_id=service_id, location_id=location.get("id")))

    def service_at_location(self, sal: dict) -> None:
        service, location = sal.get("service") or {}, sal.get("location") or {}
        if service.get("id"):
            self.service(service)
        if location.get("id"):
            self.location(location)
        self.add("service_at_location", _scalars(sal, service_id=service.get("id"), location_id=location.get("id")))


def _read_json(path: Path, report: ImportReport) -> dict[str, list[Row]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.errors.append(ImportProblem(path.name, None, f"is not valid JSON ({exc})"))
        return {}
    items = data.get("contents") if isinstance(data, dict) and isinstance(data.get("contents"), list) else data
    items = items if isinstance(items, list) else [items]
    rows = _JsonRows(path.name)
    for number, item in enumerate(items, start=1):
        rows.item = number
        if not isinstance(item, dict):
            report.errors.append(ImportProblem(path.name, number, "is not an HSDS object"))
        elif (
            isinstance(item.get("service"), dict)
            or isinstance(item.get("location"), dict)
            and "service_at_locations" not in item
        ):
            rows.service_at_location(item)
        elif "services" in item or "legal_status" in item or "year_incorporated" in item:
            rows.organization(item)
        elif "service_at_locations" in item or "organization" in item or "eligibility_description" in item:
            rows.service(item)
        elif "location_type" in item or "addresses" in item or "latitude" in item:
            rows.location(item, organization_id=item.get("organization_id"))
        elif set(item) <= {
            "id",
            "name",
            "description",
            "uri",
            "version",
            "code",
            "parent_id",
            "taxonomy",
            "taxonomy_detail",
            "language",
            "term_uri",
            "taxonomy_id",
        }:
            continue  # taxonomy and taxonomy term lists carry no directory entries
        else:
            report.warnings.append(
                ImportProblem(
                    path.name, number, "is not a service, organization, location or service_at_location object; skipped"
                )
            )
    return rows.tables


def read_package(path: Path, report: ImportReport) -> dict:
    """Table name -> its rows (a list for JSON, a lazily read file for CSV)."""
    if path.is_file():
        if path.suffix.lower() == ".json":
            return _read_json(path, report)
        if path.suffix.lower() == ".csv":
            report.errors.append(
                ImportProblem(path.name, None, "name the folder that holds the HSDS CSV files, not one file")
            )
            return {}
        report.errors.append(ImportProblem(path.name, None, "is neither an HSDS folder of CSV files nor a JSON file"))
        return {}
    if not path.is_dir():
        report.errors.append(ImportProblem(str(path), None, "does not exist"))
        return {}
    folder = path if any(path.glob("*.csv")) else path / "csv" if any((path / "csv").glob("*.csv")) else None
    if folder is not None:
        return _read_csv_folder(folder, report)
    tables: dict[str, list[Row]] = defaultdict(list)
    json_files = sorted(path.glob("*.json"))
    for json_file in json_files:
        if json_file.name == "datapackage.json":
            continue
        for table, rows in _read_json(json_file, report).items():
            tables[table].extend(rows)
    if not json_files:
        report.errors.append(ImportProblem(str(path), None, "holds no HSDS CSV or JSON files"))
    return tables


# --- checking and shaping rows -------------------------------------------------------------------


class _Checker:
    def __init__(self, report: ImportReport, row: Row):
        self.report, self.row = report, row
        self.id = _clean(row.values.get("id"))
        self.failed = False

    def error(self, message: str) -> None:
        self.failed = True
        self.report.errors.append(ImportProblem(self.row.file, self.row.number, message, self.id))

    def warn(self, message: str) -> None:
        self.report.warnings.append(ImportProblem(self.row.file, self.row.number, message, self.id))

    def text(self, name: str, max_length: int | None = 250, *, required: bool = False, strip_quotes: bool = False):
        value = _clean(self.row.values.get(name))
        if value and strip_quotes:
            value = value.strip('"').strip() or None
        if value is None:
            if required:
                self.error(f"{name} is required")
            return None
        if max_length and len(value) > max_length:
            self.error(f"{name} is too long ({len(value)} characters; at most {max_length})")
            return None
        return value

    def number(self, name: str, *, minimum: float | None = None, maximum: float | None = None, whole: bool = False):
        value = _clean(self.row.values.get(name))
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            self.error(f"{name} '{value}' is not a number")
            return None
        if number != number or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.error(f"{name} {value} is out of range")
            return None
        if whole:
            if number != int(number):
                self.error(f"{name} '{value}' is not a whole number")
                return None
            return int(number)
        return number

    def day(self, name: str):
        value = _clean(self.row.values.get(name))
        if value is None:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            self.error(f"{name} '{value}' is not a date like 2026-03-31")
            return None


def _unique(rows: list[Row], report: ImportReport) -> dict[str, Row]:
    """Rows by id; later duplicates fill the gaps of earlier ones (JSON repeats nested objects)."""
    by_id: dict[str, Row] = {}
    for row in rows:
        row_id = _clean(row.values.get("id"))
        if row_id is None:
            report.errors.append(ImportProblem(row.file, row.number, "id is missing"))
            continue
        if len(row_id) > 250:
            report.errors.append(ImportProblem(row.file, row.number, "id is longer than 250 characters"))
            continue
        first = by_id.get(row_id)
        if first is None:
            by_id[row_id] = row
        elif first.file.endswith(".csv") and row.file == first.file:
            report.warnings.append(
                ImportProblem(row.file, row.number, f"repeats id of row {first.number}; the later row is used", row_id)
            )
            by_id[row_id] = row
        else:
            for key, value in row.values.items():
                if _clean(first.values.get(key)) is None and _clean(value) is not None:
                    first.values[key] = value
    return by_id


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
            if service_id and words:
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
        self.write("phones", Phone, (self.phone(row, sal_links) for row in self.unique("phones")), existing)
        self.write("contacts", ResourceContact, (self.contact(row) for row in self.unique("contacts")), existing)

    def write(self, table: str, model, records, existing: dict[str, set[str]]) -> None:
        """Upsert in batches; once anything is wrong, only check the rest (nothing will be kept)."""
        known = existing.get(table, set())
        created = updated = 0
        batch: list[dict] = []
        for record in records:
            if record is None:
                continue
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
            status=(c.text("status", 30) or "active").lower(),
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


# --- export ----------------------------------------------------------------------------------------


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:200] or "term"


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value) == int(value) else str(value)


EXPORT_FILES: dict[str, list[str]] = {
    "organizations": [
        "id",
        "name",
        "alternate_name",
        "description",
        "email",
        "website",
        "tax_id",
        "year_incorporated",
        "legal_status",
    ],
    "services": [
        "id",
        "organization_id",
        "program_id",
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "interpretation_services",
        "application_process",
        "fees_description",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
    ],
    "locations": ["id", "location_type", "organization_id", "name", "description", "latitude", "longitude"],
    "addresses": [
        "id",
        "location_id",
        "address_1",
        "address_2",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ],
    "service_at_location": ["id", "service_id", "location_id", "description"],
    "phones": ["id", "location_id", "service_id", "organization_id", "number", "extension", "type", "description"],
    "contacts": ["id", "organization_id", "service_id", "name", "title", "department", "email"],
    "schedules": ["id", "service_id", "description"],
    "service_areas": ["id", "service_id", "name"],
    "languages": ["id", "service_id", "name", "code"],
    "taxonomies": ["id", "name", "description", "uri", "version"],
    "taxonomy_terms": ["id", "code", "name", "description", "taxonomy", "taxonomy_id"],
    "attributes": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"],
}


def export_package(session: Session, path) -> dict[str, int]:
    """Write the directory as HSDS 3.0 CSV plus datapackage.json into the folder ``path``."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[dict]] = {name: [] for name in EXPORT_FILES}

    def plain(obj, names):
        return {n: getattr(obj, n) for n in names if hasattr(obj, n)}

    for org in session.exec(sa_select(Organization).order_by(Organization.id)).scalars():
        rows["organizations"].append(plain(org, EXPORT_FILES["organizations"]))
    terms: dict[str, dict] = {}

    def term_id(taxonomy: str, code: str, name: str) -> str:
        key = f"{taxonomy}-{_slug(code or name)}"
        terms.setdefault(
            key,
            {"id": key, "code": code, "name": name, "description": "", "taxonomy": taxonomy, "taxonomy_id": taxonomy},
        )
        return key

    for service in session.exec(sa_select(Service).order_by(Service.id)).scalars():
        record = plain(service, EXPORT_FILES["services"])
        record.update(
            minimum_age=_number(service.minimum_age),
            maximum_age=_number(service.maximum_age),
            assured_date=service.last_verified_on.isoformat() if service.last_verified_on else "",
        )
        rows["services"].append(record)
        if service.schedule_description:
            rows["schedules"].append(
                {"id": f"{service.id}-schedule", "service_id": service.id, "description": service.schedule_description}
            )
        if service.service_area:
            rows["service_areas"].append(
                {"id": f"{service.id}-area", "service_id": service.id, "name": service.service_area}
            )
        for number, language in enumerate(service.languages or [], start=1):
            code = language_code(language)
            rows["languages"].append(
                {
                    "id": f"{service.id}-language-{number}",
                    "service_id": service.id,
                    "name": language_label(code),
                    "code": code if code in LANGUAGES else "",
                }
            )
        links = [term_id("imported", "", name) for name in service.taxonomy_terms or []]
        for kind, values, labels in (
            ("category", service.categories, vocab.DOMAINS),
            ("population", service.populations, vocab.POPULATIONS),
            ("gender", service.genders, vocab.GENDERS),
        ):
            links += [term_id(CASETUI_TAXONOMY, f"{kind}:{value}", labels.get(value, value)) for value in values or []]
        for number, link in enumerate(links, start=1):
            rows["attributes"].append(
                {
                    "id": f"{service.id}-attribute-{number}",
                    "link_id": service.id,
                    "taxonomy_term_id": link,
                    "link_type": "service",
                    "link_entity": "service",
                    "value": "",
                }
            )
    rows["taxonomy_terms"] = sorted(terms.values(), key=lambda t: t["id"])
    rows["taxonomies"] = [
        {
            "id": CASETUI_TAXONOMY,
            "name": CASETUI_TAXONOMY,
            "description": "casetui need categories, populations served and genders",
            "uri": "",
            "version": "1",
        },
        {
            "id": "imported",
            "name": "imported",
            "description": "Terms carried over from imported directories",
            "uri": "",
            "version": "",
        },
    ]
    for location in session.exec(sa_select(Location).order_by(Location.id)).scalars():
        rows["locations"].append({**plain(location, EXPORT_FILES["locations"]), "location_type": "physical"})
        if any(
            getattr(location, n) for n in ("address_1", "address_2", "city", "state_province", "postal_code", "country")
        ):
            rows["addresses"].append(
                {
                    **plain(location, EXPORT_FILES["addresses"]),
                    "id": f"{location.id}-address",
                    "location_id": location.id,
                    "address_type": "physical",
                }
            )
    for name, model in (("service_at_location", ServiceAtLocation), ("phones", Phone), ("contacts", ResourceContact)):
        for obj in session.exec(sa_select(model).order_by(model.id)).scalars():
            rows[name].append(plain(obj, EXPORT_FILES[name]))
    counts = {}
    resources = []
    for name, columns in EXPORT_FILES.items():
        target = folder / f"{name}.csv"
        with open(target, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for record in rows[name]:
                writer.writerow({k: "" if record.get(k) is None else record.get(k) for k in columns})
        counts[name] = len(rows[name])
        resources.append(
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": [{"name": c, "type": "string"} for c in columns], "primaryKey": "id"},
            }
        )
    package = {
        "name": "casetui-resource-directory",
        "title": "Resource directory exported by casetui",
        "profile": "tabular-data-package",
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        "description": "Open Referral HSDS 3.0 tabular data package",
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
    audit.record(session, "export", "directory_export", None, fields=sorted(n for n, c in counts.items() if c))
    session.flush()
    return counts
