"""Edit a directory entry: every HSDS field a case manager keeps current, with inline errors.

Like the referral form, it is handed the entry's current values and a ``save(values)``
callable; errors raised by the service appear beside their fields and nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    Footer,
    Input,
    Select,
    SelectionList,
    Static,
    TextArea,
)

from casetui.data.domain import vocab
from casetui.widgets.fields import FormDialog, FormField

# Field name -> label, in form order; a name is also the control's id, so errors find their field.
TEXT_INPUTS = {
    "name": "Service name",
    "alternate_name": "Other name",
    "url": "Website",
    "email": "Email",
    "schedule_description": "Hours",
    "fees_description": "Fees",
    "application_process": "How to apply",
    "eligibility_description": "Eligibility in words",
    "interpretation_services": "Interpretation",
    "service_area": "Service area",
}
CHOICE_LISTS = {
    "categories": ("Need categories", vocab.DOMAINS),
    "populations": ("Populations served (none: everyone)", vocab.POPULATIONS),
    "genders": (
        "Genders served (none: every gender)",
        {k: v for k, v in vocab.GENDERS.items() if k not in ("not_stated", "other", "questioning")},
    ),
}


class ServiceEditForm(FormDialog):
    ERROR_TITLE = "Not saved"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="service-form.cancel"),
        Binding("ctrl+s", "save", "Save", id="service-form.save"),
    ]
    DEFAULT_CSS = """
    ServiceEditForm > VerticalScroll { width: 90; height: 100%; }
    ServiceEditForm #edit-title { text-style: bold; margin-bottom: 1; }
    ServiceEditForm TextArea { height: 6; }
    ServiceEditForm SelectionList { height: auto; max-height: 15; }
    ServiceEditForm Horizontal.buttons { margin-bottom: 1; }
    """

    def __init__(self, values: dict, *, statuses: tuple[str, ...], save: Callable[[dict], object]):
        super().__init__()
        self.initial = values
        self.statuses = statuses
        self.save = save

    def _text(self, name: str) -> str:
        value = self.initial.get(name)
        return "" if value is None else str(value)

    def compose(self) -> ComposeResult:
        def age(value) -> str:
            return "" if value is None else f"{value:g}"

        with VerticalScroll():
            yield Static(f"Edit {self._text('name')}", id="edit-title", markup=False)
            yield FormField(TEXT_INPUTS["name"], Input(self._text("name"), id="name"))
            yield FormField("Description", TextArea(self._text("description"), id="description"))
            yield FormField(
                "Status",
                Select(
                    [(s.capitalize(), s) for s in self.statuses],
                    allow_blank=False,
                    value=self.initial.get("status") or "active",
                    id="status",
                ),
            )
            for name in (
                "alternate_name",
                "url",
                "email",
                "schedule_description",
                "fees_description",
                "application_process",
            ):
                yield FormField(TEXT_INPUTS[name], Input(self._text(name), id=name))
            with Horizontal(classes="pair"):
                yield FormField("Minimum age", Input(age(self.initial.get("minimum_age")), id="minimum_age"))
                yield FormField("Maximum age", Input(age(self.initial.get("maximum_age")), id="maximum_age"))
            yield FormField(
                "Languages",
                Input(", ".join(self.initial.get("languages") or []), id="languages"),
                hint="comma-separated, e.g. English, Spanish",
            )
            for name, (label, options) in CHOICE_LISTS.items():
                chosen = set(self.initial.get(name) or [])
                yield FormField(
                    label, SelectionList(*[(text, code, code in chosen) for code, text in options.items()], id=name)
                )
            for name in ("eligibility_description", "interpretation_services", "service_area"):
                yield FormField(TEXT_INPUTS[name], Input(self._text(name), id=name))
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def values(self) -> dict:
        values = {name: self.query_one(f"#{name}", Input).value for name in TEXT_INPUTS}
        values["description"] = self.query_one("#description", TextArea).text
        values["status"] = self.query_one("#status", Select).value
        values["minimum_age"] = self.query_one("#minimum_age", Input).value
        values["maximum_age"] = self.query_one("#maximum_age", Input).value
        values["languages"] = self.query_one("#languages", Input).value
        for name in CHOICE_LISTS:
            values[name] = list(self.query_one(f"#{name}", SelectionList).selected)
        return values
