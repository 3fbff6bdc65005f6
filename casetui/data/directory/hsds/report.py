"""What an import did: its problems (file, row, message), counts, and the error carrying them."""

from __future__ import annotations

from dataclasses import dataclass, field

from casetui.data.domain.errors import CasetuiError


@dataclass
class ImportProblem:
    file: str
    row: int | None
    message: str
    record_id: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.record_id:
            where += f" (id {self.record_id})"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    source: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"Import failed: {len(self.errors)} problem(s); nothing was changed."
        parts = []
        for table in ("organizations", "services", "locations", "service_at_location", "phones", "contacts"):
            new, changed = self.created.get(table, 0), self.updated.get(table, 0)
            if new or changed:
                parts.append(f"{table.replace('_', ' ')} {new} new, {changed} updated")
        text_ = "Imported: " + ("; ".join(parts) if parts else "nothing")
        if self.warnings:
            text_ += f" ({len(self.warnings)} warning(s))"
        return text_ + "."

    def lines(self) -> list[str]:
        def order(problem: ImportProblem):
            return problem.file, problem.row or 0

        return [str(p) for p in sorted(self.errors, key=order)] + [
            f"warning: {p}" for p in sorted(self.warnings, key=order)
        ]


class HsdsImportError(CasetuiError):
    def __init__(self, report: ImportReport):
        self.report = report
        first = "; ".join(str(p) for p in report.errors[:3])
        more = f" (and {len(report.errors) - 3} more)" if len(report.errors) > 3 else ""
        super().__init__(f"{report.summary()} {first}{more}")
