"""Reminders while the app is open: a notification at each appointment's lead time (each once),
and the "next: 14:30 home visit, ..." lines kept current.

A check every ``CHECK_S`` seconds reads the worker's appointments of the coming week in a thread
(an indexed read of a few rows). Nothing is shown while the screen is locked (it would put a
client's name on an unattended screen): a reminder missed then is shown once unlocked, if the
appointment has not begun. No check runs on a date pinned without a time (``clock_known``).
"""

from __future__ import annotations

from datetime import timedelta

CHECK_S = 30.0
AHEAD_DAYS = 8  # a reminder is at most a week ahead


class Reminders:
    """Mixin for CaseApp (it has ``now``, ``clock_known``, ``database``, ``worker_name``, ``locked``)."""

    _reminded: set[int] | None = None

    def start_reminders(self) -> None:
        self._reminded = set()
        self.set_interval(CHECK_S, self.check_reminders, name="reminders")

    def check_reminders(self) -> None:
        if not self.clock_known or getattr(self, "locked", False) or self._reminded is None:
            return
        self.run_worker(self._read_reminders, thread=True, group="reminders", exclusive=True, exit_on_error=False)

    def _read_reminders(self) -> None:
        from casetui.data.domain.errors import CasetuiError
        from casetui.data.services import appointments

        now = self.now
        try:
            with self.database.transaction() as session:
                rows = appointments.between(
                    session, self.worker_name, now.date() - timedelta(days=1), now.date() + timedelta(days=AHEAD_DAYS)
                )
        except CasetuiError:
            return  # the database is closing or refused: the next check tries again
        due = appointments.reminders_due(rows, now, set(self._reminded or ()))
        self.call_from_thread(self._remind, due, now)

    def _remind(self, due: list, now) -> None:
        if getattr(self, "locked", False):
            return
        for row in due:
            self._reminded.add(row.id)
            minutes = max(0, round((row.starts_utc - now).total_seconds() / 60))
            place = f" at {row.place}" if row.place else ""
            self.notify(f"{row.describe()}{place}, in {minutes} minutes.", title="Reminder", timeout=60)
        for screen in self.screen_stack:
            if hasattr(screen, "show_next"):
                screen.show_next()
