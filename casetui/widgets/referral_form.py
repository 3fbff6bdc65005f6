"""The referral form: service (pre-filled), dates, need and note, with inline errors.

A referral shares the client's details with the provider, so it needs their consent: when the
screen knows one on file covers it (``consent_on_file``: a sentence saying which), the form says
so; otherwise it offers the consent the client signs now (date, what it covers, expiry, this
provider or any), which the referral service records with the referral or refuses beside the
date when there is none.

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
from casetui.widgets.plain import Plain

# The consent scopes that cover referral information.
REFERRAL_SCOPES = ("referral", "full_record")


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
        consent_on_file: str | None = None,
    ):
        super().__init__(f"Refer {client_name}", save, subtitle=service_label, ok="Refer")
        self.domain, self.referred_on, self.follow_up_on = domain, referred_on, follow_up_on
        self.consent_on_file = consent_on_file

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
        if self.consent_on_file:
            yield Plain(f"Consent on file: {self.consent_on_file}", id="consent-status", classes="hint")
            return
        yield Plain(
            "A referral shares the client's details with the provider: it needs their current consent. "
            "None on file covers this provider; give the date of the one the client signs now.",
            id="consent-status",
            classes="hint",
        )
        with Horizontal(classes="pair"):
            yield DateField("Consent signed on", Input(placeholder="YYYY-MM-DD", id="consent_signed_on"))
            yield DateField("Consent expires", Input(placeholder="optional", id="consent_expires_on"))
        with Horizontal(classes="pair"):
            yield FormField(
                "Consent covers",
                Select(
                    [(vocab.CONSENT_SCOPES[code], code) for code in REFERRAL_SCOPES],
                    value="referral",
                    allow_blank=False,
                    id="consent_scope",
                ),
            )
            yield FormField(
                "Consent is for",
                Select(
                    [("This provider", False), ("Any provider", True)],
                    value=False,
                    allow_blank=False,
                    id="consent_any_provider",
                ),
            )

    def initial_focus(self) -> Input:
        return self.query_one("#follow_up_on", Input)


def consent_words(consent) -> str:
    """A consent on file in a few words: when it was signed, for whom, what it covers."""
    expires = f", expires {consent.expires_on:%Y-%m-%d}" if consent.expires_on else ""
    scope = vocab.CONSENT_SCOPES.get(consent.scope, consent.scope).lower()
    return f"signed {consent.signed_on:%Y-%m-%d} for {consent.recipient} ({scope}{expires})."
