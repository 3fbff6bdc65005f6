"""Households: members linked to their own records, the size from them (both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from casetui.data.domain.errors import ValidationError
from casetui.data.services import cases, client_record, clients, households
from casetui.data.storage.models import AuditEvent, HouseholdMember


def test_members_are_linked_counted_and_audited(session, today):
    mother = clients.create_client(session, {"first_name": "Nell", "last_name": "Brackett"}, today)
    cases.open_case(session, mother.id, today)
    son = clients.create_client(
        session, {"first_name": "Rory", "last_name": "Brackett", "date_of_birth": "2010-05-04"}, today
    )
    assert client_record.client_record(session, mother.id, today).household_size is None
    found = households.add_member(
        session, mother.id, name="Rory Brackett", relationship="child", date_of_birth="2010-05-04", today=today
    )
    assert found.member_client_id == son.id  # same name and date of birth: his record is linked
    households.add_member(session, mother.id, name="Sam Brackett", relationship="partner", today=today)
    record = client_record.client_record(session, mother.id, today)
    assert record.household_size == 3
    assert [(row.relationship, row.linked_name) for row in record.household] == [
        ("Child", "Brackett, Rory"),
        ("Spouse or partner", None),
    ]
    assert record.household[0].age == 15
    event = session.exec(select(AuditEvent).where(AuditEvent.entity == "household_member")).first()
    assert "name" in event.fields and "Rory" not in " ".join(event.fields)
    households.remove_member(session, found.id)
    assert client_record.client_record(session, mother.id, today).household_size == 2


def test_bad_members_are_refused_beside_their_fields(session, today):
    client = clients.create_client(session, {"first_name": "Nell", "last_name": "Brackett"}, today)
    with pytest.raises(ValidationError) as info:
        households.add_member(
            session,
            client.id,
            name=" ",
            relationship="cousin twice removed",
            date_of_birth=(today + timedelta(days=1)).isoformat(),
            today=today,
        )
    assert set(info.value.errors) == {"name", "relationship", "date_of_birth"}
    with pytest.raises(ValidationError, match="There is no client number 999"):
        households.add_member(session, client.id, name="A B", relationship="child", member_client_id="999", today=today)
    with pytest.raises(ValidationError, match="own number"):
        households.add_member(
            session, client.id, name="A B", relationship="child", member_client_id=str(client.id), today=today
        )
    assert session.exec(select(HouseholdMember)).all() == []
    assert date(2010, 5, 4) < today
