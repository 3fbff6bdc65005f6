"""Exporting the directory as HSDS 3.0 CSV files and a ``datapackage.json``."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select as sa_select
from sqlmodel import Session

from casetui.data.directory.hsds.mapping import CASETUI_TAXONOMY
from casetui.data.directory.resources import language_code, language_label
from casetui.data.domain import csv_safe, vocab
from casetui.data.domain.languages import is_language_tag
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import (
    Location,
    Organization,
    Phone,
    ResourceContact,
    Service,
    ServiceAtLocation,
)


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:200] or "term"


def _number(value) -> int | float | None:
    """An age as a number (18, not 18.0); numbers are written unquoted (see ``csv_safe``)."""
    if value is None:
        return None
    return int(value) if float(value) == int(value) else value


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
    """Write the directory as HSDS 3.0 CSV plus datapackage.json into the folder ``path``.

    Text cells are spreadsheet-safe: one ``'`` goes before text beginning with = + - @, a tab or a
    carriage return (``csv_safe``); the importer takes exactly that quote away again."""
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
                    "code": code if is_language_tag(code) else "",
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
                writer.writerow({k: csv_safe.cell(record.get(k)) for k in columns})
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
