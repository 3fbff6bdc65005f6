"""Step 1: why the case ends, planned or not, the discharge date and the destination at exit."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Select, Static

from casetui.data.domain import vocab
from casetui.data.services import discharge
from casetui.screens.discharge.step import Step, read_progress, selected
from casetui.widgets.date_field import DateField
from casetui.widgets.fields import FormField, show_errors


def _destination_options(group: str | None) -> list[tuple[str, int]]:
    return [(f"{code} {label}", code) for code, label in discharge.destinations_in(group).items()] if group else []


class ReasonStep(Step):
    KEY = "reason"
    BINDINGS = [Binding("ctrl+s", "save_reason", "Save reason", id="discharge.save-reason")]

    def compose(self) -> ComposeResult:
        record = self.loaded.record
        group = vocab.HMIS_DESTINATIONS.get(record.destination, (None,))[0] if record and record.destination else None
        yield Static("1 · Reason for discharge", classes="step-title")
        yield FormField(
            "Why the case ends",
            Select(
                [(label, code) for code, label in vocab.DISCHARGE_REASONS.items()],
                value=record.reason if record and record.reason else Select.NULL,
                prompt="Choose a reason",
                id="reason",
            ),
        )
        yield FormField(
            "Other reason, in words",
            Input(record.reason_other or "" if record else "", id="reason_other"),
            id="field-reason_other",
        )
        with Horizontal(classes="row"):
            planned = (
                Select.NULL if not record or record.planned is None else ("planned" if record.planned else "unplanned")
            )
            yield FormField(
                "Planned or unplanned",
                Select(
                    [("Planned", "planned"), ("Unplanned", "unplanned")],
                    value=planned,
                    prompt="Choose",
                    id="planned",
                ),
            )
            when = record.discharge_on if record and record.discharge_on else self.app.today
            yield DateField("Discharge date", Input(f"{when:%Y-%m-%d}", id="discharge_on"))
        yield FormField(
            "Destination at exit: situation",
            Select(
                [(label, code) for code, label in vocab.HMIS_DESTINATION_GROUPS.items()],
                value=group or Select.NULL,
                prompt="Choose the kind of place",
                id="destination_group",
            ),
        )
        yield FormField(
            "Destination (HUD HMIS 3.12)",
            Select(
                _destination_options(group),
                value=record.destination if group else Select.NULL,
                prompt="Choose the destination",
                id="destination",
            ),
        )
        yield FormField(
            "Rental subsidy type (HMIS 3.12.A)",
            Select(
                [(f"{code} {label}", code) for code, label in vocab.HMIS_SUBSIDY_TYPES.items()],
                value=record.subsidy_type if record and record.subsidy_type else Select.NULL,
                prompt="Choose the subsidy",
                id="subsidy_type",
            ),
            id="field-subsidy_type",
        )

    def on_mount(self) -> None:
        self._show_extras()

    @on(Select.Changed, "#reason, #destination")
    def _show_extras(self) -> None:
        self.query_one("#field-reason_other").display = selected(self.query_one("#reason", Select)) == "other"
        subsidy = selected(self.query_one("#destination", Select)) == vocab.HMIS_SUBSIDY_DESTINATION
        self.query_one("#field-subsidy_type").display = subsidy

    @on(Select.Changed, "#destination_group")
    def _group_changed(self, event: Select.Changed) -> None:
        destination = self.query_one("#destination", Select)
        current = selected(destination)
        options = _destination_options(selected(event.select))
        destination.set_options(options)
        if current in {code for _, code in options}:
            destination.value = current
        self._show_extras()

    def action_save_reason(self) -> None:
        planned = selected(self.query_one("#planned", Select))
        values = {
            "reason": selected(self.query_one("#reason", Select)),
            "reason_other": self.query_one("#reason_other", Input).value,
            "planned": None if planned is None else planned == "planned",
            "discharge_on": self.query_one("#discharge_on", Input).value,
            "destination": selected(self.query_one("#destination", Select)),
            "subsidy_type": selected(self.query_one("#subsidy_type", Select)),
            "today": self.app.today,
        }

        def save(session):
            discharge.save_reason(session, self.case_id, **values)
            return read_progress(session, self.case_id, values["today"])

        def saved(progress) -> None:
            show_errors(self, {})
            self.saved("Reason, date and destination saved.", progress=progress)

        self.save(save, saved, on_error=lambda exc: self.failed(exc, "Reason not saved"))
