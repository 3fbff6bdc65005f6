"""Typed text shown as typed.

A DataTable reads a ``str`` cell as Rich markup: "call [mom]" would lose "[mom]" and "a [/] b"
would stop the app. Names, notes, goals, services... go into tables through ``cells``.
(Elsewhere: ``markup=False`` on a Static that is all plain, ``Content.from_markup(template,
name=value)`` where our own markup surrounds typed text, ``notify(..., markup=False)``.)
"""

from __future__ import annotations

from rich.text import Text


def cell(value: str) -> Text:
    """``value`` as a one-line cell, drawn exactly like a str cell without markup."""
    return Text(value, no_wrap=True, end="")


def cells(*values) -> list:
    """A table row: each str as a plain ``cell``; Text and other values as they are."""
    return [cell(value) if isinstance(value, str) else value for value in values]
