"""Edit a directory entry: every HSDS field a case manager keeps current, with inline errors.

Like the referral form, it is handed the entry's current values and a ``save(values)``
callable; errors raised by the service appear beside their fields and nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import (
    Input,
    Select,
    SelectionList,
    TextArea,
)

from casetui.data.domain import vocab
from casetui.widgets.fields import FormField
from casetui.widgets.form_dialog import FormDialog

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
    def __init__(self, values: dict, *, statuses: tuple[str, ...], save: Callable[[dict], object]):
        name = values.get("name")
        super().__init__(f"Edit {'' if name is None else name}", save, wide=True)
        self.initial = values
        self.statuses = statuses

    def _text(self, name: str) -> str:
        value = self.initial.get(name)
        return "" if value is None else str(value)

    def form(self) -> ComposeResult:
        def age(value) -> str:
            return "" if value is None else f"{value:g}"

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

    def initial_focus(self) -> Input:
        return self.query_one("#name", Input)
