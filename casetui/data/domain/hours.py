"""Opening hours as data: HSDS schedules (and the words directories write) as weekly openings.

An ``Opening`` is one weekday's hours: ``weekday`` 1 (Monday) to 7 (Sunday), ``opens``/``closes``
as "HH:MM" ("24:00" closes at midnight), and the dates it is valid between (either open).
``from_hsds(values)`` reads an HSDS 3.0 ``schedules`` row (RRULE-style ``freq``/``byday``, or
HSDS 2's ``weekday``) and ``from_words(text)`` phrases such as "Mon-Fri 9:00-17:00; Sat 10am-2pm"
or "24/7". What neither can read yields no openings: the words are still shown as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RRULE_DAYS = {"MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6, "SU": 7}
_WORD_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}  # by their first three letters


@dataclass(frozen=True)
class Opening:
    weekday: int
    opens: str
    closes: str
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


def _time(value) -> str | None:
    """ "9:00", "09:00:00", "9am", "5.30pm", "17" -> "HH:MM"; None when it is not a time."""
    match = re.fullmatch(r"\s*(\d{1,2})(?:[:.](\d{2}))?(?::\d{2})?\s*(am|pm|a\.m\.|p\.m\.)?\s*", str(value or ""), re.I)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()[:1]
    if half == "p" and hour < 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    return f"{hour:02d}:{minute:02d}"


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def from_hsds(values: dict) -> list[Opening]:
    """An HSDS schedules row (3.0 ``byday``/``freq``, 2.x ``weekday``) as openings; [] when the
    row is not a weekly or daily one with both times."""
    opens, closes = _time(values.get("opens_at")), _time(values.get("closes_at"))
    if not opens or not closes:
        return []
    freq = str(values.get("freq") or "").strip().upper()
    if freq not in ("", "WEEKLY", "DAILY"):
        return []  # monthly or yearly rules: the description says it in words
    days: list[int] = []
    for part in re.split(r"[,\s]+", str(values.get("byday") or "").upper()):
        code = part[-2:]
        if code in _RRULE_DAYS and not part[:-2].strip("+-0123456789"):
            if part[:-2]:  # "1MO": the first Monday of a month, not every week
                return []
            days.append(_RRULE_DAYS[code])
    weekday = str(values.get("weekday") or "").strip()
    if not days and weekday:
        number = int(weekday) if weekday.isdigit() else _WORD_DAYS.get(weekday[:3].lower())
        if number and 1 <= number <= 7:
            days = [number]
    if not days and freq == "DAILY":
        days = list(range(1, 8))
    start, end = _day(values.get("valid_from")), _day(values.get("valid_to"))
    return [Opening(day, opens, closes, start, end) for day in dict.fromkeys(days)]


_DAY = r"(mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)[a-z]*\.?"
_TIME = r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?"
_SPAN = re.compile(
    rf"(?P<days>{_DAY}(?:\s*(?:-|–|to|through|,|&|and)\s*{_DAY})*)\s*:?\s*"
    rf"(?P<opens>{_TIME})\s*(?:-|–|to)\s*(?P<closes>{_TIME})",
    re.I,
)


def _days_of(words: str) -> list[int]:
    """ "Mon-Fri" -> 1..5, "Mon, Wed & Sat" -> 1, 3, 6, "Fri-Mon" wraps over the weekend."""
    days: list[int] = []
    for part in re.split(r"\s*(?:,|&|\band\b)\s*", words, flags=re.I):
        names = [_WORD_DAYS[m.group(1).lower()[:3]] for m in re.finditer(_DAY, part, re.I)]
        if len(names) == 2 and re.search(r"-|–|\bto\b|through", part, re.I):
            first, last = names
            days += list(range(first, last + 1)) if first <= last else [*range(first, 8), *range(1, last + 1)]
        else:
            days += names
    return list(dict.fromkeys(days))


def from_words(text: str | None) -> list[Opening]:
    """Hours a directory wrote in words; [] for what this cannot read."""
    if not text:
        return []
    if re.search(r"24\s*/\s*7|24 hours a day|open 24 hours", text, re.I):
        return [Opening(day, "00:00", "24:00") for day in range(1, 8)]
    openings = []
    for match in _SPAN.finditer(text):
        opens, closes = _time(match.group("opens")), _time(match.group("closes"))
        if not opens or not closes:
            continue
        if closes <= opens and not re.search(r"am|pm", match.group("closes"), re.I) and int(closes[:2]) < 12:
            closes = f"{int(closes[:2]) + 12:02d}{closes[2:]}"  # "9-5": five in the afternoon
        openings += [Opening(day, opens, closes) for day in _days_of(match.group("days"))]
    return list(dict.fromkeys(openings))


def open_at(openings: list[Opening], moment: datetime) -> bool:
    clock = f"{moment:%H:%M}"
    day = moment.date()
    return any(o.weekday == day.isoweekday() and o.valid_on(day) and o.opens <= clock < o.closes for o in openings)


def hours_on(openings: list[Opening], day: date) -> str | None:
    """ "9:00-17:00" (or two spans), "closed", or None when the hours are not known as data."""
    if not openings:
        return None
    spans = sorted((o.opens, o.closes) for o in openings if o.weekday == day.isoweekday() and o.valid_on(day))
    if not spans:
        return "closed"
    return ", ".join(f"{_short(a)}-{_short(b)}" for a, b in dict.fromkeys(spans))


def _short(clock: str) -> str:
    return clock[1:] if clock.startswith("0") else clock
