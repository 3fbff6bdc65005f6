"""Checking a row's values (required, length, number, date) and ids that repeat, into the report."""

from __future__ import annotations

from datetime import date

from casetui.data.directory.hsds.report import ImportProblem, ImportReport
from casetui.data.directory.hsds.rows import Row, _clean


class _Checker:
    def __init__(self, report: ImportReport, row: Row):
        self.report, self.row = report, row
        self.id = _clean(row.values.get("id"))
        self.failed = False

    def error(self, message: str) -> None:
        self.failed = True
        self.report.errors.append(ImportProblem(self.row.file, self.row.number, message, self.id))

    def warn(self, message: str) -> None:
        self.report.warnings.append(ImportProblem(self.row.file, self.row.number, message, self.id))

    def text(self, name: str, max_length: int | None = 250, *, required: bool = False, strip_quotes: bool = False):
        value = _clean(self.row.values.get(name))
        if value and strip_quotes:
            value = value.strip('"').strip() or None
        if value is None:
            if required:
                self.error(f"{name} is required")
            return None
        if max_length and len(value) > max_length:
            self.error(f"{name} is too long ({len(value)} characters; at most {max_length})")
            return None
        return value

    def number(self, name: str, *, minimum: float | None = None, maximum: float | None = None, whole: bool = False):
        value = _clean(self.row.values.get(name))
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            self.error(f"{name} '{value}' is not a number")
            return None
        if number != number or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.error(f"{name} {value} is out of range")
            return None
        if whole:
            if number != int(number):
                self.error(f"{name} '{value}' is not a whole number")
                return None
            return int(number)
        return number

    def day(self, name: str):
        value = _clean(self.row.values.get(name))
        if value is None:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            self.error(f"{name} '{value}' is not a date like 2026-03-31")
            return None


def _unique(rows: list[Row], report: ImportReport) -> dict[str, Row]:
    """Rows by id; later duplicates fill the gaps of earlier ones (JSON repeats nested objects)."""
    by_id: dict[str, Row] = {}
    for row in rows:
        row_id = _clean(row.values.get("id"))
        if row_id is None:
            report.errors.append(ImportProblem(row.file, row.number, "id is missing"))
            continue
        if len(row_id) > 250:
            report.errors.append(ImportProblem(row.file, row.number, "id is longer than 250 characters"))
            continue
        first = by_id.get(row_id)
        if first is None:
            by_id[row_id] = row
        elif first.file.endswith(".csv") and row.file == first.file:
            report.warnings.append(
                ImportProblem(row.file, row.number, f"repeats id of row {first.number}; the later row is used", row_id)
            )
            by_id[row_id] = row
        else:
            for key, value in row.values.items():
                if _clean(first.values.get(key)) is None and _clean(value) is not None:
                    first.values[key] = value
    return by_id
