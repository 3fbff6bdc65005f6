"""The note form: a contact (type, date, start time, duration, place, participants) written as a
narrative, DAP or SOAP note. Changing the format shows that format's sections; what was typed in
the others stays (hidden) until the form closes, so nothing typed is lost."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Select, TextArea

from casetui.data.domain import vocab
from casetui.widgets.date_field import DateField
from casetui.widgets.fields import FormField
from casetui.widgets.form_dialog import FormDialog


def section_id(code: str) -> str:
    return "text" if code == "text" else f"section_{code}"


class NoteForm(FormDialog):
    def __init__(self, title: str, save: Callable[[dict], object], values: dict, *, subtitle: str | None = None):
        super().__init__(title, save, wide=True, subtitle=subtitle)
        self.initial = values

    def form(self) -> ComposeResult:
        start = self.initial
        with Horizontal(classes="pair"):
            yield DateField("Contact date", Input(value=start.get("occurred_on", ""), id="occurred_on"))
            yield FormField(
                "Start time", Input(value=start.get("start_time") or "", placeholder="14:30", id="start_time")
            )
        with Horizontal(classes="pair"):
            yield FormField(
                "Type",
                Select(
                    [(label, code) for code, label in vocab.NOTE_KINDS.items()],
                    value=start.get("kind") or "visit",
                    allow_blank=False,
                    id="kind",
                ),
            )
            yield FormField(
                "Duration (minutes)",
                Input(value=str(start.get("duration_minutes") or ""), id="duration_minutes", type="integer"),
            )
        with Horizontal(classes="pair"):
            yield FormField(
                "Place", Input(value=start.get("place") or "", placeholder="Office, home, phone", id="place")
            )
            yield FormField(
                "Participants",
                Input(value=start.get("participants") or "", placeholder="Client, mother, landlord", id="participants"),
            )
        yield FormField(
            "Format",
            Select(
                [(label, code) for code, label in vocab.NOTE_FORMATS.items()],
                value=start.get("note_format") or "narrative",
                allow_blank=False,
                id="note_format",
            ),
        )
        seen: set[str] = set()
        for sections in vocab.NOTE_SECTIONS.values():
            for code, label in sections.items():
                if code in seen:  # "assessment" and "plan" are in DAP and SOAP: one field each
                    continue
                seen.add(code)
                yield FormField(label, TextArea(start.get(section_id(code)) or "", id=section_id(code)))

    def on_mount(self) -> None:
        self.show_sections(self.initial.get("note_format") or "narrative")

    @on(Select.Changed, "#note_format")
    def _format_changed(self, event: Select.Changed) -> None:
        self.show_sections(str(event.value))

    def show_sections(self, note_format: str) -> None:
        wanted = {section_id(code) for code in vocab.NOTE_SECTIONS.get(note_format, {"text": ""})}
        for field in self.query(FormField):
            if isinstance(field.control, TextArea):
                field.display = field.control.id in wanted
