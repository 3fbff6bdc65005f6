"""The first run's and the settings screen's reads and writes: each setting the worker can change
from the interface, with its label, what it does, and the check its new value must pass."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from casetui.data.domain import dates
from casetui.data.domain.errors import ValidationError
from casetui.data.services import lock, settings

AGENCY_NAME = "agency_name"
MAX_AGENCY_NAME = 120


@dataclass(frozen=True)
class NumberSetting:
    key: str
    label: str
    purpose: str
    unit: str
    lowest: int
    highest: int


# The numbers a worker may change, in the order the settings screen lists them.
NUMBERS: tuple[NumberSetting, ...] = (
    NumberSetting(
        "no_contact_days",
        "No-contact days",
        "A case with no contact for longer is flagged on the caseload",
        "days",
        1,
        365,
    ),
    NumberSetting(
        "review_interval_days", "Review interval", "The next review is set this long after a case opens", "days", 7, 730
    ),
    NumberSetting(
        "consent_warning_days", "Consent warning", "Consents ending within this many days show as due", "days", 1, 365
    ),
    NumberSetting("retention_years", "Retention", "Closed cases are kept read-only this long", "years", 1, 100),
    NumberSetting(
        "backup_count", "Backups kept", "Daily automatic backups kept in the backups folder", "backups", 1, 365
    ),
)
NUMBER_KEYS = {number.key: number for number in NUMBERS}


def agency_name(session: Session) -> str:
    """The agency's name, or "" before anyone has given it."""
    try:
        return settings.get(session, AGENCY_NAME)
    except KeyError:
        return ""


def set_agency_name(session: Session, name: str) -> None:
    name = " ".join(str(name).split())
    if not name:
        raise ValidationError(AGENCY_NAME, "Type the agency's name: documents and summaries carry it.")
    if len(name) > MAX_AGENCY_NAME:
        raise ValidationError(AGENCY_NAME, f"The agency's name can be at most {MAX_AGENCY_NAME} characters.")
    if not name.isprintable():
        raise ValidationError(AGENCY_NAME, "The agency's name cannot hold control characters.")
    settings.set_value(session, AGENCY_NAME, name)


def set_date_order(session: Session, order: str) -> None:
    settings.set_value(session, "date_order", order)


def set_number(session: Session, key: str, value: str) -> None:
    """One of ``NUMBERS``, checked against its range (ValidationError on ``key``)."""
    number = NUMBER_KEYS[key]
    text = str(value).strip()
    if not text.isdigit() or not number.lowest <= int(text) <= number.highest:
        raise ValidationError(
            key, f"{number.label} must be a whole number from {number.lowest} to {number.highest} {number.unit}."
        )
    settings.set_value(session, key, str(int(text)))


@dataclass(frozen=True)
class LockState:
    minutes: int  # 0: never locks
    can_unlock: bool  # a PIN chosen, or an encrypted file's passphrase
    chosen: bool  # the first run's choice made (a PIN, or the lock turned off)

    def describe(self, encrypted: bool) -> str:
        if not self.chosen:
            return "not chosen yet"
        if not self.minutes or not self.can_unlock:
            return "off"
        unlocks = "the database passphrase" if encrypted else "your PIN"
        return f"on: after {self.minutes} idle minutes, {unlocks} unlocks"


@dataclass(frozen=True)
class Values:
    agency_name: str
    date_order: str
    lock: LockState
    numbers: dict[str, int]


def read_values(session: Session, encrypted: bool) -> Values:
    return Values(
        agency_name=agency_name(session),
        date_order=settings.date_order(session),
        lock=LockState(
            minutes=settings.get_int(session, "idle_lock_minutes"),
            can_unlock=encrypted or lock.has_lock_secret(session),
            chosen=not lock.needs_lock_choice(session, encrypted),
        ),
        numbers={number.key: settings.get_int(session, number.key) for number in NUMBERS},
    )


def date_order_choices() -> list[tuple[str, str]]:
    """(what the worker reads, the stored code) for each order, with an example date."""
    return [(f"{words} ({dates.example(code)})", code) for code, words in dates.ORDERS.items()]
