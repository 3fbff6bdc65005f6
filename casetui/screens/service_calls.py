"""How screens ask services: off the interface thread, one transaction per call.

``call_service(work, then)`` runs ``work(session)`` in a thread worker inside
``database.transaction()`` (commits when ``work`` returns, rolls back if it raises) and hands
its result to ``then(result)`` on the interface thread. A ``CasetuiError`` goes to ``on_error``
(by default: a ``ValidationError`` beside its fields, anything else a notification), also on
the interface thread. Any other exception is a bug: the worker fails as Textual's workers do.

``Database.transaction()`` refuses to run on the event loop when asked from the interface
(``storage/database.py``), so a screen that forgets this fails its tests instead of freezing on
an agency's slow link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.worker import Worker

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
                app.call_from_thread(on_error or self.show_service_error, exc)
                return
            if then is not None:
                app.call_from_thread(then, result)

        return self.run_worker(run, thread=True, group=group, exclusive=exclusive, name=getattr(work, "__name__", ""))

    def show_service_error(self, error: CasetuiError) -> None:
        """A ValidationError beside its fields (when this screen shows them), else a notification."""
        if isinstance(error, ValidationError):
            from casetui.widgets.fields import show_errors

            for message in show_errors(self, error.errors):
                self.notify(message, severity="error", title=self.ERROR_TITLE, markup=False)
            return
        self.notify(str(error), severity="error", title=self.ERROR_TITLE, markup=False)
