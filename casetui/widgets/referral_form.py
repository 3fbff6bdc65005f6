"""The referral form: service (pre-filled), dates, need and note, with inline errors.

The form knows nothing of the database: the screen hands it a ``save(values)`` callable that
calls the referral service and raises ``ValidationError``; the form shows those errors beside
the fields and keeps everything typed. It dismisses with what ``save`` returned, or None.
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


class ReferralForm(FormDialog):
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
        super().__init__(f"Refer {client_name}", save, subtitle=service_label, ok="Refer")
        self.domain, self.referred_on, self.follow_up_on = domain, referred_on, follow_up_on

    def form(self) -> ComposeResult:
        with Horizontal(classes="pair"):
            yield DateField("Referral date", Input(f"{self.referred_on:%Y-%m-%d}", id="referred_on"))
            yield DateField("Follow up on", Input(f"{self.follow_up_on:%Y-%m-%d}", id="follow_up_on"))
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

    def initial_focus(self) -> Input:
        return self.query_one("#follow_up_on", Input)
