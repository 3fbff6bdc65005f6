"""The casetui application: global keys, themes, and the screen the day starts on."""

from __future__ import annotations

from datetime import date

from textual.app import App
from textual.binding import Binding

from casetui.screens.caseload import CaseloadScreen


class CaseApp(App[None]):
    TITLE = "casetui"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, database, *, today: date | None = None, demo: bool = False):
        super().__init__()
        self.database = database
        self._today = today
        self.demo = demo
        if demo:
            self.sub_title = "demo caseload"

    @property
    def today(self) -> date:
        """The working date: pinned in tests and screenshots, otherwise the real date."""
        return self._today or date.today()

    def get_default_screen(self) -> CaseloadScreen:
        return CaseloadScreen()
