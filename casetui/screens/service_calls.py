"""How screens ask services: off the interface thread, one transaction per call.

``call_service(work, then)`` runs ``work(session)`` in a thread worker inside
``database.transaction()`` (commits when ``work`` returns, rolls back if it raises) and hands
its result to ``then(result)`` on the interface thread. A ``CasetuiError`` goes to ``on_error``
(by default: a ``ValidationError`` beside its fields, anything else a notification), also on
the interface thread. Any other exception is a bug: the worker fails as Textual's workers do.

``then`` and ``on_error`` run on the screen's own message loop, as its event handlers do: one
at a time, never in the middle of a handler (or of another answer) that is waiting for widgets
to mount, and a dialog they open answers to the screen. The worker ends once they have run, so
a test that waits for the workers sees what they did. A cancelled call hands nothing back:
Textual cancels a screen's workers when the screen goes, and ``exclusive=True`` cancels the call
a newer one of its group replaces (its thread cannot be stopped; only its answer is dropped).
A callback must therefore not wait for another call of the same screen (that call's answer
would queue behind it).

``Database.transaction()`` refuses to run on the event loop when asked from the interface
(``storage/database.py``), so a screen that forgets this fails its tests instead of freezing on
an agency's slow link.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from textual.worker import Worker, get_current_worker

from casetui.data.domain.errors import CasetuiError, ValidationError

T = TypeVar("T")


class ServiceCalls:
    """Mixin for a Screen or ModalScreen (anything with ``app``, ``run_worker`` and ``notify``)."""

    ERROR_TITLE = "Not saved"

    def call_service(
        self,
        work: Callable[[Any], T],
        then: Callable[[T], None] | None = None,
        *,
        on_error: Callable[[CasetuiError], None] | None = None,
        group: str = "service",
        exclusive: bool = False,
    ) -> Worker:
        app = self.app  # read here: a worker thread must not look up the active app itself

        def run() -> None:
            try:
                # app.database is read in the thread: at start-up it may still be opening.
                with app.database.transaction() as session:
                    result = work(session)
            except CasetuiError as exc:
                self._hand_over(app, get_current_worker(), on_error or self.show_service_error, exc)
                return
            if then is not None:
                self._hand_over(app, get_current_worker(), then, result)

        return self.run_worker(run, thread=True, group=group, exclusive=exclusive, name=getattr(work, "__name__", ""))

    def _hand_over(self, app, worker: Worker, callback: Callable[[Any], object], value: Any) -> None:
        """From the worker's thread: run ``callback(value)`` on the screen's message loop and wait
        until it has run (or the call was cancelled)."""
        if worker.is_cancelled:  # the app may be gone already; checked again on the interface thread
            return
        done = threading.Event()

        async def answer() -> None:
            try:
                if not worker.is_cancelled:  # checked where the cancelling happens
                    result = callback(value)
                    # An async callback is awaited; what a plain one returns is not (dismiss() and
                    # push_screen() give awaitables that must not be awaited from the screen itself).
                    if inspect.iscoroutine(result):
                        await result
            finally:
                done.set()

        async def hand() -> bool:
            if worker.is_cancelled:
                return True
            if self.call_later(answer):
                return False
            # The screen is closing (it takes no more messages) but its workers still run: what
            # it waits for as it goes, a last draft, is answered here.
            await answer()
            return True

        if app.call_from_thread(hand):
            return
        while not done.wait(0.05):
            if worker.is_cancelled:  # the screen went before it could answer
                return

    def show_service_error(self, error: CasetuiError) -> None:
        """A ValidationError beside its fields (when this screen shows them), else a notification."""
        if isinstance(error, ValidationError):
            from casetui.widgets.fields import show_errors

            for message in show_errors(self, error.errors):
                self.notify(message, severity="error", title=self.ERROR_TITLE)
            return
        self.notify(str(error), severity="error", title=self.ERROR_TITLE)
