"""What the discharge steps share: the case as read, the reads a save repeats, the Step widget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from textual import on
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Select, TextArea

from casetui.data.domain.errors import CasetuiError, ValidationError
from casetui.data.services import cases, clients, discharge
from casetui.widgets.fields import FormField, show_errors


class Loaded(NamedTuple):
    """What the screen is built from: read in one transaction when it opens (or is rebuilt), then
    kept up to date with what the steps' saves read again, so a step built later shows it."""

    case: Any
    client: Any
    record: Any
    reviews: list
    progress: Any = None  # the rest only for an open case
    linkage: Any = None
    contacts: Any = None
    suggestions: Any = None  # read again when the goals are saved; else the linkage step reads them


def read_progress(session, case_id: int, today: date):
    return discharge.step_states(session, case_id), discharge.checklist(session, case_id, today)


def read_linkage(session, case_id: int):
    return discharge.linkage_referrals(session, case_id), discharge.likely_recipients(session, case_id)


def read_case(session, case_id: int, today: date) -> Loaded:
    case = cases.get_case(session, case_id)
    client = clients.get_client(session, case.client_id)
    record = discharge.current_discharge(session, case_id)
    if case.closed_on:
        return Loaded(case, client, record, [])
    return Loaded(
        case,
        client,
        record,
        discharge.goal_reviews(session, case_id, today),
        read_progress(session, case_id, today),
        read_linkage(session, case_id),
        discharge.coordination_contacts(session, case_id),
    )


def selected(select: Select):
    return None if select.value is Select.NULL else select.value


def written(files: Callable[[], list[Path]]) -> list[Path]:
    """Files saved inside a worker: a disk refusing them is told like a refused save."""
    try:
        return files()
    except OSError as exc:
        raise CasetuiError(str(exc)) from exc


class Step(VerticalScroll):
    """One step of the wizard: its fields, their messages and its keys (which apply while the
    cursor is inside it). It saves through the screen's workers and says so with ``Step.Saved``."""

    KEY: ClassVar[str]

    class Saved(Message):
        """A save of ``step`` went through. ``read``: what its transaction read again for the
        screen and the other steps (fields of ``Loaded``); ``finished``: the step is done."""

        def __init__(self, step: Step, *, finished: bool = False, **read: Any):
            super().__init__()
            self.step, self.finished, self.read = step, finished, read

    class CaseClosed(Message):
        """The case was closed: the screen is rebuilt from ``loaded``."""

        def __init__(self, loaded: Loaded):
            super().__init__()
            self.loaded = loaded

    def __init__(self, loaded: Loaded):
        super().__init__(id=f"step-{self.KEY}", classes="step")
        self.loaded = loaded
        self.case_id = loaded.case.id

    def save(self, work: Callable[[Any], Any], then: Callable[[Any], object], on_error=None) -> None:
        """Through the screen (one save at a time there). An answer that comes after this step
        was removed (the case was closed meanwhile) is dropped with it."""
        self.screen.save(work, self._here(then), on_error and self._here(on_error))

    def newest(self, read: Callable[[Any], Any], show: Callable[[Any], object], group: str, on_error=None) -> None:
        """Read in a worker and show the answer: only the newest of its group (``exclusive``)."""
        self.screen.call_service(
            read, self._here(show), group=group, exclusive=True, on_error=on_error and self._here(on_error)
        )

    def cancel(self, group: str) -> None:
        """Drop the answer of a read asked before (its worker belongs to the screen)."""
        self.app.workers.cancel_group(self.screen, group)

    def _here(self, callback: Callable[[Any], object]) -> Callable[[Any], object]:
        return lambda value: callback(value) if self.is_attached else None

    def saved(self, message: str, **read: Any) -> None:
        """The step is done: on to the next one (unless the user has moved on already)."""
        self.notify(message, title="Saved")
        self.post_message(self.Saved(self, finished=True, **read))

    def finish(self, message: str) -> None:
        """Mark the step done (linkage, coordination: what they saved is saved already)."""
        today = self.app.today

        def finish(session):
            discharge.complete_step(session, self.case_id, self.KEY)
            return read_progress(session, self.case_id, today)

        self.save(finish, lambda progress: self.saved(message, progress=progress), on_error=self.refused("Not saved"))

    def failed(self, exc: CasetuiError, title: str) -> None:
        if isinstance(exc, ValidationError):
            for message in show_errors(self, exc.errors):
                self.notify(message, severity="error", title=title)
        else:
            self.notify(str(exc), severity="error", title=title)

    def refused(self, title: str) -> Callable[[CasetuiError], None]:
        return lambda exc: self.notify(str(exc), severity="error", title=title)

    def show_read(self, loaded: Loaded, changed: set[str]) -> None:
        """Show what a save read again (``changed``: the fields of ``loaded`` it read)."""

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _clear_own_error(self, event) -> None:
        """A field's message goes as soon as the field is changed: it said what was wrong with
        what was there before (the next save checks again)."""
        field = next((node for node in event.control.ancestors if isinstance(node, FormField)), None)
        if field is not None and field.has_class("-invalid"):
            field.set_error(None)

    def focus_first(self) -> None:
        """The first field takes the cursor (so the step's keys apply); the step itself if it has none."""
        self.scroll_home(animate=False)
        fields = [w for w in self.query("Input, Select, TextArea, DataTable, Button") if w.focusable]
        (fields[0] if fields else self).focus()
