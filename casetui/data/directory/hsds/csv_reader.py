"""Reading a folder of HSDS CSV files (3.0 and 2.x names) into tables of rows, read lazily.

A cell such as ``'=SUM(A1)`` is read as ``=SUM(A1)``: exactly one leading quote before = + - @,
a tab or a carriage return is the one a spreadsheet-safe export adds (``csv_safe``)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from casetui.data.directory.hsds.report import ImportProblem, ImportReport
from casetui.data.directory.hsds.rows import Row
from casetui.data.domain.csv_safe import uncell

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
                        if "'" in "".join(record):  # a quote a spreadsheet-safe export added (csv_safe)
                            record = [uncell(value) for value in record]
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
