"""One Screen per workflow. Screens ask services in casetui.data; they hold no SQL."""


class ReloadOnReturn:
    """For screens showing what other screens change: ``load()`` again when the user comes back
    (not on the first showing, which the screen loads itself)."""

    _stale = False

    def on_screen_suspend(self) -> None:
        self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.load()
