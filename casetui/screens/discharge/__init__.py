"""The discharge wizard: reason, goals review, linkage, coordination, documentation, close.

Each step saves in its own transaction through ``data.discharge``; leaving and coming back
resumes at the first step not done. Every rule (what closing needs, the consent gate, final
means final) lives in the service; the screen shows what it says. On a closed case the screen
shows the final record read-only and offers to reopen it.

``screen.py`` holds the steps and moves between them; each step is a widget of its own module
(``reason``, ``goals_review``, ``linkage``, ``coordination``, ``documentation``, ``review``) with
its fields, its messages and its keys; ``closed`` is the closed case's record.
"""

from casetui.screens.discharge.screen import DischargeScreen

__all__ = ["DischargeScreen"]
