"""The intake's sections, one widget each: a page with its title and fields.

A section is mounted the first time it is shown and fills its fields from the form's values as
it mounts; ``values()`` reads them back and ``fill()`` sets them. Every control carries the
class ``form-control`` and the field's name as its id, so a draft's keys are the ids. Any change
to a field is told to the screen as one ``IntakeSection.Changed`` (it autosaves on it).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static, TextArea

from casetui.data.domain import instruments, vocab
from casetui.keys import key_text
from casetui.widgets.choice_picker import ChoicePicker
from casetui.widgets.date_field import DateField
from casetui.widgets.fields import FormField, show_errors
from casetui.widgets.instrument import InstrumentPanel
from casetui.widgets.plain import Plain
from casetui.widgets.ssm_picker import DomainRating

# Not part of the assessment: how to save the summary document.
SUMMARY_FIELDS = ("save_summary", "summary_format", "summary_path")
INSTRUMENTS = {instrument.key: instrument for instrument in instruments.INSTRUMENTS.values()}


def control_value(widget: Widget):
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Select):
        return None if widget.is_blank() else widget.value
    if isinstance(widget, SelectionList):
        return list(widget.selected)
    return widget.value  # Input, Checkbox, ChoicePicker


def set_control_value(widget: Widget, value) -> None:
    if isinstance(widget, TextArea):
        widget.load_text(value or "")
    elif isinstance(widget, Select):
        if value is None:
            widget.clear()
        else:
            widget.value = value
    elif isinstance(widget, SelectionList):
        widget.deselect_all()
        for item in value or []:
            widget.select(item)
    elif isinstance(widget, Checkbox):
        widget.value = bool(value)
    elif isinstance(widget, Input):
        widget.value = "" if value is None else str(value)
    elif isinstance(widget, ChoicePicker):
        widget.value = value


class IntakeSection(VerticalScroll):
    """One section's page. ``values`` is the form's values (read as the section mounts);
    ``new_client``: the intake of a new client, not an assessment of a case; ``previous``: the
    case's last score of each need domain."""

    class Changed(Message):
        """A field of the section changed."""

    # A reassessment's: what the case's last assessment recorded (set by the screen), and its date.
    known: dict = {}  # noqa: RUF012 (replaced whole, never changed in place)
    known_from: str = ""

    def __init__(self, section: str, title: str, values: dict, *, new_client: bool, previous: dict[str, int]):
        super().__init__(id=f"page-{section}", classes="page")
        self.section, self.title = section, title
        self.new_client, self.previous = new_client, previous
        self._values = values

    def compose(self) -> ComposeResult:
        yield Static(self.title, classes="page-title")
        yield from self.fields()

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.fill(self._values)

    def values(self) -> dict:
        return {widget.id: control_value(widget) for widget in self.query(".form-control")}

    def fill(self, values: dict) -> None:
        for widget in self.query(".form-control"):
            if widget.id in values:
                set_control_value(widget, values[widget.id])

    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Each error beside its field (the others' cleared), the first invalid field focused;
        returns the messages of the errors this section has no field for."""
        return show_errors(self, errors)

    def focus_first(self) -> None:
        """The page at its top, with the title and the first field in view and that field focused."""
        focusable = [widget for widget in self.query("*") if widget.focusable]
        if focusable:
            self.call_after_refresh(focusable[0].focus, scroll_visible=False)
        self.call_after_refresh(self.scroll_home, animate=False)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(SelectionList.SelectedChanged)
    @on(ChoicePicker.Changed)
    def _changed(self) -> None:
        self.post_message(self.Changed())


class IdentitySection(IntakeSection):
    def fields(self) -> ComposeResult:
        yield FormField("First name", Input(id="first_name", max_length=100, classes="form-control"))
        yield FormField("Last name", Input(id="last_name", max_length=100, classes="form-control"))
        yield FormField(
            "Preferred name", Input(id="preferred_name", max_length=100, classes="form-control"), hint="if different"
        )
        yield FormField("Phone", Input(id="phone", max_length=40, classes="form-control"))
        yield FormField("Email", Input(id="email", max_length=200, classes="form-control"))
        yield FormField("Address", Input(id="address", max_length=200, classes="form-control"))
        yield Horizontal(
            FormField("City", Input(id="city", max_length=100, classes="form-control")),
            FormField("Postal code", Input(id="postal_code", max_length=20, classes="form-control")),
            classes="pair",
        )


class DemographicsSection(IntakeSection):
    def fields(self) -> ComposeResult:
        yield DateField("Date of birth", Input(id="date_of_birth", classes="form-control"))
        yield FormField(
            "Gender",
            Select(
                [(label, code) for code, label in vocab.GENDERS.items()],
                id="gender",
                prompt="Not recorded",
                classes="form-control",
            ),
        )
        yield Horizontal(
            FormField(
                "Pronouns", Input(id="pronouns", max_length=32, placeholder="e.g. she/her", classes="form-control")
            ),
            FormField("Preferred language", Input(id="language", max_length=64, classes="form-control")),
            classes="pair",
        )
        yield FormField(
            "Interpreter", Checkbox("Needs an interpreter", id="interpreter_needed", classes="form-control")
        )
        yield FormField(
            "Household size",
            Input(id="household_size", placeholder="people, 1-30", type="integer", classes="form-control"),
        )
        yield FormField(
            "Household", TextArea(id="household_notes", classes="form-control short"), hint="who lives with the client"
        )
        yield FormField("Veteran", Checkbox("Has served in the armed forces", id="veteran", classes="form-control"))
        yield FormField(
            "Populations",
            SelectionList(
                *[(label, code) for code, label in vocab.POPULATIONS.items()], id="populations", classes="form-control"
            ),
            hint="space to mark",
        )


class ReferralSection(IntakeSection):
    def fields(self) -> ComposeResult:
        yield DateField("Assessment date", Input(id="assessed_on", classes="form-control"))
        if self.new_client:  # an assessment of a case keeps the case's program
            yield FormField(
                "Program",
                Input(id="program", max_length=100, placeholder="General case management", classes="form-control"),
            )
        if self.known:  # a reassessment: the referral is the case's, kept from its last assessment
            yield Static(f"Referral, as recorded at the assessment of {self.known_from} (kept):", classes="muted")
            for label, field in (("Source", "referral_source"), ("Reason", "referral_reason")):
                yield Plain(f"{label}: {self.known.get(field) or 'not recorded'}", classes="known-value")
            return
        yield FormField(
            "Referral source",
            Input(id="referral_source", max_length=200, classes="form-control"),
            hint="who sent the client",
        )
        yield FormField("Reason for referral", TextArea(id="referral_reason", classes="form-control"))


class TextSection(IntakeSection):
    """One long text: its label and field by section (``TEXTS``)."""

    TEXTS = {
        "words": ("What the client says they need, in their own words", "client_words"),
        "strengths": ("The client's strengths, skills and supports", "strengths"),
        "history": ("Who helped before, and what worked", "service_history"),
        "environment": ("Environmental and social factors behind the situation", "environmental_factors"),
    }

    def fields(self) -> ComposeResult:
        label, field = self.TEXTS[self.section]
        yield FormField(label, TextArea(id=field, classes="form-control tall"))


class NeedsSection(IntakeSection):
    def fields(self) -> ComposeResult:
        scale = "  ".join(f"{n} {label}" for n, label in vocab.SSM_SCALE.items())
        yield Static(
            f"Rate each domain on the Self-Sufficiency Matrix: {scale}. Type the number on a domain to rate "
            "it (the cursor stays; tab goes on to its note). Leave a domain blank if it was not discussed.",
            classes="muted intro",
        )
        for domain, label in vocab.DOMAINS.items():
            yield DomainRating(domain, label, previous=self.previous.get(domain))


class InstrumentSection(IntakeSection):
    """A questionnaire (PHQ-9, GAD-7): the section's id is the instrument's key."""

    def fields(self) -> ComposeResult:
        yield InstrumentPanel(INSTRUMENTS[self.section])


class ConsentSection(IntakeSection):
    def fields(self) -> ComposeResult:
        yield FormField(
            "Consent",
            Checkbox("The client consents to services", id="consent_to_services", classes="form-control"),
            hint="required to open a case" if self.new_client else None,
        )
        yield FormField(
            "Summary document", Checkbox("Save a summary document on submit", id="save_summary", classes="form-control")
        )
        yield Horizontal(
            FormField(
                "Format",
                Select(
                    [("Markdown", "md"), ("HTML", "html"), ("PDF", "pdf")],
                    value="md",
                    allow_blank=False,
                    id="summary_format",
                    classes="form-control",
                ),
            ),
            FormField(
                "Save to",
                Input(id="summary_path", placeholder="the documents folder", classes="form-control"),
                hint="a file or a folder",
            ),
            classes="pair",
        )
        yield Button(f"Submit  {key_text(self.app, 'intake.submit')}", id="submit", variant="primary")


# (id, title, shown for a new client only, widget)
SECTIONS: list[tuple[str, str, bool, type[IntakeSection]]] = [
    ("identity", "Identity & contact", True, IdentitySection),
    ("demographics", "Demographics", True, DemographicsSection),
    ("referral", "Referral", False, ReferralSection),
    ("words", "Client's own words", False, TextSection),
    ("needs", "Needs by domain", False, NeedsSection),
    ("strengths", "Strengths", False, TextSection),
    ("history", "History of services", False, TextSection),
    ("environment", "Environment & social", False, TextSection),
    ("phq9", "PHQ-9 (depression)", False, InstrumentSection),
    ("gad7", "GAD-7 (anxiety)", False, InstrumentSection),
    ("consent", "Consent & submit", False, ConsentSection),
]
# The section of each field; need_* and the instruments' fields go by prefix (see section_of).
FIELD_SECTIONS: dict[str, str] = {
    **dict.fromkeys(
        ("first_name", "last_name", "preferred_name", "phone", "email", "address", "city", "postal_code"), "identity"
    ),
    **dict.fromkeys(
        (
            "date_of_birth",
            "gender",
            "pronouns",
            "language",
            "interpreter_needed",
            "household_size",
            "household_notes",
            "veteran",
            "populations",
        ),
        "demographics",
    ),
    **dict.fromkeys(("assessed_on", "program", "referral_source", "referral_reason"), "referral"),
    **{field: section for section, (_label, field) in TextSection.TEXTS.items()},
    **dict.fromkeys(("consent_to_services", *SUMMARY_FIELDS), "consent"),
}


def section_of(field: str) -> str | None:
    if field.startswith("need_"):
        return "needs"
    for key in INSTRUMENTS:
        if field.startswith(f"{key}_"):
            return key
    return FIELD_SECTIONS.get(field)
