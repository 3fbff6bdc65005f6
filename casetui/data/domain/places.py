"""Where things are: a US ZIP code's centre (the ``zipcodes`` package's offline table), the
distance between two points, and whether a service's area (HSDS ``service_areas``: postal
codes and city names, kept as words) includes a client."""

from __future__ import annotations

import math
import re
from functools import lru_cache

EARTH_MILES = 3958.8
_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")


@lru_cache(maxsize=4096)
def zip_position(postal_code: str | None) -> tuple[float, float] | None:
    """(latitude, longitude) of a US ZIP code's centre; None when it is not one (or unknown).
    The first call reads the package's table (under a second): call it from a worker."""
    match = _ZIP.fullmatch((postal_code or "").strip()) if postal_code else None
    if not match:
        return None
    import zipcodes  # here: its table is read on first use, which start-up should not pay

    try:
        found = zipcodes.matching(match.group(1))
    except (ValueError, TypeError):
        return None
    if not found:
        return None
    try:
        return float(found[0]["lat"]), float(found[0]["long"])
    except (KeyError, TypeError, ValueError):
        return None


def miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance in miles."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_MILES * math.asin(min(1.0, math.sqrt(h)))


def area_includes(area: str | None, postal_code: str | None, city: str | None) -> tuple[bool | None, str]:
    """Does a service area in words include the client? (answer, the area's places in short).
    None when the area names no postal code the answer could rest on."""
    if not area or not area.strip():
        return None, ""
    zips = list(dict.fromkeys(_ZIP.findall(area)))
    wanted = (postal_code or "").strip()[:5]
    if city and re.search(r"\b" + re.escape(city.strip()) + r"\b", area, re.I):
        return True, area.strip()
    if not zips:
        return None, area.strip()
    shown = ", ".join(zips[:6]) + (" …" if len(zips) > 6 else "")
    if not wanted:
        return None, shown
    return wanted in zips, shown
