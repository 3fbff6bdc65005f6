"""The app starts on the demo caseload and quits from the keyboard."""

from __future__ import annotations

from textual.widgets import DataTable

from casetui.cli import make_app
from tests.conftest import TODAY


async def test_app_starts_and_shows_a_demo_client(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#cases", DataTable)
        assert table.row_count >= 20
        names = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert any("Sampleton" in name for name in names)
        await pilot.press("q")
    assert app.return_code == 0
