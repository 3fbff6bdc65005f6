"""Reading dates as case managers type them, without guessing.

ISO ``2026-03-04`` always works (year first is always year, month, day). A date with the year
last (``/``, ``.`` or ``-`` between the parts) is read by day and month: when only one of
month/day/year and day/month/year makes it a real date, that is the date, whatever the local
order; when both do and give different days (``03/04/2026``), it is refused with both readings
in words, the local order's first. So the local order (the ``date_order`` setting, "mdy" by
default: casetui's vocabulary is HUD HMIS, which is US) never changes which day is read; it
decides which reading is offered first and the examples shown. Two-digit years are refused.
"""

from __future__ import annotations

import re
from datetime import date

ORDERS = {"mdy": "month/day/year", "dmy": "day/month/year"}
DEFAULT_ORDER = "mdy"

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Three groups of ASCII digits joined by one kind of separator ("１２" and "٣" are not dates).
_PARTS = re.compile(r"([0-9]+)\s*([-/.])\s*([0-9]+)\s*\2\s*([0-9]+)", re.ASCII)


class DateProblem(ValueError):
    """Why a text is not read as a date, as a sentence for a case manager.

    ``kind``: "not_a_date", "no_such_date", "ambiguous" or "two_digit_year"; ``readings``: the
    dates an ambiguous text could be, the local order's first.
    """

    def __init__(self, kind: str, message: str, readings: tuple[date, ...] = ()):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.readings = readings


def check_order(order: str) -> str:
    if order not in ORDERS:
        raise ValueError(f"Unknown date order {order!r}: use one of {', '.join(ORDERS)}.")
    return order


def example(order: str = DEFAULT_ORDER) -> str:
    """31 March 2026 the way the order writes it."""
    return "31/03/2026" if check_order(order) == "dmy" else "03/31/2026"


def pattern(order: str = DEFAULT_ORDER) -> str:
    """What to type, e.g. for a placeholder: "MM/DD/YYYY or YYYY-MM-DD"."""
    local = "DD/MM/YYYY" if check_order(order) == "dmy" else "MM/DD/YYYY"
    return f"{local} or YYYY-MM-DD"


def in_words(day: date) -> str:
    """ "4 March 2026": the same for every reader, whichever order they write."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def describe(day: date) -> str:
    """A parsed date for display beside its field: "Wed 4 Mar 2026"."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _not_a_date(raw: str, order: str, kind: str = "not_a_date") -> DateProblem:
    return DateProblem(kind, f"'{raw}' is not a date. Use a date like 2026-03-31 or {example(order)}.")


def _no_such_day(raw: str, order: str, year: int, month: int, day: int) -> DateProblem:
    if 1 <= month <= 12 and year >= 1:
        return DateProblem("no_such_date", f"'{raw}' is not a date: {MONTHS[month - 1]} {year} has no day {day}.")
    return _not_a_date(raw, order, "no_such_date")


def parse(text: str, order: str = DEFAULT_ORDER) -> date:
    """The date ``text`` means, or DateProblem saying why it cannot be read."""
    check_order(order)
    raw = " ".join(str(text).split())
    match = _PARTS.fullmatch(raw)
    if match is None:
        # A long paste is not echoed whole into a one-line message.
        raise _not_a_date(raw if len(raw) <= 40 else f"{raw[:39]}…", order)
    first, separator, middle, last = match.groups()
    if len(first) == 4:  # year first: always year, month, day (nobody writes year, day, month)
        year, month, day = int(first), int(middle), int(last)
        found = _day(year, month, day)
        if found is None:
            raise _no_such_day(raw, order, year, month, day)
        return found
    if len(last) != 4:
        if len(last) == 2 and len(first) <= 2 and len(middle) <= 2:
            start = f"{first}{separator}{middle}{separator}"
            raise DateProblem(
                "two_digit_year",
                f"{raw} has a two-digit year: type all four digits, as in {start}19{last} or {start}20{last}.",
            )
        raise _not_a_date(raw, order)
    year, a, b = int(last), int(first), int(middle)
    month_first, day_first = _day(year, a, b), _day(year, b, a)  # month/day/year, day/month/year
    local, other = (day_first, month_first) if order == "dmy" else (month_first, day_first)
    if local is not None and other is not None and local != other:
        raise DateProblem(
            "ambiguous",
            f"{raw} could be {in_words(local)} or {in_words(other)}: "
            f"type it as {local.isoformat()} or {other.isoformat()}.",
            (local, other),
        )
    found = local or other
    if found is None:
        # Say what is wrong with the reading whose month exists (31/02/2026: February has no 31st).
        month, day = (b, a) if 1 <= b <= 12 and not 1 <= a <= 12 else (a, b)
        raise _no_such_day(raw, order, year, month, day)
    return found
