"""Record a client's signed consent (release of information) in a small form.

The dialog knows nothing of the database: the caller hands it ``save(values)``, which calls the
consent service and raises ``ValidationError``; errors show beside the fields and nothing typed
is lost. It dismisses with what ``save`` returned, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Select

from casetui.data.domain import vocab
from casetui.widgets.date_field import DateField
from casetui.widgets.fields import FormField
from casetui.widgets.form_dialog import FormDialog


class ConsentDialog(FormDialog):
    def __init__(self, *, recipient: str, signed_on: date, save: Callable[[dict], object], scope: str = "referral"):
        super().__init__("Record the client's signed consent", save, ok="Save consent")
        self.recipient, self.signed_on, self.scope = recipient, signed_on, scope

    def form(self) -> ComposeResult:
        yield FormField("Who may receive information", Input(self.recipient, id="recipient"))
        yield FormField(
            "What may be shared",
            Select(
                [(label, code) for code, label in vocab.CONSENT_SCOPES.items()],
                value=self.scope,
                allow_blank=False,
                id="scope",
            ),
        )
        with Horizontal(classes="pair"):
            yield DateField("Signed on", Input(f"{self.signed_on:%Y-%m-%d}", id="signed_on"))
            yield DateField("Expires on", Input(id="expires_on"), hint="optional")

    def initial_focus(self) -> Input:
        return self.query_one("#recipient" if not self.recipient else "#signed_on", Input)
