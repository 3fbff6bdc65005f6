"""After an assessment of a case is saved: each domain and score beside the last assessment's."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Button, DataTable, Static

from casetui.data.domain import instruments, vocab


class ResultPage(VerticalScroll):
    """``ResultPage(assessment, domains, scores, document)``, as ``assessments.comparison`` gives
    them; ``document`` is where the summary was saved, if it was."""

    def __init__(self, assessment, domains, scores, document: Path | None):
        super().__init__(id="page-result", classes="page")
        self.assessment, self.domains, self.scores, self.document = assessment, domains, scores, document

    def compose(self) -> ComposeResult:
        assessment, scores = self.assessment, self.scores
        title = "Reassessment" if assessment.kind == "reassessment" else "Assessment"
        yield Static(
            f"{title} saved ({assessment.assessed_on:%Y-%m-%d}): each domain beside the last assessment",
            id="result-title",
            classes="page-title",
        )
        yield DataTable(id="comparison", cursor_type="row", zebra_stripes=True)
        lines = [
            f"{c.label}: {c.previous if c.previous is not None else '–'} → {c.current if c.current is not None else '–'}"
            + (f"  {c.change_label}" if c.change else "")
            for c in scores
        ]
        if scores:
            lines.append(f"[dim]PHQ-9 and GAD-7: {instruments.CREDIT}[/dim]")
        yield Static("\n".join(lines), id="result-instruments")
        document = self.document
        yield Static(Content(f"Summary saved to {document}" if document else ""), id="result-document", classes="muted")
        yield Static("Enter or Done closes the assessment.", classes="hint")
        yield Button("Done", id="done", variant="primary")

    def on_mount(self) -> None:
        table = self.query_one("#comparison", DataTable)
        table.add_columns("Domain", "Before", "Now", "Change")
        for change in self.domains:
            table.add_row(
                change.label,
                _score(change.previous),
                _score(change.current),
                change.change_label or "–",
                key=change.key,
            )
        table.focus()


def _score(score: int | None) -> str:
    return f"{score} {vocab.SSM_SCALE.get(score, '')}" if score is not None else "–"
