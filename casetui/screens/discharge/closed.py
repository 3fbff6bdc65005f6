"""A closed case: the final record, read-only (the screen's reopen key reopens it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from casetui.data.domain import vocab
from casetui.data.services import discharge
from casetui.keys import key_text
from casetui.screens.discharge.step import Loaded
from casetui.widgets.plain import Plain


def _facts(case, record) -> str:
    lines = [
        f"Closed on {case.closed_on:%Y-%m-%d}; kept read-only until {case.retention_until:%Y-%m-%d}."
        if case.retention_until
        else f"Closed on {case.closed_on:%Y-%m-%d}."
    ]
    if record is not None:
        reason = vocab.DISCHARGE_REASONS.get(record.reason or "", record.reason or "not recorded")
        if record.reason == "other" and record.reason_other:
            reason = f"Other: {record.reason_other}"
        planned = {True: "planned", False: "unplanned", None: "not recorded"}[record.planned]
        lines.append(f"Reason: {reason} ({planned})")
        lines.append(f"Destination: {discharge.destination_label(record.destination) or 'not recorded'}")
        if record.subsidy_type:
            lines.append(
                f"Rental subsidy: {record.subsidy_type} {vocab.HMIS_SUBSIDY_TYPES.get(record.subsidy_type, '')}"
            )
    return "\n".join(lines)


class ClosedRecord(VerticalScroll):
    def __init__(self, loaded: Loaded):
        super().__init__(id="final-record")
        self.loaded = loaded

    def compose(self) -> ComposeResult:
        record = self.loaded.record
        yield Plain(_facts(self.loaded.case, record), id="final-facts")
        yield Static(
            f"Press {key_text(self.app, 'discharge.reopen')} to reopen the case (a reason is asked and recorded).",
            classes="hint",
        )
        yield Markdown(
            (record.summary_text if record else None) or "_No discharge summary was saved._", id="final-summary"
        )
