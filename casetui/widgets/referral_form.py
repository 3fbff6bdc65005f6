"""The referral form: service (pre-filled), dates, need and note, with inline errors.

The form knows nothing of the database: the screen hands it a ``save(values)`` callable that
calls the referral service and raises ``ValidationError``; the form shows those errors beside
the fields and keeps everything typed. It dismisses with what ``save`` returned, or None.
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


class ReferralForm(FormDialog):
    ERROR_TITLE = "Cannot refer"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="referral.cancel"),
        Binding("ctrl+s", "save", "Refer", id="referral.save"),
    ]
    DEFAULT_CSS = """
    ReferralForm #referral-title { text-style: bold; margin-bottom: 1; }
    ReferralForm #referral-service { color: $text-muted; margin-bottom: 1; }
    """

    def __init__(
        self,
        *,
        client_name: str,
        service_label: str,
        domain: str | None,
        referred_on: date,
        follow_up_on: date,
        save: Callable[[dict], object],
    ):
        super().__init__()
        self.client_name, self.service_label, self.domain = client_name, service_label, domain
        self.referred_on, self.follow_up_on = referred_on, follow_up_on
        self.save = save

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(f"Refer {self.client_name}", id="referral-title", markup=False)
            yield Static(self.service_label, id="referral-service", markup=False)
            with Horizontal(classes="pair"):
                yield FormField("Referral date", Input(f"{self.referred_on:%Y-%m-%d}", id="referred_on"))
                yield FormField("Follow up on", Input(f"{self.follow_up_on:%Y-%m-%d}", id="follow_up_on"))
            yield FormField(
                "Need",
                Select(
                    [(label, code) for code, label in vocab.DOMAINS.items()],
                    value=self.domain if self.domain in vocab.DOMAINS else Select.NULL,
                    prompt="Choose the need",
                    id="domain",
                ),
            )
            yield FormField(
                "Note for the file", Input(placeholder="What the client should bring, who to ask for...", id="note")
            )
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Refer", id="save", variant="primary")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#follow_up_on", Input).focus()

    def values(self) -> dict:
        domain = self.query_one("#domain", Select).value
        return {
            "referred_on": self.query_one("#referred_on", Input).value,
            "follow_up_on": self.query_one("#follow_up_on", Input).value,
            "domain": None if domain is Select.NULL else domain,
            "note": self.query_one("#note", Input).value,
        }
