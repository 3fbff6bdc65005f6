"""Spreadsheet-safe CSV cells (OWASP's rule against formula injection), and the way back.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (``=cmd|' /C calc'!A0``). Every CSV casetui writes passes its cells through
``cell``, which puts a single quote before such text: the spreadsheet shows the text, the quote
hidden. Text that already begins with quotes before one of those characters gets one more, so
``uncell`` (used by the HSDS importer) takes exactly one away and export then import gives the
text back unchanged.

Numbers (``int``, ``float``) are written as numbers: ``-5`` or a longitude of ``-122.4`` is a
value, not a formula, and numeric columns must stay numeric for the programs that read them.
Only text is neutralised, even text that looks like a number (a phone ``+1 555 0100``).
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Text a spreadsheet would run: a trigger first, after any quotes already there.
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def cell(value) -> str | int | float:
    """``value`` as a CSV cell: None is empty, numbers stay numbers, risky text gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):  # bool too: csv writes True/False
        return value
    text = str(value)
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def row(values) -> list:
    return [cell(value) for value in values]


def uncell(text: str) -> str:
    """A cell read back: the one quote ``cell`` added is taken away; other text is unchanged."""
    return text[1:] if text[:1] == "'" and _QUOTED.match(text) else text
