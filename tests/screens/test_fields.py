"""FormField reads its control's value; a blank Select reads as None."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input, Select

from casetui.widgets.fields import FormField, show_errors


class FieldsApp(App):
    def compose(self) -> ComposeResult:
        yield FormField("Kind", Select([("Phone", "phone"), ("Visit", "visit")], id="kind"))
        yield FormField("Text", Input(id="text"))


async def test_blank_select_reads_none_and_errors_show_beside_fields():
    app = FieldsApp()
    async with app.run_test() as pilot:
        kind, text = app.query(FormField)
        assert kind.value is None
        kind.control.value = "visit"
        assert kind.value == "visit"
        left = show_errors(app.screen, {"text": "Text is required.", "other": "Something else."})
        await pilot.pause()
        assert left == ["Something else."]
        assert text.has_class("-invalid") and not kind.has_class("-invalid")
        assert app.focused is text.control
