"""The idle lock: after ``idle_lock_minutes`` without a key or mouse event, a screen hides
every client detail until the worker types the file's passphrase (encrypted file) or their
lock PIN (plain file; kept only as a salted scrypt hash in the settings).

``PrivacyGuard`` is mixed into ``CaseApp``: it runs the idle lock (``LockScreen`` covers the
whole window, and while it is up the app runs no action but quitting) and replaces Textual's
crash report, which prints local variables (client records among them), with one that names
only the error's type and place.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable
from time import monotonic

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Input, Static

from casetui.widgets.fields import FormField, show_errors

IDLE_CHECK_SECONDS = 10
ALLOWED_WHILE_LOCKED = {"quit", "unlock", "focus_next", "focus_previous"}


class LockScreen(Screen):
    """Covers the app; only the right passphrase or PIN takes it away."""

    CSS_PATH = "lock.tcss"
    AUTO_FOCUS = "#secret"
    BINDINGS = [Binding("escape", "ignore", show=False, priority=True)]

    def compose(self) -> ComposeResult:
        yield Header()
        with Center(id="lock-center"):
            with Vertical(id="lock-box"):
                yield Static("[b]casetui is locked[/]", id="lock-title")
                what = "the database passphrase" if self.app.database.encrypted else "your lock PIN or passphrase"
                yield Static(f"Client records are hidden. Type {what} to continue.", id="lock-hint")
                yield Input(password=True, id="secret", placeholder="passphrase or PIN")
                yield Static("", id="lock-error")
        yield Footer()

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


class LockSettingsDialog(ModalScreen[bool]):
    """Choose the idle minutes and (for a plain file) the lock PIN or passphrase."""

    CSS_PATH = "lock.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, minutes: int, encrypted: bool):
        super().__init__()
        self.minutes, self.encrypted = minutes, encrypted

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-settings"):
            yield Static("[b]Idle lock[/]")
            yield FormField("Lock after this many idle minutes (0: never)", Input(str(self.minutes), id="idle_lock_minutes"))
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
    def save(self) -> None:
        from casetui.data import crypto, settings
        from casetui.data.errors import ValidationError

        minutes = self.query_one("#idle_lock_minutes", Input).value
        try:
            with self.app.database.session() as session:
                if not self.encrypted:
                    secret = self.query_one("#secret", Input).value
                    if secret != self.query_one("#again", Input).value:
                        raise ValidationError("again", "The two entries differ.")
                    if secret or not crypto.has_lock_secret(session):
                        crypto.set_lock_secret(session, secret)
                settings.set_value(session, "idle_lock_minutes", minutes)
        except ValidationError as exc:
            for message in show_errors(self, exc.errors):
                self.notify(message, severity="error")
            return
        self.notify("Idle lock saved")
        self.dismiss(True)


class PrivacyGuard:
    """Mixin for the App: notices input, locks after the idle minutes, refuses every action but
    quitting while locked, and keeps client data out of crash reports."""

    _last_input: float = 0.0
    locked: bool = False

    def _on_mount(self, event) -> None:  # Textual runs this beside the App's own mount handlers
        self._last_input = monotonic()
        self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_lock, name="idle-lock")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self._last_input = monotonic()
        await super().on_event(event)

    def idle_lock_minutes(self) -> int:
        from casetui.data import crypto, settings

        with self.database.session() as session:
            minutes = settings.get_int(session, "idle_lock_minutes")
            # A plain file with no PIN chosen could never be unlocked: it does not lock.
            if minutes and not (self.database.encrypted or crypto.has_lock_secret(session)):
                return 0
        return minutes

    def check_idle_lock(self) -> None:
        if self.locked:
            return
        try:
            minutes = self.idle_lock_minutes()
        except Exception:  # the database is still opening or briefly busy: look again later
            return
        if minutes and monotonic() - self._last_input >= minutes * 60:
            self.action_lock()

    def action_lock(self) -> None:
        from casetui.data import crypto

        if self.locked:
            return
        with self.database.session() as session:
            can_unlock = self.database.encrypted or crypto.has_lock_secret(session)
        if not can_unlock:
            self.notify("Choose a lock PIN first (command palette: Idle lock settings).", severity="warning")
            return
        self.locked = True
        self.use_command_palette = False
        self.push_screen(LockScreen())

    def secret_opens_lock(self, secret: str) -> bool:
        from casetui.data import crypto

        if not secret:
            return False
        if self.database.encrypted:
            return self.database.check_passphrase(secret)
        with self.database.session() as session:
            return crypto.check_lock_secret(session, secret)

    def unlock(self) -> None:
        if isinstance(self.screen, LockScreen):
            self.pop_screen()
        self.locked = False
        self.use_command_palette = True
        self._last_input = monotonic()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.locked and action not in ALLOWED_WHILE_LOCKED:
            return False
        return super().check_action(action, parameters)

    def action_lock_settings(self) -> None:
        from casetui.data import settings

        with self.database.session() as session:
            minutes = settings.get_int(session, "idle_lock_minutes")
        self.push_screen(LockSettingsDialog(minutes, self.database.encrypted))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Lock now", "Hide client records until the passphrase or PIN is typed", self.action_lock)
        yield SystemCommand("Idle lock settings", "Lock after idle minutes; choose the lock PIN",
                            self.action_lock_settings)
        if hasattr(self, "open_audit"):
            yield SystemCommand("Audit trail", "Who did what and when; filter and export CSV", self.open_audit)
        yield from super().get_system_commands(screen)

    def _fatal_error(self) -> None:
        """Textual's report shows every frame's locals; ours names the error type and line only."""
        if os.environ.get("CASETUI_DEBUG"):
            return super()._fatal_error()
        error = self._exception
        where = ""
        if error is not None and error.__traceback__ is not None:
            frame = traceback.extract_tb(error.__traceback__)[-1]
            where = f" at {os.path.basename(frame.filename)}:{frame.lineno}"
        self.bell()
        self._exit_renderables.append(
            f"casetui stopped on an unexpected {type(error).__name__ if error else 'error'}{where}. "
            "Saved work is safe. Details are hidden because they may hold client data; "
            "run with CASETUI_DEBUG=1 to see them."
        )
        self._close_messages_no_wait()
