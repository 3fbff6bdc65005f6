"""One row of a package's table, whichever file it came from, and how its values are cleaned."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    file: str
    number: int | None
    values: dict


def _clean(value) -> str | None:
    if value.__class__ is str:  # the common case (every CSV value): keep it quick
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    value = str(value).strip()
    return value or None
