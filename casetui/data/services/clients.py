"""Clients: create, update, find, and look for likely duplicates."""

from __future__ import annotations

from datetime import date
from difflib import SequenceMatcher

from sqlalchemy import func, or_
from sqlmodel import Session, select

from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import NotFoundError, ValidationError
from casetui.data.storage import audit_log as audit
from casetui.data.storage import concurrency
from casetui.data.storage.models import Case, Client, utcnow

# Field name -> (label, parser). Parsers take (raw value, field, label).
_TEXT_FIELDS = {
    "preferred_name": "Preferred name",
    "pronouns": "Pronouns",
    "language": "Preferred language",
    "address": "Address",
    "city": "City",
    "postal_code": "Postal code",
    "household_notes": "Household notes",
}


def clean_client_fields(data: dict, today: date, *, partial: bool = False) -> dict:
    """Validate raw form or import values; return typed values for the given keys.

    Raises one ValidationError listing every bad field.
    """
    checks = []

    def add(name, fn):
        if not partial or name in data:
            checks.append((name, fn))

    add("first_name", lambda: v.text(data.get("first_name"), "first_name", "First name", required=True, max_length=100))
    add("last_name", lambda: v.text(data.get("last_name"), "last_name", "Last name", required=True, max_length=100))
    for name, label in _TEXT_FIELDS.items():
        if name in data:
            checks.append(
                (
                    name,
                    lambda n=name, l=label: v.text(
                        data.get(n), n, l, max_length=2000 if n == "household_notes" else 200
                    ),
                )
            )
    if "date_of_birth" in data:

        def dob():
            value = v.parse_date(data.get("date_of_birth"), "date_of_birth", "Date of birth")
            if value and value > today:
                raise ValidationError("date_of_birth", "Date of birth cannot be in the future.")
            if value and value.year < today.year - 120:
                raise ValidationError("date_of_birth", "Date of birth is more than 120 years ago; check the year.")
            return value

        checks.append(("date_of_birth", dob))
    if "gender" in data:
        checks.append(
            ("gender", lambda: v.choice(data.get("gender") or None, "gender", "Gender", vocab.GENDERS, required=False))
        )
    if "phone" in data:
        checks.append(("phone", lambda: v.phone(data.get("phone"))))
    if "email" in data:
        checks.append(("email", lambda: v.email(data.get("email"))))
    if "household_size" in data:
        checks.append(
            (
                "household_size",
                lambda: v.parse_int(
                    data.get("household_size"), "household_size", "Household size", minimum=1, maximum=30
                ),
            )
        )
    if "populations" in data:
        checks.append(
            ("populations", lambda: v.choices(data.get("populations"), "populations", "Populations", vocab.POPULATIONS))
        )
    for flag in ("veteran", "interpreter_needed"):
        if flag in data:
            checks.append((flag, lambda f=flag: bool(data.get(f))))
    return v.collect(*checks)


def create_client(session: Session, data: dict, today: date) -> Client:
    values = clean_client_fields(data, today)
    client = Client(**values)
    if client.veteran and "veteran" not in client.populations:
        client.populations = [*client.populations, "veteran"]
    session.add(client)
    session.flush()
    audit.record(session, "create", "client", client.id, client_id=client.id, fields=values.keys())
    session.flush()
    return client


def update_client(
    session: Session, client_id: int, data: dict, today: date, *, expected_version: int | None = None
) -> Client:
    """Save changed fields. ``expected_version`` is the version the user was shown: if someone
    else saved the client since, a ConflictError is raised and nothing is written."""
    client = get_client(session, client_id)
    values = clean_client_fields(data, today, partial=True)
    changed = audit.changed_fields(client, values)
    if changed:
        concurrency.claim_version(session, client, expected_version, "client record")
        client.updated_at = utcnow()
        session.add(client)
        audit.record(session, "update", "client", client.id, client_id=client.id, fields=changed)
        session.flush()
    return client


def get_client(session: Session, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"There is no client number {client_id}.")
    return client


def record_opened(session: Session, client_id: int) -> None:
    """Audit that someone looked at a client's record."""
    audit.record(session, "open", "client", client_id, client_id=client_id)
    session.flush()


def search_clients(session: Session, term: str, *, limit: int = 20) -> list[Client]:
    """Clients whose first, preferred or last name starts with each word of ``term``."""
    query = select(Client)
    for word in term.lower().split():
        pattern = f"{word}%"
        query = query.where(
            or_(
                func.lower(Client.first_name).like(pattern),
                func.lower(Client.last_name).like(pattern),
                func.lower(Client.preferred_name).like(pattern),
            )
        )
    return list(session.exec(query.order_by(Client.last_name, Client.first_name).limit(limit)))


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a.lower(), b.lower()).ratio()


def possible_duplicates(
    session: Session, first_name: str, last_name: str, date_of_birth: date | None, *, threshold: float = 0.75
) -> list[Client]:
    """Existing clients with the same date of birth and a similar name, best match first."""
    if not date_of_birth:
        return []
    candidates = session.exec(select(Client).where(Client.date_of_birth == date_of_birth)).all()
    wanted = f"{first_name} {last_name}"
    scored = []
    for client in candidates:
        score = max(
            _similar(wanted, f"{client.first_name} {client.last_name}"),
            _similar(wanted, f"{client.preferred_name or ''} {client.last_name}"),
            _similar(last_name, client.last_name) * 0.9
            + (0.1 if first_name[:1].lower() == client.first_name[:1].lower() else 0),
        )
        if score >= threshold:
            scored.append((score, client))
    return [client for _score, client in sorted(scored, key=lambda pair: -pair[0])]


def cases_of(session: Session, client_id: int) -> list[Case]:
    return list(session.exec(select(Case).where(Case.client_id == client_id).order_by(Case.opened_on.desc())))


def age_on(client: Client, today: date) -> int | None:
    dob = client.date_of_birth
    if not dob:
        return None
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
