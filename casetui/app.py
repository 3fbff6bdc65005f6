"""The casetui application: global keys, themes, navigation between workflows."""

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

    # Navigation: every workflow is opened through one of these, so screens need not import
    # each other. Imports are deferred so start-up only loads the caseload.

    def open_client(self, client_id: int) -> None:
        from casetui.screens.client import ClientScreen

        self.push_screen(ClientScreen(client_id))

    def open_intake(self, case_id: int | None = None) -> None:
        """A new client's intake, or with ``case_id`` a reassessment of that case."""
        from casetui.screens.intake import IntakeScreen

        self.push_screen(IntakeScreen(case_id=case_id))

    def open_goals(self, case_id: int) -> None:
        from casetui.screens.goals import GoalsScreen

        self.push_screen(GoalsScreen(case_id))

    def open_resources(self, case_id: int | None = None) -> None:
        """The directory; with ``case_id`` it shows eligibility and refers for that client."""
        from casetui.screens.resources import ResourcesScreen

        self.push_screen(ResourcesScreen(case_id=case_id))

    def open_discharge(self, case_id: int) -> None:
        from casetui.screens.discharge import DischargeScreen

        self.push_screen(DischargeScreen(case_id))
