"""A form field for a date that says, as it is typed, which day it reads."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from casetui.data.domain import dates
from casetui.widgets.fields import FormField
from casetui.widgets.plain import Plain


class DateField(FormField):
    """A FormField whose input is read as a date while it is typed: the day it reads shows
    under the input ("= Wed 4 Mar 2026"), or why it cannot be read (03/04/2026: both readings).
    A date the form fills in (today, the date on file, a resumed draft) is not repeated under
    it: the day shows once the field is typed into. Why a date cannot be read always shows.

    ``DateField("Date of birth", Input(id="date_of_birth"))``. ``order`` is the local order of
    day and month ("mdy" or "dmy"); without it, the app's ``date_order`` (read from the settings
    when the database opened), else "mdy". ``value`` is what was typed, as for any field: the
    services read it by the same rules (``dates.parse``), which do not depend on the order.
    """

    DEFAULT_CSS = """
    DateField > .date-hint {
        color: $text-muted;
        height: auto;
        display: none;
    }
    DateField.-hint > .date-hint {
        display: block;
    }
    DateField.-problem > .date-hint {
        color: $warning;
    }
    DateField.-invalid > .date-hint {
        display: none;
    }
    """

    def __init__(
        self, label: str, control: Input, *, hint: str | None = None, id: str | None = None, order: str | None = None
    ):
        super().__init__(label, control, hint=hint, id=id)
        self.order = dates.check_order(order) if order else None
        self._error_text: str | None = None  # what was typed when the error was shown
        self._typed_in = False

    def compose(self) -> ComposeResult:
        yield from super().compose()
        # What was typed is quoted back: never read as markup.
        yield Plain("", classes="date-hint")

    def on_mount(self) -> None:
        if self.order is None:
            order = getattr(self.app, "date_order", dates.DEFAULT_ORDER)
            self.order = order if order in dates.ORDERS else dates.DEFAULT_ORDER
        if not self.control.placeholder:
            self.control.placeholder = dates.pattern(self.order)
        self.show_reading()

    def _read(self) -> date | dates.DateProblem | None:
        if not self.control.value.strip():
            return None
        try:
            return dates.parse(self.control.value, self.order or dates.DEFAULT_ORDER)
        except dates.DateProblem as problem:
            return problem

    @property
    def day(self) -> date | None:
        """The day typed, or None (blank, or not readable as one day)."""
        read = self._read()
        return read if isinstance(read, date) else None

    def problem(self) -> dates.DateProblem | None:
        """Why what was typed is not one day; None when it is, or when nothing is typed."""
        read = self._read()
        return read if isinstance(read, dates.DateProblem) else None

    def show_reading(self) -> None:
        read = self._read()
        hint, is_problem = "", False
        if isinstance(read, date):
            if self._typed_in:
                hint = f"= {dates.describe(read)}"
                if self.size.width and len(hint) > self.size.width:
                    hint = hint[2:]  # a narrow field (a filter bar) keeps the date on one line
        elif read is not None:
            # Half typed (2026-0, 03/04/20) is only called wrong once the field is left.
            if not (self.control.has_focus and read.kind in ("not_a_date", "two_digit_year")):
                hint, is_problem = read.message, True
        self.query_one(".date-hint", Static).update(hint)
        self.set_class(bool(hint), "-hint")
        self.set_class(is_problem, "-problem")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input is not self.control:
            return
        # Typing happens in the focused field; the form's own filling does not.
        self._typed_in = self._typed_in or self.control.has_focus
        # The reading below replaces an error about an earlier text (not about this one: the
        # form may fill its fields again just before it shows its errors).
        if self.has_class("-invalid") and event.value != self._error_text:
            super().set_error(None)
        self.show_reading()

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        if event.input is self.control:
            self.show_reading()

    def set_error(self, message: str | None) -> None:
        if message and (problem := self.problem()) is not None:
            # The service read it by the same rules; this says it in the local order.
            message = problem.message
        self._error_text = self.control.value
        super().set_error(message)
