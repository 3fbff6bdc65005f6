"""The provider list: the services a client was referred to or given, as a document to take home.

``provider_list_context`` gathers what the templates show (``templates/provider_list.md`` and
``.html``); ``render`` turns it into text and ``save`` writes it owner-only and logs it on the
case's documents. The discharge wizard reuses these for its linkage step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session

from casetui.data.directory import resources
from casetui.data.domain import pdf, vocab
from casetui.data.domain import templates as documents
from casetui.data.domain.errors import ValidationError
from casetui.data.services import cases, clients, referrals
from casetui.data.services import documents as case_documents
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import Location, Phone, Referral, Service

FORMATS = ("md", "html", "pdf")
DOCUMENT_KIND = "provider_list"


@dataclass
class ProviderEntry:
    """One service on the list, in words ready to print."""

    name: str
    organization: str
    addresses: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    url: str | None = None
    email: str | None = None
    hours: str | None = None
    fees: str | None = None
    how_to_apply: str | None = None
    eligibility: list[str] = field(default_factory=list)
    need: str | None = None
    referred_on: date | None = None
    follow_up_on: date | None = None
    note: str | None = None


def eligibility_notes(service: Service) -> list[str]:
    """The service's eligibility limits as short sentences (nothing when it is open to all)."""
    notes = []
    low, high = service.minimum_age, service.maximum_age
    if low is not None and high is not None:
        notes.append(f"Ages {low:g} to {high:g}.")
    elif low is not None:
        notes.append(f"Ages {low:g} and over.")
    elif high is not None:
        notes.append(f"Ages up to {high:g}.")
    if service.genders:
        notes.append("For " + ", ".join(vocab.GENDERS.get(g, g).lower() for g in service.genders) + ".")
    if service.populations:
        notes.append("Serves " + ", ".join(vocab.POPULATIONS.get(p, p).lower() for p in service.populations) + ".")
    if service.languages:
        notes.append("Languages: " + ", ".join(resources.language_label(x) for x in service.languages) + ".")
    if service.eligibility_description:
        notes.append(service.eligibility_description)
    return notes


def _address(location: Location) -> str:
    street = ", ".join(part for part in (location.address_1, location.address_2) if part)
    place = " ".join(part for part in (location.city, location.state_province, location.postal_code) if part)
    return ", ".join(part for part in (street, place) if part) or (location.name or "")


def _phone(phone: Phone) -> str:
    number = phone.number + (f" ext. {phone.extension}" if phone.extension else "")
    return f"{number} ({phone.description})" if phone.description else number


def service_entry(session: Session, service: Service) -> ProviderEntry:
    detail = resources.get_service(session, service.id)
    organization = detail.organization
    return ProviderEntry(
        name=service.name,
        organization=organization.name if organization else "",
        addresses=[a for a in dict.fromkeys(_address(loc) for loc in detail.locations) if a],
        phones=list(dict.fromkeys(_phone(p) for p in detail.phones)),
        url=service.url or (organization.website if organization else None),
        email=service.email or (organization.email if organization else None),
        hours=service.schedule_description,
        fees=service.fees_description,
        how_to_apply=service.application_process,
        eligibility=eligibility_notes(service),
        need=", ".join(vocab.DOMAINS.get(c, c) for c in service.categories) or None,
    )


def _referral_entry(session: Session, referral: Referral) -> ProviderEntry:
    service = session.get(Service, referral.service_id) if referral.service_id else None
    if service is not None:
        entry = service_entry(session, service)
    else:  # a provider outside the directory, or an entry removed since: the copied names
        entry = ProviderEntry(name=referral.service_name, organization=referral.provider_name)
    if referral.domain:
        entry.need = vocab.DOMAINS.get(referral.domain, referral.domain)
    entry.referred_on, entry.follow_up_on, entry.note = referral.referred_on, referral.follow_up_on, referral.note
    return entry


