"""Step 4: log the contacts with the receiving providers; sharing information needs the
client's current signed consent for that provider, checked as the name is typed."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.suggester import SuggestFromList
from textual.widgets import Button, DataTable, Input, Select, Static

from casetui.data.domain import vocab
from casetui.data.services import consent, discharge
from casetui.keys import key_text
from casetui.screens.discharge.step import Loaded, Step, read_linkage, read_progress, selected
from casetui.widgets.consent_dialog import ConsentDialog
from casetui.widgets.date_field import DateField
from casetui.widgets.fields import FormField, show_errors
from casetui.widgets.plain import Plain, cells

TYPED = ("recipient", "information_shared", "note")


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class CoordinationStep(Step):
    KEY = "coordination"
    BINDINGS = [
        Binding("ctrl+s", "finish_coordination", "Coordination done", id="discharge.finish-coordination"),
        # A function key: it works while a field has the cursor.
        Binding("f3", "record_consent", "Record consent", id="discharge.consent"),
    ]

    def compose(self) -> ComposeResult:
        consent_key = key_text(self.app, "discharge.consent")
        yield Static("4 · Service coordination", classes="step-title")
        yield Static(
            "Sharing information with a receiving provider needs the client's current signed consent "
            f"for that provider. Without one, log the contact but share nothing; {consent_key} records a consent.",
            classes="hint",
        )
        with Horizontal(classes="row"):
            yield FormField("Who was contacted", Input(placeholder="Receiving provider (→ completes)", id="recipient"))
            yield DateField("Date", Input(f"{self.app.today:%Y-%m-%d}", id="contacted_on"), id="field-contacted_on")
            yield FormField(
                "How",
                Select(
                    [(label, code) for code, label in discharge.CONTACT_METHODS.items()],
                    value="phone",
                    allow_blank=False,
                    id="method",
                ),
                id="field-method",
            )
        yield Plain("", id="consent-status")
        yield FormField("Information shared (leave empty when nothing was shared)", Input(id="information_shared"))
        yield FormField("Note", Input(id="note"))
        with Horizontal(classes="buttons"):
            yield Button("Log contact", id="log-contact", variant="primary")
            yield Button(f"Record consent ({consent_key})", id="record-consent")
        table = DataTable(id="contacts", cursor_type="row")
        table.add_columns("Date", "Who", "How", "Shared", "Consent")
        yield table

    def on_mount(self) -> None:
        self.show_read(self.loaded, {"linkage"})
        self._show_contacts(self.loaded.contacts)

    def show_read(self, loaded: Loaded, changed: set[str]) -> None:
        if "linkage" in changed:
            _made, recipients = loaded.linkage
            self.query_one("#recipient", Input).suggester = SuggestFromList(recipients, case_sensitive=False)

    def _show_contacts(self, contacts) -> None:
        table = self.query_one("#contacts", DataTable)
        table.clear()
        for contact in contacts:
            table.add_row(
                *cells(
                    f"{contact.contacted_on:%Y-%m-%d}",
                    contact.recipient,
                    discharge.CONTACT_METHODS.get(contact.method, contact.method),
                    _short(contact.information_shared or "nothing"),
                    "on file" if contact.consent_id else "",
                ),
                key=str(contact.id),
            )
        if not contacts:
            table.add_row("", "No contacts logged yet", "", "", "")
        self.refresh_consent_status()

    @on(Input.Changed, "#recipient")
    def refresh_consent_status(self) -> None:
        recipient = self.query_one("#recipient", Input).value.strip()
        status = self.query_one("#consent-status", Static)
        if not recipient:
            self.cancel("consent-status")  # an answer for the name typed before
            status.update("Type who was contacted to see whether a consent is on file.")
            status.set_classes("")
            return
        today = self.app.today
        self.newest(
            lambda session: discharge.consent_for(session, self.case_id, recipient, today),
            lambda granted: self._show_consent(recipient, granted),
            "consent-status",
        )

    def _show_consent(self, recipient: str, granted) -> None:
        status = self.query_one("#consent-status", Static)
        if granted is None:
            status.update(
                f"✗ No current consent for {recipient}: information cannot be shared with them. "
                f"Press {key_text(self.app, 'discharge.consent')} to record the client's signed consent."
            )
            status.set_classes("no-consent")
        else:
            until = f", until {granted.expires_on:%Y-%m-%d}" if granted.expires_on else ""
            scope = vocab.CONSENT_SCOPES.get(granted.scope, granted.scope).lower()
            status.update(
                f"✓ Consent on file for {granted.recipient}: {scope}, signed {granted.signed_on:%Y-%m-%d}{until}."
            )
            status.set_classes("consent")

    @on(Input.Submitted, "#recipient, #contacted_on, #information_shared, #note")
    @on(Button.Pressed, "#log-contact")
    def log_contact(self) -> None:
        typed = {field: self.query_one(f"#{field}", Input).value for field in TYPED}
        values = {
            **typed,
            "contacted_on": self.query_one("#contacted_on", Input).value,
            "method": selected(self.query_one("#method", Select)),
            "today": self.app.today,
        }

        def log(session):
            discharge.log_contact(session, self.case_id, **values)
            return (
                discharge.coordination_contacts(session, self.case_id),
                read_progress(session, self.case_id, values["today"]),
            )

        def logged(result) -> None:
            contacts, progress = result
            show_errors(self, {})
            for field, value in typed.items():
                control = self.query_one(f"#{field}", Input)
                if control.value == value:  # what was typed while saving is kept
                    control.value = ""
            self._show_contacts(contacts)
            self.post_message(self.Saved(self, progress=progress))
            self.notify("Contact logged.", title="Saved")
            self.query_one("#recipient", Input).focus()

        self.save(log, logged, on_error=lambda exc: self.failed(exc, "Contact not logged"))

    @on(Button.Pressed, "#record-consent")
    def action_record_consent(self) -> None:
        today = self.app.today
        client_id = self.loaded.client.id

        def save(values: dict):  # the form runs it in a thread
            with self.app.database.transaction() as session:
                granted = consent.record_consent(session, client_id, today=today, **values)
                recipient = granted.recipient.strip()
                return (
                    granted,
                    read_linkage(session, self.case_id),
                    discharge.consent_for(session, self.case_id, recipient, today),
                )

        def done(saved) -> None:
            if saved is not None:
                granted, linkage, on_file = saved
                self.post_message(self.Saved(self, linkage=linkage))
                self.cancel("consent-status")  # a check for the name typed before
                with self.prevent(Input.Changed):  # checked already, in the same transaction
                    self.query_one("#recipient", Input).value = granted.recipient
                self._show_consent(granted.recipient.strip(), on_file)
                self.notify(f"Consent to share with {granted.recipient} recorded.", title="Saved")

        self.app.push_screen(
            ConsentDialog(
                recipient=self.query_one("#recipient", Input).value.strip(), signed_on=self.app.today, save=save
            ),
            done,
        )

    def action_finish_coordination(self) -> None:
        self.finish("Service coordination done.")
