"""Record a client's signed consent (release of information) in a small form.

The dialog knows nothing of the database: the caller hands it ``save(values)``, which calls the
consent service and raises ``ValidationError``; errors show beside the fields and nothing typed
is lost. It dismisses with what ``save`` returned, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Input, Select, Static

from casetui.data.domain import vocab
from casetui.widgets.fields import FormDialog, FormField


class ConsentDialog(FormDialog):
    ERROR_TITLE = "Consent not saved"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="consent.cancel"),
        Binding("ctrl+s", "save", "Save consent", id="consent.save"),
    ]
    DEFAULT_CSS = """
    ConsentDialog #consent-title { text-style: bold; margin-bottom: 1; }
    """

    def __init__(self, *, recipient: str, signed_on: date, save: Callable[[dict], object], scope: str = "referral"):
        super().__init__()
        self.recipient, self.signed_on, self.scope, self.save = recipient, signed_on, scope, save

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Record the client's signed consent", id="consent-title")
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
                yield FormField("Signed on", Input(f"{self.signed_on:%Y-%m-%d}", id="signed_on"))
                yield FormField("Expires on", Input(placeholder="optional", id="expires_on"))
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save consent", id="save", variant="primary")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#recipient" if not self.recipient else "#signed_on", Input).focus()

    def values(self) -> dict:
        return {
            "recipient": self.query_one("#recipient", Input).value,
            "scope": self.query_one("#scope", Select).value,
            "signed_on": self.query_one("#signed_on", Input).value,
            "expires_on": self.query_one("#expires_on", Input).value,
        }