def provider_list_context(
    session: Session,
    case_id: int,
    referral_ids: Iterable[int] | None = None,
    *,
    service_ids: Iterable[str] = (),
    today: date,
    language: str | None = None,
) -> dict:
    """Template context for the case's provider list, in its frame (agency header, identifiers,
    signature lines) and in the client's language (``language`` chooses another).

    ``referral_ids`` None means the case's open referrals; ``service_ids`` adds directory
    services given to the client without a referral. Each service appears once.
    """
    case = cases.get_case(session, case_id)
    client = clients.get_client(session, case.client_id)
    all_referrals = referrals.list_referrals(session, case_id)
    if referral_ids is None:
        chosen = [r for r in all_referrals if referrals.is_open(r)]
    else:
        wanted = set(referral_ids)
        chosen = [r for r in all_referrals if r.id in wanted]
        if len(chosen) != len(wanted):
            raise ValidationError("referral_ids", "Some of those referrals do not belong to this case.")
    chosen.sort(key=lambda r: (r.referred_on, r.id))
    entries, seen = [], set()
    for referral in chosen:
        if referral.service_id and referral.service_id in seen:
            continue
        seen.add(referral.service_id)
        entries.append(_referral_entry(session, referral))
    for service_id in service_ids:
        if service_id in seen:
            continue
        service = session.get(Service, service_id)
        if service is None:
            raise ValidationError("service_ids", "A chosen service is no longer in the directory.")
        seen.add(service_id)
        entries.append(service_entry(session, service))
    lang = documents.document_language(language or client.language)
    return case_documents.framed_context(
        session,
        case_id,
        DOCUMENT_KIND,
        lang=lang,
        client_name=client.display_name,
        worker=audit.worker_of(session),
        program=case.program,
        today=today,
        entries=entries,
    )


def render(context: dict, fmt: str = "md") -> str | bytes:
    if fmt not in FORMATS:
        raise ValidationError("format", "Choose Markdown (md), HTML (html) or PDF (pdf).")
    lang = context.get("lang", "en")
    body = {key: value for key, value in context.items() if key != "lang"}
    if fmt == "pdf":
        words = documents.translations(lang)
        return pdf.render_pdf(
            documents.render_block("provider_list.html", "content", lang=lang, **body),
            {**context, "identifiers": [(words.gettext(label), value) for label, value in context["identifiers"]]},
            title=words.gettext("Services for %(name)s") % {"name": context["client_name"]},
            signers=[words.gettext(who) for who in context["signatures"]],
            labels=documents.pdf_labels(lang),
        )
    return documents.render(f"provider_list.{fmt}", lang=lang, **body)


def default_filename(case_id: int, today: date, fmt: str = "md") -> str:
    return f"provider-list-case{case_id}-{today:%Y-%m-%d}.{fmt}"


def save(
    session: Session,
    case_id: int,
    path: Path | str,
    *,
    today: date,
    referral_ids: Iterable[int] | None = None,
    service_ids: Iterable[str] = (),
    language: str | None = None,
) -> Path:
    """Render the list in the format the path's suffix names (.html, .pdf, else Markdown), write
    it owner-only and log it on the case's documents."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    fmt = "html" if suffix in (".html", ".htm") else "pdf" if suffix == ".pdf" else "md"
    context = provider_list_context(
        session, case_id, referral_ids, service_ids=service_ids, today=today, language=language
    )
    if not context["entries"]:
        raise ValidationError("entries", "There is nothing to list yet: refer the client or choose services first.")
    try:
        written = case_documents.save(render(context, fmt), path)
    except OSError as exc:
        raise ValidationError("path", f"Could not write {path}: {exc.strerror or exc}.") from None
    case_documents.record_document(
        session,
        case_id,
        kind=DOCUMENT_KIND,
        title=f"Provider list ({len(context['entries'])} services, {fmt.upper() if fmt != 'md' else 'Markdown'})",
        path=written,
        today=today,
    )
    return written
