"""The agency profile form: who the documents come from, what they show, who signs them.

Database-free like every form: the app hands it the profile as read and ``save(values)``,
which calls ``services.agency.save_profile`` in a transaction. Errors show beside the fields.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Select, SelectionList, TextArea

from casetui.widgets.fields import FormField
from casetui.widgets.form_dialog import FormDialog


class AgencyProfileDialog(FormDialog):
    def __init__(
        self,
        profile,
        save: Callable[[dict], object],
        *,
        identifiers: dict[str, str],
        paper_sizes: dict[str, str],
        subtitle: str | None = None,
    ):
        super().__init__(
            "Agency profile",
            save,
            subtitle=subtitle
            or "Shown on every document casetui writes: the header, the client identifiers, the footer, who signs.",
            ok="Save profile",
            wide=True,
        )
        self.profile, self.identifier_choices, self.paper_sizes = profile, identifiers, paper_sizes

    def form(self) -> ComposeResult:
        profile = self.profile
        with Horizontal(classes="pair"):
            yield FormField("Agency name", Input(profile.name, id="name", placeholder="e.g. Riverside Family Services"))
            yield FormField("Program", Input(profile.program, id="program"), hint="optional")
        with Horizontal(classes="pair"):
            yield FormField("Address", Input(profile.address, id="address"), hint="optional")
            yield FormField("Phone", Input(profile.phone, id="phone"), hint="optional")
        notice = TextArea(profile.confidentiality_notice, id="confidentiality_notice")
        notice.styles.height = 4  # the form's buttons stay in sight at 120x40 (the body scrolls)
        yield FormField("Confidentiality notice (in every page's footer)", notice)
        yield FormField(
            "Client identifiers on documents (the name is always shown; space ticks one)",
            SelectionList(
                *((label, code, code in profile.identifiers) for code, label in self.identifier_choices.items()),
                id="identifiers",
            ),
        )
        with Horizontal(classes="pair"):
            yield FormField(
                "Supervisor co-signs",
                Select(
                    [("No", "no"), ("Yes: a supervisor line", "yes")],
                    value="yes" if profile.cosignature_required else "no",
                    allow_blank=False,
                    id="cosignature_required",
                ),
            )
            yield FormField(
                "Paper size",
                Select(
                    [(label.split(" (")[0], code) for code, label in self.paper_sizes.items()],
                    value=profile.paper_size,
                    allow_blank=False,
                    id="paper_size",
                ),
            )
            yield FormField("Keep closed cases (years)", Input(str(profile.retention_years), id="retention_years"))
