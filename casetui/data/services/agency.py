"""The agency profile: who the documents come from, what they show, who signs them.

Kept in the settings table (``services.settings``), one key per field, so no schema change is
needed and every change is audited as a setting. Record retention is the existing
``retention_years`` setting. Every document's frame (header, identifiers, footer, signature
lines) reads ``profile(session)``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sqlmodel import Session

from casetui.data.domain import templates as documents
from casetui.data.domain import validation as v
from casetui.data.domain.errors import ValidationError
from casetui.data.services import settings
from casetui.data.storage.models import Setting

DEFAULT_NOTICE = (
    "Confidential: this document holds personal information about a client. Share it only with "
    "people the client has agreed to, and keep it secure."
)

# Identifier code -> how it reads on a document. The client's name is always shown.
IDENTIFIERS: dict[str, str] = {
    "date_of_birth": "Date of birth",
    "case_number": "Case number",
    "client_number": "Client number",
}
DEFAULT_IDENTIFIERS = ("date_of_birth", "case_number")
PAPER_SIZES: dict[str, str] = {"letter": "Letter (8.5 × 11 in)", "a4": "A4 (210 × 297 mm)"}

KEYS = (
    "agency_name",
    "agency_program",
    "agency_address",
    "agency_phone",
    "agency_confidentiality_notice",
    "document_identifiers",
    "cosignature_required",
    "paper_size",
)


@dataclass
class AgencyProfile:
    name: str = ""
    program: str = ""
    address: str = ""
    phone: str = ""
    confidentiality_notice: str = DEFAULT_NOTICE
    identifiers: list[str] = field(default_factory=lambda: list(DEFAULT_IDENTIFIERS))
    cosignature_required: bool = False
    paper_size: str = "letter"
    retention_years: int = 7

    @property
    def is_set(self) -> bool:
        """The agency has been named (documents then carry a real header)."""
        return bool(self.name)


def _stored(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return row.value if row is not None else None


def profile(session: Session) -> AgencyProfile:
    """The profile as stored, with defaults for what was never set."""
    stored = {key: _stored(session, key) for key in KEYS}
    identifiers = stored["document_identifiers"]
    return AgencyProfile(
        name=stored["agency_name"] or "",
        program=stored["agency_program"] or "",
        address=stored["agency_address"] or "",
        phone=stored["agency_phone"] or "",
        confidentiality_notice=stored["agency_confidentiality_notice"] or DEFAULT_NOTICE,
        identifiers=(
            [code for code in identifiers.split(",") if code in IDENTIFIERS]
            if identifiers is not None
            else list(DEFAULT_IDENTIFIERS)
        ),
        cosignature_required=stored["cosignature_required"] == "yes",
        paper_size=stored["paper_size"] if stored["paper_size"] in PAPER_SIZES else "letter",
        retention_years=settings.get_int(session, "retention_years"),
    )


def save_profile(
    session: Session,
    *,
    name,
    program=None,
    address=None,
    phone=None,
    confidentiality_notice=None,
    identifiers=(),
    cosignature_required=False,
    paper_size="letter",
    retention_years=7,
) -> AgencyProfile:
    """Check every field (errors keyed by field), then store the ones that changed."""

    def retention():
        years = v.parse_int(retention_years, "retention_years", "Record retention (years)", required=True)
        if not 1 <= years <= 100:
            raise ValidationError("retention_years", "Record retention must be between 1 and 100 years.")
        return years

    def chosen_identifiers():
        unknown = [code for code in identifiers or () if code not in IDENTIFIERS]
        if unknown:
            raise ValidationError("identifiers", f"Unknown identifier: {', '.join(unknown)}.")
        return [code for code in IDENTIFIERS if code in (identifiers or ())]

    values = v.collect(
        ("name", lambda: v.text(name, "name", "Agency name", required=True, max_length=200)),
        ("program", lambda: v.text(program, "program", "Program", max_length=200)),
        ("address", lambda: v.text(address, "address", "Address", max_length=500)),
        ("phone", lambda: v.text(phone, "phone", "Phone", max_length=60)),
        (
            "confidentiality_notice",
            lambda: v.text(confidentiality_notice, "confidentiality_notice", "Confidentiality notice", max_length=2000),
        ),
        ("identifiers", chosen_identifiers),
        ("paper_size", lambda: v.choice(paper_size or None, "paper_size", "Paper size", PAPER_SIZES)),
        ("retention_years", retention),
    )
    stored = {
        "agency_name": values["name"],
        "agency_program": values["program"] or "",
        "agency_address": values["address"] or "",
        "agency_phone": values["phone"] or "",
        "agency_confidentiality_notice": values["confidentiality_notice"] or DEFAULT_NOTICE,
        "document_identifiers": ",".join(values["identifiers"]),
        "cosignature_required": "yes" if cosignature_required else "no",
        "paper_size": values["paper_size"],
        "retention_years": str(values["retention_years"]),
    }
    for key, value in stored.items():
        if _stored(session, key) != value:
            settings.set_value(session, key, value)
    return profile(session)


def frame(session: Session, *, client, case, lang: str = "en") -> dict:
    """What every document's frame shows: the agency header, the client's identifiers as the
    agency chose them, the footer notice, who signs, and the paper size."""
    agency = profile(session)
    if agency.confidentiality_notice == DEFAULT_NOTICE:  # the agency's own notice stays as written
        notice = documents.translations(lang).gettext(DEFAULT_NOTICE)
        agency = dataclasses.replace(agency, confidentiality_notice=notice)
    identifiers = [("Name", client.display_name)]
    for code in agency.identifiers:
        if code == "date_of_birth" and client.date_of_birth:
            identifiers.append((IDENTIFIERS[code], f"{client.date_of_birth:%Y-%m-%d}"))
        elif code == "case_number" and case is not None:
            identifiers.append((IDENTIFIERS[code], str(case.id)))
        elif code == "client_number":
            identifiers.append((IDENTIFIERS[code], str(client.id)))
    return {
        "agency": agency,
        "identifiers": identifiers,
        "cosign": agency.cosignature_required,
        "paper": agency.paper_size,
        "lang": lang,
    }
