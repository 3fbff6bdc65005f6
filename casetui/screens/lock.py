"""The idle lock's screens: ``LockScreen`` hides every client detail until the worker types the
file's passphrase (encrypted file) or their lock PIN (plain file; kept only as a salted scrypt
hash in the settings), and ``LockSettingsDialog`` chooses the minutes and the PIN. The app's
side of it (when to lock, what runs while locked) is ``casetui.privacy.PrivacyGuard``.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Header, Input, Static

from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.fields import FormField
from casetui.widgets.footer import KeyFooter


class LockScreen(Screen):
    """Covers the app; only the right passphrase or PIN takes it away."""

    CSS_PATH = "lock.tcss"
    AUTO_FOCUS = "#secret"
    BINDINGS = [Binding("escape", "ignore", show=False, priority=True, id="lock.stay-locked")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Center(id="lock-center"):
            with Vertical(id="lock-box"):
                yield Static("[b]casetui is locked[/]", id="lock-title")
                what = "the database passphrase" if self.app.database.encrypted else "your lock PIN or passphrase"
                yield Static(f"Client records are hidden. Type {what} to continue.", id="lock-hint")
                yield Input(password=True, id="secret", placeholder="passphrase or PIN")
                yield Static("", id="lock-error")
        yield KeyFooter()

    def action_ignore(self) -> None:
        """Escape does not unlock."""

    @on(Input.Submitted, "#secret")
    def try_unlock(self, event: Input.Submitted) -> None:
        secret = event.value
        event.input.value = ""
        self.check(secret)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def check(self, secret: str) -> None:
        """scrypt and SQLCipher's key derivation are slow on purpose: off the interface thread."""
        if self.app.secret_opens_lock(secret):
            self.app.call_from_thread(self.app.unlock)
        else:
            self.app.call_from_thread(self.query_one("#lock-error", Static).update, "That is not it. Try again.")


class LockSettingsDialog(ServiceCalls, ModalScreen[bool]):
    """Choose the idle minutes and (for a plain file) the lock PIN or passphrase."""

    CSS_PATH = "lock.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="lock-settings.cancel"),
        Binding("ctrl+s", "save", "Save", id="lock-settings.save"),
    ]
    ERROR_TITLE = "Idle lock not saved"

    def __init__(self, minutes: int, encrypted: bool):
        super().__init__()
        self.minutes, self.encrypted = minutes, encrypted

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-settings"):
            yield Static("[b]Idle lock[/]")
            yield FormField(
                "Lock after this many idle minutes (0: never)", Input(str(self.minutes), id="idle_lock_minutes")
            )
            if self.encrypted:
                yield Static("The lock asks for the database passphrase.", classes="muted")
            else:
                yield FormField("Lock PIN or passphrase (at least 4 characters)", Input(password=True, id="secret"))
                yield FormField("The same again", Input(password=True, id="again"))
            with Horizontal(id="lock-settings-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        from casetui.data.domain.errors import ValidationError
        from casetui.data.services import lock, settings

        minutes = self.query_one("#idle_lock_minutes", Input).value
        secret = again = None
        if not self.encrypted:
            secret, again = self.query_one("#secret", Input).value, self.query_one("#again", Input).value

        def save(session) -> None:
            if not self.encrypted:
                if secret != again:
                    raise ValidationError("again", "The two entries differ.")
                if secret or not lock.has_lock_secret(session):
                    lock.set_lock_secret(session, secret)
            settings.set_value(session, "idle_lock_minutes", minutes)

        def saved(_result) -> None:
            self.notify("Idle lock saved")
            self.dismiss(True)

        self.call_service(save, saved)
