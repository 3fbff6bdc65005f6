"""Agency settings stored with the data, with defaults."""

from __future__ import annotations

from sqlmodel import Session

from casetui.data.domain import dates
from casetui.data.domain.errors import ValidationError
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import Setting

DEFAULTS: dict[str, str] = {
    "no_contact_days": "30",  # a case with no contact for longer shows on the caseload
    "retention_years": "7",  # closed cases are kept read-only this long
    "consent_warning_days": "30",  # consents expiring within this window show as due
    "review_interval_days": "90",  # next review date set when a case opens
    "backup_count": "7",  # automatic backups kept
    "idle_lock_minutes": "10",  # 0: never lock (chosen on the first run, with a warning)
    "date_order": dates.DEFAULT_ORDER,
    "default_note_format": "narrative",  # vocab.NOTE_FORMATS: what a new note starts as  # how 03/31/2026 is written here: "mdy" (US, HUD HMIS) or "dmy"
}


def get(session: Session, key: str) -> str:
    row = session.get(Setting, key)
    if row is not None:
        return row.value
    if key not in DEFAULTS:
        raise KeyError(key)
    return DEFAULTS[key]


def get_int(session: Session, key: str) -> int:
    return int(get(session, key))


def date_order(session: Session) -> str:
    """The local order of day and month; a stored value casetui does not know reads as the default."""
    order = get(session, "date_order")
    return order if order in dates.ORDERS else dates.DEFAULT_ORDER


def set_value(session: Session, key: str, value: str) -> None:
    if key in DEFAULTS and DEFAULTS[key].isdigit():
        if not str(value).strip().isdigit():
            raise ValidationError(key, f"{key.replace('_', ' ').capitalize()} must be a whole number.")
    if key == "date_order" and str(value).strip() not in dates.ORDERS:
        choices = " or ".join(f"{code} ({words})" for code, words in dates.ORDERS.items())
        raise ValidationError(key, f"Date order must be {choices}.")
    row = session.get(Setting, key) or Setting(key=key, value=str(value))
    row.value = str(value).strip()
    session.add(row)
    audit.record(session, "update", "setting", key, fields=["value"])
    session.flush()
