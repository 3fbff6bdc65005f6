"""The idle lock's screens: ``LockScreen`` hides every client detail until the worker types the
file's passphrase (encrypted file) or their lock PIN (plain file; kept only as a salted scrypt
hash in the settings), ``LockSettingsDialog`` chooses the minutes and the PIN, and
``FirstRunLockDialog`` asks for a PIN (or an explicit "lock off") the first time a plain file is
opened. The app's side of it (when to lock, what runs while locked) is
``casetui.privacy.PrivacyGuard``.
"""

from __future__ import annotations

import time

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Header, Input, Static

from casetui.keys import key_text
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.fields import FormField
from casetui.widgets.footer import KeyFooter
from casetui.widgets.plain import Plain

# Seconds before the lock takes the next try, after 1, 2, 3... wrong ones in a row (the last
# repeats): a person retyping barely notices, guessing a 4-digit PIN takes days.
BACKOFF_SECONDS = (1, 2, 4, 8, 15, 30, 60)
# The clock the back-off is measured on; tests move it instead of waiting.
clock = time.monotonic


def backoff_after(failures: int) -> float:
    return BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS)) - 1] if failures else 0


def seconds_text(seconds: float) -> str:
    whole = max(1, round(seconds))
    return f"{whole} second{'s' if whole != 1 else ''}"


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

    failures = 0  # wrong tries in a row
    retry_at = 0.0  # on ``clock``: no try is taken before then
    checking = False

    def action_ignore(self) -> None:
        """Escape does not unlock."""

    @on(Input.Submitted, "#secret")
    def try_unlock(self, event: Input.Submitted) -> None:
        secret = event.value
        event.input.value = ""
        if self.checking:
            return
        wait = self.retry_at - clock()
        if wait > 0:  # not even checked: the back-off holds for right and wrong tries alike
            self.show_error(f"Wait {seconds_text(wait)} before the next try.")
            return
        self.checking = True
        self.check(secret)

    def show_error(self, text: str) -> None:
        self.query_one("#lock-error", Static).update(text)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def check(self, secret: str) -> None:
        """scrypt and SQLCipher's key derivation are slow on purpose: off the interface thread.
        A wrong try is audited there too (``secret_opens_lock``)."""
        opened = self.app.secret_opens_lock(secret)
        self.app.call_from_thread(self.checked, opened)

    def checked(self, opened: bool) -> None:
        self.checking = False
        if opened:
            self.app.unlock()
            return
        self.failures += 1
        delay = backoff_after(self.failures)
        self.retry_at = clock() + delay
        self.show_error(f"That is not it. Try again in {seconds_text(delay)}.")


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


class FirstRunLockDialog(ServiceCalls, ModalScreen[bool]):
    """The first time a plain file is opened: choose the lock PIN (the lock is then on, after
    ``settings.DEFAULTS`` idle minutes) or turn the lock off, explicitly, after a warning."""

    CSS_PATH = "lock.tcss"
    AUTO_FOCUS = "#secret"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="first-lock.save"),
        Binding("escape", "stay", show=False, id="first-lock.stay"),
    ]
    WARNING = (
        "Without the lock, anyone at this computer can read client records while you are away. "
        "Press Turn the lock off again to confirm, or choose a PIN."
    )

    def __init__(self, minutes: int):
        super().__init__()
        self.minutes = minutes
        self.warned = False

    def compose(self) -> ComposeResult:
        with Vertical(id="first-lock"):
            yield Static("[b]Lock casetui when you step away[/]")
            yield Plain(
                f"casetui hides client records after {self.minutes} idle minutes, until your lock PIN is typed. "
                f"Choose it now (you can change it and the minutes later in Settings, {key_text(self.app, 'app.settings')}).",
                classes="muted",
            )
            yield FormField("Lock PIN or passphrase (at least 4 characters)", Input(password=True, id="secret"))
            yield FormField("The same again", Input(password=True, id="again"))
            yield Plain("", id="first-lock-error")
            with Horizontal(id="first-lock-buttons"):
                yield Button("Turn the lock off", id="off", variant="warning")
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def show_error(self, text: str) -> None:
        self.query_one("#first-lock-error", Static).update(text)

    def action_stay(self) -> None:
        self.show_error("Choose a lock PIN, or turn the lock off.")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        from casetui.data.domain.errors import ValidationError
        from casetui.data.services import lock, settings

        secret, again, minutes = (
            self.query_one("#secret", Input).value,
            self.query_one("#again", Input).value,
            self.minutes,
        )

        def save(session) -> None:
            if secret != again:
                raise ValidationError("again", "The two entries differ.")
            lock.set_lock_secret(session, secret)
            settings.set_value(session, "idle_lock_minutes", str(minutes))  # chosen now, not a default

        def saved(_result) -> None:
            self.notify(f"Idle lock on: casetui locks after {minutes} idle minutes.")
            self.dismiss(True)

        self.call_service(save, saved, on_error=self.refused)

    def refused(self, error) -> None:
        self.show_error(str(error))

    @on(Button.Pressed, "#off")
    def turn_off(self) -> None:
        from casetui.data.services import lock

        if not self.warned:
            self.warned = True
            self.show_error(self.WARNING)
            return

        def turned_off(_result) -> None:
            self.notify(
                f"The idle lock is off. Turn it on in Settings ({key_text(self.app, 'app.settings')}): Idle lock."
            )
            self.dismiss(True)

        self.call_service(lock.turn_lock_off, turned_off, on_error=self.refused)
