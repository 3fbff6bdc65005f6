"""The idle lock and crash reports without client data, mixed into ``CaseApp``.

After ``idle_lock_minutes`` without a key or mouse event, ``screens.lock.LockScreen`` covers
the whole window, and while it is up the app runs no action but quitting. Textual's crash
report prints local variables (client records among them); ours names only the error's type
and place. The lock's screens are imported when first needed: the first frame does without.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable
from time import monotonic

from textual import events
from textual.app import SystemCommand
from textual.screen import Screen

IDLE_CHECK_SECONDS = 10
ALLOWED_WHILE_LOCKED = {"quit", "unlock", "focus_next", "focus_previous"}


class PrivacyGuard:
    """Mixin for the App: notices input, locks after the idle minutes, refuses every action but
    quitting while locked, and keeps client data out of crash reports."""

    _last_input: float = 0.0
    locked: bool = False
    # (idle minutes, whether a lock could be undone): read once in a thread after the first
    # frame (CaseApp.on_ready, with the app's other settings), and again only when the lock
    # settings are saved. None until then: no lock yet.
    lock_policy: tuple[int, bool] | None = None

    def _on_mount(self, event) -> None:  # Textual runs this beside the App's own mount handlers
        self._last_input = monotonic()
        self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_lock, name="idle-lock")

    def load_lock_policy(self) -> None:
        self.run_worker(self._read_lock_policy, thread=True, group="lock-policy", exclusive=True, exit_on_error=False)

    def _read_lock_policy(self) -> None:
        with self.database.transaction() as session:
            policy = self.read_lock_policy(session)
        self.call_from_thread(setattr, self, "lock_policy", policy)

    def read_lock_policy(self, session) -> tuple[int, bool]:
        """In a worker's transaction: the idle minutes, and whether a lock could be undone."""
        from casetui.data.services import lock, settings

        minutes = settings.get_int(session, "idle_lock_minutes")
        return minutes, self.database.encrypted or lock.has_lock_secret(session)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self._last_input = monotonic()
        await super().on_event(event)

    def idle_lock_minutes(self) -> int:
        if self.lock_policy is None:
            return 0
        minutes, can_unlock = self.lock_policy
        # A plain file with no PIN chosen could never be unlocked: it does not lock.
        return minutes if can_unlock else 0

    def check_idle_lock(self) -> None:
        if self.locked:
            return
        minutes = self.idle_lock_minutes()
        if minutes and monotonic() - self._last_input >= minutes * 60:
            self.action_lock()

    def action_lock(self) -> None:
        if self.locked:
            return
        if not (self.lock_policy and self.lock_policy[1]):
            self.notify("Choose a lock PIN first (command palette: Idle lock settings).", severity="warning")
            return
        from casetui.screens.lock import LockScreen

        self.locked = True
        self.use_command_palette = False
        self.push_screen(LockScreen())

    def secret_opens_lock(self, secret: str) -> bool:
        from casetui.data.services import lock

        if not secret:
            return False  # not a try: nothing typed
        if self.database.encrypted:
            opened = self.database.check_passphrase(secret)
        else:
            with self.database.transaction() as session:
                opened = lock.check_lock_secret(session, secret)
        if not opened:
            with self.database.transaction() as session:
                lock.record_wrong_secret(session)
        return opened

    def ask_lock_choice(self) -> None:
        """The first run of a plain file: a lock PIN, or the lock turned off explicitly."""
        from casetui.data.services import settings
        from casetui.screens.lock import FirstRunLockDialog

        self.push_screen(
            FirstRunLockDialog(int(settings.DEFAULTS["idle_lock_minutes"])), lambda _: self.load_lock_policy()
        )

    def unlock(self) -> None:
        from casetui.screens.lock import LockScreen

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
        from casetui.screens.lock import LockSettingsDialog

        minutes = self.lock_policy[0] if self.lock_policy else 0

        def saved(changed: bool | None) -> None:
            if changed:
                self.load_lock_policy()

        self.push_screen(LockSettingsDialog(minutes, self.database.encrypted), saved)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Lock now", "Hide client records until the passphrase or PIN is typed", self.action_lock)
        yield SystemCommand(
            "Idle lock settings", "Lock after idle minutes; choose the lock PIN", self.action_lock_settings
        )
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
