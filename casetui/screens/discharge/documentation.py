"""Step 5: the changes during services, the recommendations and the discharge summary: rendered
from the record, edited, made final, exported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static, TextArea

from casetui.data.services import discharge
from casetui.keys import key_text
from casetui.screens.discharge.step import Step, read_progress, written
from casetui.widgets.dialogs import ConfirmDialog
from casetui.widgets.fields import FormField, show_errors
from casetui.widgets.plain import Plain

AREAS = {
    "health_changes": "Health changes during services",
    "behavioural_changes": "Behavioural changes",
    "medication_changes": "Medication changes",
    "recommendations": "Recommendations for ongoing and future services",
}


class DocumentationStep(Step):
    KEY = "documentation"
    BINDINGS = [
        Binding("ctrl+s", "save_documentation", "Save draft", id="discharge.save-documentation"),
        # Function keys: these work while a text area has the cursor (it keeps f6 and f7).
        Binding("f5", "render_summary", "Render", id="discharge.render"),
        Binding("f8", "finalize_summary", "Make final", id="discharge.make-final"),
        Binding("ctrl+o", "export_summary", "Export", id="discharge.export"),
    ]

    def compose(self) -> ComposeResult:
        record = self.loaded.record
        final = bool(record and record.finalized_at)
        yield Static("5 · Documentation", classes="step-title")
        yield Static("", id="documentation-status", classes="hint")
        for name, label in AREAS.items():
            yield FormField(
                label,
                TextArea(getattr(record, name) or "" if record else "", id=name, read_only=final, classes="short"),
            )
        yield FormField(
            f"Discharge summary (Markdown; {key_text(self.app, 'discharge.render')} renders it from the record, "
            "then edit)",
            TextArea(
                record.summary_text or "" if record else "", id="summary_text", read_only=final, classes="summary"
            ),
        )
        yield FormField(
            "Write to folder (empty: your casetui documents folder)",
            Input(placeholder="e.g. ~/Documents/discharges", id="export_folder"),
        )
        yield Plain("", id="export-result", classes="hint")

    def on_mount(self) -> None:
        record = self.loaded.record
        self._show_status(bool(record and record.finalized_at))

    def _show_status(self, final: bool) -> None:
        for area in self.query(TextArea):
            area.read_only = final
        key = partial(key_text, self.app)
        self.query_one("#documentation-status", Static).update(
            "The summary is final and can no longer be edited; it was written as Markdown, HTML and PDF and is "
            f"listed on the client's Documents tab. {key('discharge.export')} writes it again (to the folder below)."
            if final
            else f"Enter the changes and recommendations, {key('discharge.render')} renders the summary, edit it, "
            f"{key('discharge.save-documentation')} saves a draft, {key('discharge.make-final')} makes it final "
            "and writes it (Markdown, HTML and PDF) to the folder below."
        )

    def _folder(self) -> Path:
        from casetui import config

        typed = self.query_one("#export_folder", Input).value.strip()
        return Path(typed).expanduser() if typed else config.documents_dir()

    def _save_documentation(
        self, then: Callable[[Any], None], *, final: bool = False, after: Callable[[Any, date], Any] | None = None
    ) -> None:
        """Save the documentation as typed, read ``after(session, today)`` in the same transaction,
        then ``then(what it read)``; an error shows beside its field. Made final, the summary is
        written in the same transaction: a disk refusing it leaves the summary a draft."""
        today = self.app.today
        values = {name: self.query_one(f"#{name}", TextArea).text for name in (*AREAS, "summary_text")}
        values |= {"final": final, "today": today, "folder": self._folder() if final else None}

        def save(session):
            written(lambda: discharge.save_documentation(session, self.case_id, **values))
            return after(session, today) if after else None

        def saved(result) -> None:
            show_errors(self, {})
            then(result)

        self.save(save, saved, on_error=lambda exc: self.failed(exc, "Documentation not saved"))

    def action_save_documentation(self) -> None:
        self._save_documentation(lambda _: self.notify("Documentation draft saved.", title="Saved"))

    def action_render_summary(self) -> None:
        def ask(_) -> None:
            self.app.push_screen(
                ConfirmDialog(
                    "Replace the summary text (and your edits) with a fresh render from the record?", yes="Replace"
                ),
                lambda yes: yes and self.render_summary(),
            )

        if self.query_one("#summary_text", TextArea).text.strip():
            self._save_documentation(ask)
        else:  # nothing to replace: rendered in the same transaction as the save
            self._save_documentation(
                self._show_summary, after=lambda session, today: discharge.render_summary(session, self.case_id, today)
            )

    def render_summary(self) -> None:
        today = self.app.today
        self.save(
            lambda session: discharge.render_summary(session, self.case_id, today),
            self._show_summary,
            on_error=self.refused("Summary not rendered"),
        )

    def _show_summary(self, text: str) -> None:
        area = self.query_one("#summary_text", TextArea)
        area.load_text(text)
        area.focus()
        self.notify(
            f"Summary rendered: edit it, then {key_text(self.app, 'discharge.save-documentation')} to save or "
            f"{key_text(self.app, 'discharge.make-final')} to make it final."
        )

    def action_finalize_summary(self) -> None:
        def final(result) -> None:
            files, progress = result
            self._show_status(True)
            self._show_files(files)
            self.saved("The discharge summary is final, written as Markdown, HTML and PDF.", progress=progress)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._save_documentation(
                    final,
                    final=True,
                    after=lambda session, today: (
                        [Path(d.path) for d in discharge.final_summary_files(session, self.case_id)],
                        read_progress(session, self.case_id, today),
                    ),
                )

        self.app.push_screen(
            ConfirmDialog(
                "Make the discharge summary final? It cannot be edited afterwards; it is written as Markdown, "
                "HTML and PDF and listed on the Documents tab.",
                yes="Make final",
            ),
            confirmed,
        )

    def _show_files(self, files: list[Path]) -> None:
        self.query_one("#export-result", Static).update("Written:\n" + "\n".join(f"  {p}" for p in sorted(files)))

    def action_export_summary(self) -> None:
        folder = self._folder()
        today = self.app.today

        def export(session):
            files = written(lambda: discharge.export_summary(session, self.case_id, folder, today))
            return files, read_progress(session, self.case_id, today)

        def exported(result: tuple[list[Path], Any]) -> None:
            files, progress = result
            self._show_files(files)
            self.notify("Discharge summary written as Markdown, HTML and PDF.", title="Exported")
            self.post_message(self.Saved(self, progress=progress))

        self.save(export, exported, on_error=self.refused("Not exported"))
