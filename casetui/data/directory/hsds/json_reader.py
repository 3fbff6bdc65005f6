"""Reading HSDS JSON (``service_full``, ``organization_full``, ``service_at_location_full``
objects, a list of them, or a page with ``contents``) into flat tables of rows."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from casetui.data.directory.hsds.report import ImportProblem, ImportReport
from casetui.data.directory.hsds.rows import Row

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
    except RecursionError:  # the decoder stops about 1,000 levels down; HSDS nests a handful
        report.errors.append(ImportProblem(path.name, None, "is nested too deeply to be HSDS JSON"))
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
