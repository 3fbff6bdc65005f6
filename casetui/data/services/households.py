"""Households: the people a client lives with, each linked to their own record when they are a
client too. When members are recorded, the household size comes from them (the client and
each member); otherwise from the size typed on the client's details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from casetui.data.domain import validation as v
from casetui.data.domain import vocab
from casetui.data.domain.errors import NotFoundError, ValidationError
from casetui.data.services import clients
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import Client, HouseholdMember


@dataclass
class MemberRow:
    member: HouseholdMember
    relationship: str  # in words
    age: int | None
    linked_name: str | None  # the linked client's name, when they are a client


def _find_client(session: Session, name: str, born: date | None) -> int | None:
    """A client with this full name and date of birth (both must match: a name alone is not enough)."""
    if born is None:
        return None
    words = name.lower().split()
    if len(words) < 2:
        return None
    found = session.exec(
        select(Client.id).where(
            func.lower(Client.last_name) == words[-1],
            func.lower(Client.first_name) == words[0],
            Client.date_of_birth == born,
        )
    ).all()
    return found[0] if len(found) == 1 else None


def add_member(
    session: Session, client_id: int, *, name, relationship, date_of_birth=None, member_client_id=None, today: date
) -> HouseholdMember:
    """Someone the client lives with. ``member_client_id`` links their record; left blank, a client
    with the same name and date of birth is linked."""
    client = clients.get_client(session, client_id)
    clean = v.collect(
        ("name", lambda: v.text(name, "name", "Name", required=True, max_length=200)),
        ("relationship", lambda: v.choice(relationship, "relationship", "Relationship", vocab.HOUSEHOLD_RELATIONSHIPS)),
        (
            "date_of_birth",
            lambda: v.not_in_future(
                v.parse_date(date_of_birth, "date_of_birth", "Date of birth"), today, "date_of_birth", "Date of birth"
            ),
        ),
        (
            "member_client_id",
            lambda: v.parse_int(member_client_id, "member_client_id", "Client number", minimum=1),
        ),
    )
    linked = clean["member_client_id"]
    if linked is not None:
        if linked == client.id:
            raise ValidationError("member_client_id", "That is this client's own number.")
        if session.get(Client, linked) is None:
            raise ValidationError("member_client_id", f"There is no client number {linked}.")
    else:
        found = _find_client(session, clean["name"], clean["date_of_birth"])
        clean["member_client_id"] = found if found != client.id else None
    member = HouseholdMember(client_id=client.id, **clean)
    session.add(member)
    session.flush()
    audit.record(
        session,
        "create",
        "household_member",
        member.id,
        client_id=client.id,
        fields=[key for key, value in clean.items() if value is not None],
    )
    session.flush()
    return member


def remove_member(session: Session, member_id: int) -> None:
    """A member who no longer lives with the client (or was added by mistake)."""
    member = session.get(HouseholdMember, member_id)
    if member is None:
        raise NotFoundError("That household member is no longer recorded.")
    session.delete(member)
    audit.record(session, "delete", "household_member", member_id, client_id=member.client_id)
    session.flush()


def members(session: Session, client_id: int, today: date) -> list[MemberRow]:
    rows = list(
        session.exec(select(HouseholdMember).where(HouseholdMember.client_id == client_id).order_by(HouseholdMember.id))
    )
    linked_ids = [row.member_client_id for row in rows if row.member_client_id]
    names = {}
    if linked_ids:
        names = {c.id: c.sort_name for c in session.exec(select(Client).where(Client.id.in_(linked_ids)))}
    result = []
    for row in rows:
        dob = row.date_of_birth
        age = None if dob is None else today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
        result.append(
            MemberRow(
                row,
                vocab.HOUSEHOLD_RELATIONSHIPS.get(row.relationship, row.relationship),
                age,
                names.get(row.member_client_id),
            )
        )
    return result


def household_size(client: Client, rows: list[MemberRow]) -> int | None:
    """The client and each member when members are recorded; else the size typed on the client."""
    return 1 + len(rows) if rows else client.household_size
