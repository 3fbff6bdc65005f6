"""The progress chart's date line: the dates at its two ends never run into each other."""

from __future__ import annotations

import re
from datetime import date

import pytest
from textual.app import App

from casetui.widgets.progress_chart import ProgressChart


class ChartApp(App):
    def compose(self):
        yield ProgressChart(id="chart")


@pytest.mark.parametrize("width", [24, 30, 40, 80])
async def test_the_date_labels_do_not_overlap_at_any_width(width):
    app = ChartApp()
    async with app.run_test(size=(width, 12)) as pilot:
        chart = app.query_one(ProgressChart)
        chart.show(
            [(date(2026, 1, 5), 2.0), (date(2026, 1, 10), 4.0)],
            baseline=0,
            target=10,
            start_on=date(2026, 1, 1),
            due_on=date(2026, 3, 2),
            today=date(2026, 1, 15),
        )
        await pilot.pause()
        width_, height = chart.content_size
        lines = chart._draw(width_, height).plain.splitlines()
        dates = lines[-2]
        assert "due 2026-03-02" in dates
        if "2026-01-01" in dates:  # both ends shown only when both fit, apart
            assert dates.index("2026-01-01") + len("2026-01-01") < dates.index("due 2026-03-02")
        # Every word is whole: a full date, "due" or "today" (no date cut into another).
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d|due|today", word) for word in dates.split()), dates
