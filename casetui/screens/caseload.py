"""The caseload: every open case, the screen a case manager starts the day on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from casetui.data import cases, vocab


class CaseloadScreen(Screen):
    CSS_PATH = "caseload.tcss"

    def compose(self) -> ComposeResult:
        yield Header()
        table = DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        table.add_columns("Client", "Stage", "Program", "Worker", "Next review")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        table = self.query_one("#cases", DataTable)
        table.clear()
        with self.app.database.session() as session:
            rows = cases.open_cases(session)
        for case, client in rows:
            table.add_row(client.sort_name, vocab.STAGES.get(case.stage, case.stage), case.program, case.worker,
                          f"{case.next_review_on:%Y-%m-%d}" if case.next_review_on else "", key=str(case.id))
