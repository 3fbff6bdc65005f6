"""The settings the interface changes: each checked, stored, read back, audited without its value."""

from __future__ import annotations

import pytest
from sqlmodel import select

from casetui.data.domain.errors import ValidationError
from casetui.data.services import lock, settings, settings_list
from casetui.data.storage.models import AuditEvent


def test_values_read_back_as_changed_and_bad_ones_are_refused(database):
    with database.transaction() as session:
        values = settings_list.read_values(session, encrypted=False)
        assert values.agency_name == "" and values.date_order == "mdy"
        assert values.lock.describe(False) == "not chosen yet"
        assert values.numbers == {
            "no_contact_days": 30,
            "review_interval_days": 90,
            "consent_warning_days": 30,
            "retention_years": 7,
            "backup_count": 7,
        }
    with database.transaction() as session:
        settings_list.set_agency_name(session, "  Harbor   House  ")
        settings_list.set_number(session, "backup_count", " 14 ")
        settings_list.set_date_order(session, "dmy")
        lock.set_lock_secret(session, "2468")
    for key, bad in [
        ("backup_count", "0"),
        ("backup_count", "366"),
        ("retention_years", "seven"),
        ("no_contact_days", "-1"),
    ]:
        with pytest.raises(ValidationError) as refused, database.transaction() as session:
            settings_list.set_number(session, key, bad)
        assert list(refused.value.errors) == [key] and "whole number from" in refused.value.errors[key]
    for bad in ("", "   ", "x" * 121, "tab\x07"):
        with pytest.raises(ValidationError), database.transaction() as session:
            settings_list.set_agency_name(session, bad)
    with database.transaction() as session:
        values = settings_list.read_values(session, encrypted=False)
        assert values.agency_name == "Harbor House" and values.date_order == "dmy"
        assert values.numbers["backup_count"] == 14 == settings.get_int(session, "backup_count")
        assert values.lock.describe(False) == "on: after 10 idle minutes, your PIN unlocks"
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "setting")).all()
        assert {event.entity_id for event in events} >= {"agency_name", "backup_count", "date_order"}
        assert not any("Harbor" in str(event.fields) for event in events)
