"""The intake assessment: the screen (``screen.py``) coordinates one widget per section
(``sections.py``) and, after an assessment of a case, the comparison (``result.py``)."""

from casetui.screens.intake.screen import IntakeScreen, read_start


def open_intake(app, case_id: int | None = None) -> None:
    """The case and any draft read first (in a thread, a few milliseconds), then the screen: a
    draft's resume question shows with it, not a moment after the form."""
    from casetui.data.domain.errors import CasetuiError

    def read() -> None:
        try:
            with app.database.transaction() as session:
                loaded = read_start(session, case_id)
        except CasetuiError as exc:
            app.call_from_thread(app.notify, str(exc), title="No assessment", severity="error")
            return
        app.call_from_thread(app.push_screen, IntakeScreen(case_id=case_id, loaded=loaded))

    app.run_worker(read, thread=True, group="open-intake", exclusive=True, exit_on_error=False)


__all__ = ["IntakeScreen", "open_intake", "read_start"]
