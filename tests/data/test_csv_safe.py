"""Spreadsheet-safe CSV cells: OWASP's rule, numbers left as numbers, and an exact way back."""

from __future__ import annotations

import csv
import io

import pytest

from casetui.data.domain import csv_safe


@pytest.mark.parametrize(
    "value, written",
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1 555 0100", "'+1 555 0100"),  # text that looks like a number is still text
        ("-5", "'-5"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),  # already quoted: one more, so reading takes exactly one away
        ("''-2", "'''-2"),
        ("O'Brien", "O'Brien"),
        ("'quoted'", "'quoted'"),
        ("Food = help", "Food = help"),
        ("", ""),
        (None, ""),
        (-5, -5),  # a number is a value, not a formula: numeric columns stay numeric
        (-122.4, -122.4),
        (0, 0),
    ],
)
def test_cells_that_a_spreadsheet_would_run_get_one_quote(value, written):
    assert csv_safe.cell(value) == written
    if isinstance(written, str):
        assert csv_safe.uncell(written) == ("" if value is None else value)


def test_written_and_read_through_the_csv_module_every_text_comes_back():
    texts = ["=1", "'=1", "''=1", "'", "''", "-", "+", "@", "\t", "\r", "\r\n=x", "a'b", "'a", "plain", "-5", "x=1"]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow(csv_safe.row(texts))
    read = next(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert not any(cell.startswith(csv_safe.TRIGGERS) for cell in read)
    assert [csv_safe.uncell(cell) for cell in read] == texts
