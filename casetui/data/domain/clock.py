"""Wall-clock times and time zones: parsing a typed time, the local IANA zone, local to UTC.

Appointments keep local wall time with the zone's name (``zoneinfo``; the ``tzdata`` package
supplies the zones where the system has none), so a weekly 10:00 visit stays at 10:00 when the
clocks change; the UTC instant is worked out when it is needed (overlaps, calendars, reminders).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casetui.data.domain.errors import ValidationError

_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?\s*$", re.IGNORECASE)


def parse_time(value, field: str, label: str, *, required: bool = False) -> time | None:
    """A time of day from "14:30", "9:05", "2:30pm" or "14h30"."""
    if isinstance(value, time):
        return value
    if value is None or not str(value).strip():
        if required:
            raise ValidationError(field, f"{label} is required. Use a time like 14:30 or 2:30pm.")
        return None
    match = _TIME.match(str(value))
    if match is None:
        raise ValidationError(field, f"{label}: “{str(value).strip()}” is not a time. Use a time like 14:30 or 2:30pm.")
    hour, minute = int(match[1]), int(match[2] or 0)
    suffix = (match[3] or "").lower().replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            raise ValidationError(field, f"{label}: {hour} is not an hour on a 12-hour clock.")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValidationError(field, f"{label}: {str(value).strip()} is not a time of day (00:00 to 23:59).")
    return time(hour, minute)


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def check_zone(name, field: str = "time_zone") -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(field, f"“{name}” is not a time zone name (one like America/New_York).") from None
    return str(name)


def local_zone_name() -> str:
    """The IANA name of this computer's zone (TZ, /etc/timezone, /etc/localtime's link), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        link = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                ZoneInfo(name)
                return name
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"


def to_utc(day: date, at: time, zone_name: str) -> datetime:
    """The instant a local wall time in ``zone_name`` names (a time in a spring-forward gap is
    read with the offset before the change, as ``zoneinfo`` does)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone_name)).astimezone(UTC)
