"""The form that marks an entry entered in error: what the entry is, and the required reason.

Every kind of entry (note, progress, referral, consent, assessment, goal, stage change) uses
this one form; its screen hands it ``save(values)``, which calls ``corrections.mark_in_error``.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input

from casetui.widgets.fields import FormField
from casetui.widgets.form_dialog import FormDialog


def correction_form(what: str, entry: str, save: Callable[[dict], object]) -> FormDialog:
    """``what``: the kind of entry ("note"); ``entry``: the entry in a few words (its date, its subject)."""
    return FormDialog(
        f"Mark this {what} entered in error",
        save,
        subtitle=f"{entry}\nThe {what} stays in the record, struck through, with your name, the time and the reason; "
        "it no longer counts anywhere.",
        fields=[
            FormField(
                "Reason (required)",
                Input(id="reason", placeholder="e.g. Written in the wrong client's record"),
            )
        ],
        ok="Mark in error",
    )
