"""The intake assessment: the screen (``screen.py``) coordinates one widget per section
(``sections.py``) and, after an assessment of a case, the comparison (``result.py``)."""

from casetui.screens.intake.screen import IntakeScreen

__all__ = ["IntakeScreen"]
