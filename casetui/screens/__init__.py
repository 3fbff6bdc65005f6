"""One Screen per workflow. Screens ask services in casetui.data; they hold no SQL."""


class ReloadOnReturn:
    """For screens showing what other screens change: ``load()`` again when the user comes back,
    if a record changed meanwhile (``Database.changes``); not on the first showing, which
    the screen loads itself. Coming back after only looking elsewhere shows the screen at once."""

    _left_at: int | None = None

    def on_screen_suspend(self) -> None:
        self._left_at = self.app.record_changes

    def on_screen_resume(self) -> None:
        left_at, self._left_at = self._left_at, None
        if left_at is not None and self.app.record_changes != left_at:
            self.load()
