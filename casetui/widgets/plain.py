"""Typed text shown as typed: the one way for each place text is shown.

Textual reads a ``str`` as markup almost everywhere: "call [mom]" would lose "[mom]" and
"a [/] b" would stop the app. So names, notes, goals, services... go
- into tables through ``cells``;
- into a text widget as ``Plain`` (a Static that never reads markup);
- beside our own markup as ``Content.from_markup(template, name=value)``;
- into notifications as they are: the app's ``notify`` never reads markup (``CaseApp.notify``).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Plain(Static):
    """A Static whose text is never read as markup."""

    def __init__(self, content="", **kwargs) -> None:
        super().__init__(content, markup=False, **kwargs)


def cell(value: str) -> Text:
    """``value`` as a one-line cell, drawn exactly like a str cell without markup."""
    return Text(value, no_wrap=True, end="")


def cells(*values) -> list:
    """A table row: each str as a plain ``cell``; Text and other values as they are."""
    return [cell(value) if isinstance(value, str) else value for value in values]
