"""Parsing and checking of user input, shared by services (and by forms for inline errors).

Each function takes the raw value and the field's name, and returns a clean value or raises
``ValidationError`` naming the field, in words a case manager understands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from casetui.data.domain import dates
from casetui.data.domain.errors import ValidationError


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value, field: str, label: str, *, required: bool = False, max_length: int | None = None) -> str | None:
    if _blank(value):
        if required:
            raise ValidationError(field, f"{label} is required.")
        return None
    value = str(value).strip()
    if max_length and len(value) > max_length:
        raise ValidationError(field, f"{label} is too long: at most {max_length} characters.")
    return value


def parse_date(
    value, field: str, label: str, *, required: bool = False, order: str = dates.DEFAULT_ORDER
) -> date | None:
    """A date from a date, ISO text or text in day and month order (``dates.parse``: a date
    both orders read differently is refused). ``order`` (the ``date_order`` setting) only
    decides which reading an error offers first and its example: it never changes the date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if _blank(value):
        if required:
            raise ValidationError(field, f"{label} is required. Use a date like 2026-03-31 or {dates.example(order)}.")
        return None
    try:
        return dates.parse(str(value), order)
    except dates.DateProblem as problem:
        raise ValidationError(field, f"{label}: {problem.message}") from None


def parse_int(
    value, field: str, label: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    if _blank(value):
        if required:
            raise ValidationError(field, f"{label} is required.")
        return None
    if isinstance(value, bool):
        raise ValidationError(field, f"{label} must be a whole number.")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"{label} must be a whole number.") from None
    _check_range(number, field, label, minimum, maximum)
    return number


def parse_float(
    value, field: str, label: str, *, required: bool = False, minimum: float | None = None, maximum: float | None = None
) -> float | None:
    if _blank(value):
        if required:
            raise ValidationError(field, f"{label} is required.")
        return None
    if isinstance(value, bool):
        raise ValidationError(field, f"{label} must be a number.")
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        raise ValidationError(field, f"{label} must be a number.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(field, f"{label} must be a number.")
    _check_range(number, field, label, minimum, maximum)
    return number


def _check_range(number, field, label, minimum, maximum) -> None:
    if minimum is not None and number < minimum:
        raise ValidationError(field, f"{label} must be at least {minimum}.")
    if maximum is not None and number > maximum:
        raise ValidationError(field, f"{label} must be at most {maximum}.")


def choice(value, field: str, label: str, options: Iterable, *, required: bool = True):
    options = list(options)
    if _blank(value):
        if required:
            raise ValidationError(field, f"{label} is required.")
        return None
    if value not in options:
        raise ValidationError(field, f"{label} must be one of: {', '.join(map(str, options))}.")
    return value


def choices(values, field: str, label: str, options: Iterable) -> list:
    options = list(options)
    if values is not None and not isinstance(values, (list, tuple, set, frozenset)):
        raise ValidationError(field, f"{label}: choose from the list.")
    values = list(values or [])
    unknown = [v for v in values if v not in options]
    if unknown:
        raise ValidationError(field, f"{label}: unknown value {', '.join(map(str, unknown))}.")
    return values


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\-.\s x]{5,40}$")


def email(value, field: str = "email", label: str = "Email") -> str | None:
    value = text(value, field, label, max_length=200)
    if value and not _EMAIL.match(value):
        raise ValidationError(field, f"{label} '{value}' does not look like an email address.")
    return value


def phone(value, field: str = "phone", label: str = "Phone") -> str | None:
    value = text(value, field, label, max_length=40)
    if value and not _PHONE.match(value):
        raise ValidationError(field, f"{label} may hold digits, spaces, + ( ) - . and x only.")
    return value


def not_in_future(value: date | None, today: date, field: str, label: str) -> date | None:
    if value and value > today:
        raise ValidationError(field, f"{label} cannot be in the future.")
    return value


def collect(*checks) -> dict:
    """Run several zero-argument checks and raise one ValidationError listing every failure."""
    errors: dict[str, str] = {}
    results = {}
    for name, check in checks:
        try:
            results[name] = check()
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return results
