"""The intake assessment: a new client's intake, or with a case an assessment of that case.

Sections are listed on the left (ctrl+pageup/down moves between them). The form is saved as a
draft a second after the last change and when the screen is left, so a crash or a closed
terminal loses nothing; opening the intake again offers to resume it.

The database is asked in workers (``ServiceCalls``): the case and any draft are read before the
form opens; drafts are written one at a time, so an older one never lands after a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, ContentSwitcher, DataTable, Header, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from casetui import config
from casetui.data.domain.errors import CasetuiError, ValidationError
from casetui.data.services import assessments, cases, clients
from casetui.screens.intake.result import ResultPage
from casetui.screens.intake.sections import SECTIONS, IntakeSection, section_of
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.dialogs import ConfirmDialog
from casetui.widgets.duplicate_dialog import DuplicateDialog, PossibleMatch
from casetui.widgets.footer import KeyFooter

AUTOSAVE_DELAY = 1.0  # seconds after the last change


def has_content(data: dict, defaults: dict) -> bool:
    """Whether anything was typed or chosen (values other than blanks and the form's defaults)."""
    return any(
        value not in (None, "", False, []) and value != defaults.get(key)
        for key, value in data.items()
        if key != "section"
    )


def read_start(session, case_id: int | None):
    """What the intake opens with: (for an assessment of a case its ``Context``, else None; the
    worker's draft or None). ``CasetuiError`` for a case that cannot be assessed."""
    context = None
    if case_id is not None:
        case = cases.require_open(session, case_id)
        client = clients.get_client(session, case.client_id)
        previous = assessments.previous_scores(session, case_id)
        latest = assessments.latest_assessment(session, case_id)
        what = "Reassessment" if latest is not None else "Assessment"
        known = {}
        if latest is not None:  # what the case's last assessment recorded: not asked again
            known = {field: getattr(latest, field) or "" for field in KNOWN_FIELDS}
        context = Context(
            f"{what} · {client.display_name} · case {case.id}",
            previous,
            known,
            latest.assessed_on.isoformat() if latest is not None else "",
        )
    return context, assessments.load_draft(session, case_id)


# Kept from the case's last assessment by a reassessment (shown, not asked again).
KNOWN_FIELDS = ("referral_source", "referral_reason")


@dataclass(frozen=True)
class Context:
    """An assessment of a case: its title, the last score of each domain, and what the last
    assessment recorded that a reassessment keeps (``KNOWN_FIELDS``; empty before the first)."""

    title: str
    previous: dict
    known: dict
    known_from: str


class ResumeDialog(ConfirmDialog):
    """The resume question. Only enter (Resume), escape (Start over) and the buttons answer it: a
    letter, digit or space typed while it is up (by someone typing a name who has not seen it
    come up: "n" would be "no") is kept and typed into the form once it is answered."""

    def __init__(self, question: str, *, keep):
        super().__init__(question, yes="Resume", no="Start over")
        self.keep = keep

    def on_key(self, event: events.Key) -> None:
        if event.is_printable:
            self.keep(event.key, event.character)
            event.stop()
            event.prevent_default()


# Keys that act at once even while the form is opening (leaving, help); every other key typed
# then is kept and typed into the form once it is open.
ACT_WHILE_OPENING = {"escape", "f1", "question_mark"}


class IntakeScreen(ServiceCalls, Screen):
    CSS_PATH = "intake.tcss"
    # Nothing takes keys until the form is open (``on_key`` keeps them); then the first field.
    # ("" and not None: None is the app's "*", the first focusable widget.)
    AUTO_FOCUS = ""
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        # ctrl+n and ctrl+b too: the discharge steps' keys, and terminals that keep ctrl+pageup/down for their tabs
        Binding("ctrl+pagedown,ctrl+n", "next_section", "Next section", priority=True, id="intake.next"),
        Binding("ctrl+pageup,ctrl+b", "previous_section", "Prev section", priority=True, id="intake.previous"),
        Binding("ctrl+g", "go_to_sections", "Sections", id="intake.sections"),
        Binding("ctrl+s", "submit", "Submit", id="intake.submit"),
        Binding("escape", "leave", "Leave", tooltip="Leave the intake; the draft is kept", id="intake.leave"),
        # As on every form: f1 is shown, since `?` in a field types a question mark.
        Binding("question_mark,f1", "app.help", "Help", key_display="f1", id="intake.help"),
    ]

    def __init__(self, case_id: int | None = None, loaded: tuple | None = None):
        """``loaded``: ``read_start``'s answer, read before the screen was pushed (``open_intake``),
        so a draft's question shows with the screen; without it the screen reads it itself."""
        super().__init__()
        self.case_id = case_id
        self.loaded = loaded
        self._early_keys: list[tuple[str, str | None]] = []  # typed before the form was open
        self._asked = False  # the resume question is up (pushed with the screen)
        self.sections = [(sid, title) for sid, title, new_only, _widget in SECTIONS if case_id is None or not new_only]
        self.previous: dict[str, int] = {}
        self.known: dict = {}  # KNOWN_FIELDS from the case's last assessment
        self.known_from = ""
        if loaded is not None and loaded[0] is not None:
            self._take_context(loaded[0])
        self.submitted = False
        self._submitting = False  # a submit is in a worker: no second one, no draft written meanwhile
        self._timer: Timer | None = None
        self._latest: dict | None = None  # the form as of the last change; None until the form opens
        self._saved: dict | None = None  # the form as last written to the draft
        self._draft_writing: Worker | None = None  # the draft write in a worker, if any
        self._draft_again = False  # the form changed while it was written: write it again after
        self._submit_after_draft: tuple[dict, bool] | None = None  # a submit waiting for the draft write
        # Sections are mounted on first visit (building all 300-odd controls at once is slow);
        # until then their fields' values live here, so drafts and submits see the whole form.
        self._values: dict = {}
        self._mounted: dict[str, IntakeSection] = {}
        self._keep_old_draft = False  # "start over" chosen: the old draft stays until something is typed

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="intake-body"):
            with Vertical(id="intake-nav"):
                yield OptionList(*[Option(title, id=sid) for sid, title in self.sections], id="sections")
                yield Static("", id="draft-status")
            # The sections as they are first shown, then the result. The first is composed with the
            # screen (one layout pass, not two) and filled once the read is done, so it must not
            # depend on what is read (the needs section, with the last scores, never comes first).
            first = self.sections[0][0]
            self._mounted[first] = self._section_widget(first)
            yield ContentSwitcher(self._mounted[first], initial=f"page-{first}", id="pages")
        yield KeyFooter(compact=True, show_command_palette=False)

    # --- start: reassessment context, draft offer -------------------------------------------

    def _take_context(self, context: Context) -> None:
        self.previous, self.known, self.known_from = context.previous, dict(context.known), context.known_from

    @property
    def defaults(self) -> dict:
        # What a reassessment knows already is a default: kept and submitted, not typed.
        return {
            "assessed_on": f"{self.app.today:%Y-%m-%d}",
            "save_summary": True,
            "summary_format": "md",
            **self.known,
        }

    @property
    def editing(self) -> bool:
        """The form is open (the case and any draft read, the resume question answered) and not submitted."""
        return self._latest is not None and not self.submitted

    def on_mount(self) -> None:
        if self.case_id is None:
            self.sub_title = "New client intake"
        if self.loaded is not None:
            # The resume question is pushed now, with the screen; the form fills behind it.
            context, draft = self.loaded
            self._asked = self._ask_resume(draft)
            self.call_later(self._open, self.loaded)
            return

        def refused(exc: CasetuiError) -> None:
            self.notify(str(exc), title="No assessment", severity="error")
            self.dismiss()

        case_id = self.case_id
        self.call_service(
            lambda session: read_start(session, case_id), self._open, on_error=refused, group="intake-open"
        )

    def on_key(self, event: events.Key) -> None:
        """A key typed while the form is still opening (nothing has the focus yet) is kept, and
        typed into the form once it is open: none is lost, none lands in the resume question."""
        if self._latest is None and not self.submitted and event.key not in ACT_WHILE_OPENING:
            self._early_keys.append((event.key, event.character))
            event.stop()
            event.prevent_default()

    def _type_early_keys(self) -> None:
        """The kept keys, in order, once the form is open and a field has the focus (the first
        field's focus comes after a refresh: ``on_descendant_focus`` calls this again then).
        Each goes straight to the widget focused when it comes, and tab moves the focus at once:
        through the app, a tab would move it only after the keys behind it had reached the old field."""
        if not self._early_keys or self._latest is None or self.focused is None:
            return
        keys, self._early_keys = self._early_keys, []
        for key, character in keys:
            if key == "tab":
                self.focus_next()
            elif key == "shift+tab":
                self.focus_previous()
            else:
                (self.focused or self).post_message(events.Key(key, character))

    def on_descendant_focus(self) -> None:
        if self._early_keys:
            self.call_later(self._type_early_keys)

    async def _open(self, loaded) -> None:
        context, draft = loaded
        if context is not None:
            self.sub_title = context.title
            if context.known != self.known:  # read after the first section was composed
                self._take_context(context)
                referral = self._mounted.get("referral")
                if referral is not None:
                    referral.known, referral.known_from = self.known, self.known_from
                    await referral.recompose()
            self.previous = context.previous
        self.fill({})
        self.query_one("#sections", OptionList).highlighted = 0
        self._offer_draft(draft)

    def _offer_draft(self, draft) -> None:
        if not self._asked and not self._ask_resume(draft):
            self._latest = self._saved = self.collect()

            async def start() -> None:
                await self.focus_section(self.sections[0][0])
                self._type_early_keys()

            self.call_later(start)

    def _ask_resume(self, draft) -> bool:
        """Ask whether to resume ``draft`` (True), or False when there is none worth resuming."""
        if draft is None or not has_content(draft.data, self.defaults):
            return False
        saved_at = draft.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        data = dict(draft.data)

        async def answer(resume: bool | None) -> None:
            if resume:
                self.fill(data)
                self.set_status("Draft resumed")
            self._keep_old_draft = not resume
            self._saved = data  # when starting over, replaced by the new form at the first change
            self._latest = self.collect()
            await self.focus_section(data.get("section") if resume else self.sections[0][0])
            self._type_early_keys()

        what = "reassessment" if self.case_id else "intake"
        self.app.push_screen(
            ResumeDialog(
                f"You have an unfinished {what} saved {saved_at}. Resume it?\n\n"
                "Starting over replaces that draft as soon as you type. Enter resumes, escape starts "
                "over; anything typed meanwhile goes into the form.",
                keep=lambda key, character: self._early_keys.append((key, character)),
            ),
            answer,
        )
        return True

    # --- reading and filling the form ---------------------------------------------------------

    def collect(self) -> dict:
        """The whole form: the mounted sections' fields, and the stored values of the others."""
        for section in self._mounted.values():
            self._values.update(section.values())
        return {**self._values, "section": self.current_section}

    def fill(self, data: dict) -> None:
        self._values = {**self.defaults, **{k: v for k, v in data.items() if k != "section"}}
        for section in self._mounted.values():
            section.fill(self._values)

    async def mount_section(self, section: str) -> IntakeSection:
        """A section's widget, mounted (hidden, in the sections' order) the first time it is asked for."""
        if section in self._mounted:
            return self._mounted[section]
        ids = [sid for sid, _ in self.sections]
        widget = self._section_widget(section)
        widget.display = False  # shown by the switcher
        later = [w for sid, w in self._mounted.items() if ids.index(sid) > ids.index(section)]
        self._mounted[section] = widget
        pages = self.query_one("#pages", ContentSwitcher)
        await pages.mount(widget, before=min(later, key=pages.children.index) if later else None)
        return widget

    @property
    def gone(self) -> bool:
        """The screen was left (its widgets removed), perhaps while a section was mounting."""
        return not self.query("#pages")

    def _section_widget(self, section: str) -> IntakeSection:
        title, widget_class = next((title, widget) for sid, title, _new, widget in SECTIONS if sid == section)
        widget = widget_class(section, title, self._values, new_client=self.case_id is None, previous=self.previous)
        widget.known, widget.known_from = self.known, self.known_from
        return widget

    async def show_section(self, section: str) -> IntakeSection | None:
        """The section shown (mounted first if need be); None if the screen was left meanwhile."""
        if self.gone:
            return None
        widget = await self.mount_section(section)
        if self.gone:
            return None
        self.query_one("#pages", ContentSwitcher).current = widget.id
        return widget

    @property
    def current_section(self) -> str:
        current = self.query_one("#pages", ContentSwitcher).current or ""
        return current.removeprefix("page-")

    # --- sections -----------------------------------------------------------------------------

    async def focus_section(self, section: str | None, *, focus_field: bool = True) -> None:
        ids = [sid for sid, _ in self.sections]
        if section not in ids:
            section = ids[0]
        widget = await self.show_section(section)
        if widget is None:
            return
        self.query_one("#sections", OptionList).highlighted = ids.index(section)
        if focus_field:
            widget.focus_first()

    async def action_next_section(self) -> None:
        await self._step(1)

    async def action_previous_section(self) -> None:
        await self._step(-1)

    async def _step(self, step: int) -> None:
        if not self.editing:
            return
        ids = [sid for sid, _ in self.sections]
        current = self.current_section
        index = ids.index(current) if current in ids else 0
        await self.focus_section(ids[max(0, min(len(ids) - 1, index + step))])

    def action_go_to_sections(self) -> None:
        if self.editing:
            self.query_one("#sections", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#sections")
    async def preview_section(self, event: OptionList.OptionHighlighted) -> None:
        if self.editing and event.option.id != self.current_section:
            await self.show_section(event.option.id)

    @on(OptionList.OptionSelected, "#sections")
    async def enter_section(self, event: OptionList.OptionSelected) -> None:
        if self.editing:
            await self.focus_section(event.option.id)

    # --- autosave -----------------------------------------------------------------------------

    @on(IntakeSection.Changed)
    def form_changed(self) -> None:
        if self.submitted or self._latest is None:
            return  # still starting up, or done
        self._latest = self.collect()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(AUTOSAVE_DELAY, self.save_draft)

    def save_draft(self) -> None:
        """Write the form as it stands as the draft (its own small transaction, in a worker)."""
        if self.submitted:
            return
        if self._submitting or (self._draft_writing is not None and not self._draft_writing.is_finished):
            # Written after the submit (if it is refused) or after the write under way: drafts are
            # written one at a time and in order, and never after the submit that discards them.
            self._draft_again = True
            return
        data = self._latest
        if data is None or data == self._saved:
            return
        if not has_content(data, self.defaults) and (
            self._keep_old_draft or not has_content(self._saved or {}, self.defaults)
        ):
            return  # nothing typed yet: no empty draft, and an unfinished one is not thrown away
        self._keep_old_draft = False

        def written(_) -> None:
            self._saved = data
            self.set_status("Draft saved")
            self._draft_written()

        def failed(exc: CasetuiError) -> None:
            self.set_status("Draft not saved")
            self.notify(str(exc), title="Draft not saved", severity="error")
            self._draft_written()

        self._draft_writing = self.call_service(
            lambda session: assessments.save_draft(session, self.case_id, data),
            written,
            on_error=failed,
            group="intake-draft",
        )

    def _draft_written(self) -> None:
        self._draft_writing = None
        if self._submit_after_draft is not None:
            (data, check), self._submit_after_draft = self._submit_after_draft, None
            self.submit(data, check=check)
            return
        self._save_draft_again()

    def _save_draft_again(self) -> None:
        if self._draft_again:
            self._draft_again = False
            self.save_draft()

    async def _draft_done(self) -> None:
        """Wait for the draft writes under way (each may start the next)."""
        while (writing := self._draft_writing) is not None and not writing.is_finished:
            try:
                await writing.wait()
            except (WorkerCancelled, WorkerFailed):
                return  # the app is closing, or the failure was reported

    def set_status(self, text: str) -> None:
        for status in self.query("#draft-status").results(Static):  # none once the screen is gone
            status.update(text)

    async def on_unmount(self) -> None:
        # Leaving by any route (escape, quitting the app) keeps what was typed. The write is
        # waited for here: the screen's workers are cancelled once it has unmounted.
        if self._timer is not None:
            self._timer.stop()
        await self._draft_done()
        self.save_draft()
        await self._draft_done()

    def action_leave(self) -> None:
        self.dismiss()  # the draft is written as the screen goes (on_unmount)

    # --- submit -------------------------------------------------------------------------------

    async def show_form_errors(self, errors: dict[str, str]) -> None:
        ids = [sid for sid, _ in self.sections]
        failing = {section_of(key) for key in errors} & set(ids)
        for section in failing:
            if self.gone:
                return
            await self.mount_section(section)  # its fields must exist to show their messages
        if self.gone:
            return
        sections = self.query_one("#sections", OptionList)
        for sid, title in self.sections:
            sections.replace_option_prompt(sid, f"✗ {title}" if sid in failing else title)
        if failing:
            await self.focus_section(min(failing, key=ids.index), focus_field=False)
            if self.gone:
                return
        unmatched = [message for key, message in errors.items() if section_of(key) not in self._mounted]
        # Last to first: the first invalid field of the first failing section takes the focus last.
        for sid in reversed(ids):
            if (widget := self._mounted.get(sid)) is not None:
                mine = {key: message for key, message in errors.items() if section_of(key) == sid}
                unmatched += widget.show_errors(mine)
        for message in unmatched:
            self.notify(message, title="Not submitted", severity="error")
        count = len(errors)
        self.notify(
            f"{count} field{'s' if count > 1 else ''} to correct; nothing was saved but your draft.",
            title="Not submitted",
            severity="warning",
        )

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if not self.editing or self._submitting:
            return
        self.submit(self.collect(), check=True)

    def submit(self, data: dict, *, check: bool) -> None:
        """Validate, look for likely duplicates (``check``, a new client only) and save, in one
        transaction; the summary document follows in its own (a file that cannot be written does
        not undo the intake)."""
        self._submitting = True
        if self._draft_writing is not None and not self._draft_writing.is_finished:
            # A draft written after the submit would outlive it (submitting discards the draft).
            self._submit_after_draft = (data, check)
            return
        today = self.app.today
        with_result = self.case_id is not None and not data.get("save_summary")

        def submit(session):
            if self.case_id is None:
                assessments.validate_intake(data, today)
                duplicates = assessments.find_duplicates(session, data, today) if check else []
                if duplicates:
                    return duplicates, None
                assessment = assessments.submit_intake(session, data, today)
            else:
                assessments.clean_assessment(data, today, require_consent=False)
                assessment = assessments.submit_assessment(session, self.case_id, data, today)
            client_id = cases.get_case(session, assessment.case_id).client_id
            return [], (assessment, client_id, self._read_result(session, assessment.id) if with_result else None)

        def answered(answer) -> None:
            duplicates, saved = answer
            if duplicates:
                self._not_submitted()
                self._ask_about(duplicates, data)
                return
            assessment, client_id, result = saved
            self.submitted = True
            self._submitting = False
            if self._timer is not None:
                self._timer.stop()
            self.set_status("Submitted")
            self.notify("Intake saved." if self.case_id is None else "Assessment saved.")
            if data.get("save_summary"):
                self.save_summary(assessment, client_id, data)
            else:
                self.after_submit(client_id, result)

        self.call_service(submit, answered, on_error=self._submit_failed, group="intake-submit")

    def _not_submitted(self) -> None:
        """The submit stopped (refused, or a question asked): the form goes on as a draft."""
        self._submitting = False
        self._save_draft_again()  # an autosave that came while submitting

    async def _submit_failed(self, exc: CasetuiError) -> None:
        self._not_submitted()
        if isinstance(exc, ValidationError):
            await self.show_form_errors(exc.errors)
        else:
            self.notify(str(exc), title="Not submitted", severity="error")

    def _ask_about(self, duplicates, data: dict) -> None:
        matches = [
            PossibleMatch(
                c.id,
                f"{c.first_name} {c.last_name}" + (f" ({c.preferred_name})" if c.preferred_name else ""),
                " · ".join(part for part in (f"born {c.date_of_birth:%Y-%m-%d}", c.city or "") if part),
            )
            for c in duplicates
        ]

        def chosen(answer) -> None:
            if answer is None:
                return
            action, client_id = answer
            if action == "open":
                self.dismiss()  # the draft is kept: written as the screen goes
                self.app.open_client(client_id)
            else:
                self.submit(data, check=False)

        self.app.push_screen(DuplicateDialog(matches), chosen)

    def save_summary(self, assessment, client_id: int, data: dict) -> None:
        today = self.app.today
        with_result = self.case_id is not None

        def save(session):
            folder_or_file = (data.get("summary_path") or "").strip()
            try:
                target = Path(folder_or_file).expanduser() if folder_or_file else config.documents_dir()
                if target.is_dir():
                    target = target / assessments.summary_filename(assessment, data.get("summary_format") or "md")
                written = assessments.save_summary(session, assessment.id, target, today)
            except OSError as exc:  # told like a refused save (the submit itself is kept)
                raise CasetuiError(str(exc)) from exc
            return written, self._read_result(session, assessment.id) if with_result else None

        def saved(answer) -> None:
            written, result = answer
            self.notify(f"Summary saved to {written}", title="Summary")
            self.after_submit(client_id, result, written)

        def failed(exc: CasetuiError) -> None:
            self.notify(f"The summary was not saved: {exc}", title="Summary", severity="error")
            if with_result:  # the comparison is read on its own, the summary's transaction undone
                self.call_service(
                    lambda session: self._read_result(session, assessment.id),
                    lambda result: self.after_submit(client_id, result),
                    group="intake-result",
                )
            else:
                self.after_submit(client_id, None)

        self.call_service(save, saved, on_error=failed, group="intake-summary")

    def _read_result(self, session, assessment_id: int):
        """The saved assessment and each domain and score beside the last one, for the result page."""
        return assessments.get_assessment(session, assessment_id), *assessments.comparison(session, assessment_id)

    def after_submit(self, client_id: int, result, document: Path | None = None) -> None:
        if self.case_id is None:
            self.dismiss()
            self.app.open_client(client_id)
            return
        self._show_comparison(*result, document)

    def _show_comparison(self, assessment, domains, scores, document: Path | None) -> None:
        pages = self.query_one("#pages", ContentSwitcher)
        pages.mount(ResultPage(assessment, domains, scores, document))  # a child at once; composed as it mounts
        self.query_one("#sections", OptionList).disabled = True
        pages.current = "page-result"

    @on(Button.Pressed, "#done")
    @on(DataTable.RowSelected, "#comparison")  # Enter on the comparison, where the cursor is
    def done(self) -> None:
        self.dismiss()
