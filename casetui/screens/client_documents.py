"""The client record's Documents tab: what was written for the case, opened with Enter in the
desktop's viewer, and the two documents written from here: the release-of-information consent
form (to print and sign) and the referral letter to a provider (what the consent allows).

The tab's own widget: the client screen composes it and hands it each record it reads.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Input, Select

from casetui import config, desktop
from casetui.data.domain import templates as documents
from casetui.data.domain import vocab
from casetui.data.services import consent_form, referral_letter
from casetui.data.services import documents as case_documents
from casetui.keys import key_text
from casetui.widgets.date_field import DateField
from casetui.widgets.fields import FormField
from casetui.widgets.form_dialog import FormDialog
from casetui.widgets.plain import Plain, cells


def readable_day(day) -> str:
    """1 Dec 2026: the day as people read it (the ISO form sorts; this one reads)."""
    return f"{day.day} {day:%b %Y}" if day else ""


def _short_folder(folder: Path) -> str:
    """The folder as people write it: ~ for the home folder."""
    try:
        return f"~/{folder.relative_to(Path.home())}"
    except ValueError:
        return str(folder)


def _language_choices(default: str) -> tuple[list[tuple[str, str]], str]:
    return [(label, code) for code, label in documents.LANGUAGES.items()], default


class DocumentsPane(Vertical):
    BINDINGS = [
        Binding("enter", "open_document", "Open", id="documents.open"),
        Binding("c", "consent_form", "Consent form", id="documents.consent-form"),
        Binding("l", "referral_letter", "Referral letter", id="documents.referral-letter"),
    ]

    DEFAULT_CSS = """
    DocumentsPane { height: 1fr; }
    DocumentsPane > DataTable { height: 1fr; }
    DocumentsPane > #documents-where { height: auto; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__(id="documents-pane")
        self.record = None
        self.paths: dict[str, str | None] = {}

    def compose(self) -> ComposeResult:
        table = DataTable(id="documents-table", cursor_type="row", zebra_stripes=True)
        # The file's name before the title: it is what Enter opens, and it must fit at 80 columns.
        table.add_columns("Written", "Kind", "File", "Title")
        yield table
        yield Plain("", id="documents-where")

    def show(self, record) -> None:
        self.record = record
        table = self.query_one("#documents-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        self.paths = {}
        for doc in record.documents:
            self.paths[str(doc.id)] = doc.path
            name = Path(doc.path).name if doc.path else "not saved to a file"
            table.add_row(
                *cells(readable_day(doc.created_on), case_documents.kind_label(doc), name, doc.title), key=str(doc.id)
            )
        if record.documents:
            table.move_cursor(row=min(cursor, len(record.documents) - 1))
        self._show_where()

    @on(DataTable.RowHighlighted, "#documents-table")
    def _show_where(self) -> None:
        """The highlighted document's folder (the table shows only its name: paths are long)."""
        where = self.query_one("#documents-where", Plain)
        path = self._highlighted()
        keys = (
            f"{key_text(self.app, 'documents.open')} opens it · {key_text(self.app, 'documents.consent-form')} "
            f"consent form · {key_text(self.app, 'documents.referral-letter')} referral letter"
        )
        if self.record is not None and not self.record.documents:
            where.update(f"No documents yet. {keys}.")
        else:
            where.update(f"{_short_folder(Path(path).parent) if path else ''}\n{keys}")

    def _highlighted(self) -> str | None:
        table = self.query_one("#documents-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.paths.get(key)

    @on(DataTable.RowSelected, "#documents-table")
    def action_open_document(self) -> None:
        path = self._highlighted()
        if path is None:
            self.notify("There is no file to open here.", severity="warning")
            return
        try:
            desktop.open_file(path)
        except desktop.CannotOpen as exc:
            self.notify(str(exc), severity="error", title="Not opened", timeout=10)
        else:
            self.notify(f"Opening {Path(path).name} in your viewer.", title="Opening")

    # --- the documents written from here --------------------------------------------------

    def _case_id(self, *, writable: bool) -> int | None:
        screen = self.screen
        return screen.writable_case() if writable else screen.case_id

    def _written(self, files) -> None:
        if files:
            self.notify(
                f"Written as Markdown, HTML and PDF into {Path(files[0]).parent}. Enter opens it to print.",
                title="Document written",
                timeout=8,
            )
            self.screen.load()

    def action_consent_form(self) -> None:
        case_id = self._case_id(writable=True)
        if case_id is None:
            return
        record = self.record
        names = [r.provider_name for r in record.referrals] + [c.recipient for c, _status in record.consents]
        choices, default = _language_choices(documents.document_language(record.client.language))
        today = self.app.today
        folder = config.documents_dir()

        def save(values: dict):
            with self.app.database.transaction() as session:
                return consent_form.write_form(session, case_id, folder, today=today, **values)

        fields = [
            FormField(
                "Who may receive information",
                Input(id="recipient", suggester=SuggestFromList(list(dict.fromkeys(names)), case_sensitive=False)),
                hint="→ completes a provider of the case",
            ),
            FormField(
                "What may be shared",
                Select(
                    [(label, code) for code, label in vocab.CONSENT_SCOPES.items()],
                    value="referral",
                    allow_blank=False,
                    id="scope",
                ),
            ),
            FormField("Purpose", Input(id="purpose", placeholder="e.g. to arrange housing support"), hint="optional"),
            Horizontal(
                DateField("Ends on", Input(id="expires_on"), hint="optional: one year"),
                FormField("Language", Select(choices, value=default, allow_blank=False, id="language")),
                classes="pair",
            ),
        ]
        self.app.push_screen(
            FormDialog(
                "Consent form to print and sign",
                save,
                fields=fields,
                subtitle=(
                    f"For {record.client.display_name}; once it is signed, record the consent "
                    f"({key_text(self.app, 'client.consent')})."
                ),
                ok="Write form",
            ),
            self._written,
        )

    def action_referral_letter(self) -> None:
        case_id = self._case_id(writable=False)
        if case_id is None:
            self.notify("This client has no case yet.", severity="warning")
            return
        record = self.record
        if not record.referrals:
            self.notify("The case has no referrals yet: refer the client first (f finds services).", severity="warning")
            return
        choices, default = _language_choices(documents.document_language(record.client.language))
        today = self.app.today
        folder = config.documents_dir()

        def save(values: dict):
            with self.app.database.transaction() as session:
                return referral_letter.write_letter(
                    session, values["referral_id"], folder, today=today, language=values["language"]
                )

        options = [
            (
                f"{r.service_name} · {r.provider_name} ({vocab.REFERRAL_STATUSES.get(r.status, r.status).lower()})",
                r.id,
            )
            for r in record.referrals
        ]
        fields = [
            FormField("Referral", Select(options, value=options[0][1], allow_blank=False, id="referral_id")),
            FormField("Language", Select(choices, value=default, allow_blank=False, id="language")),
        ]
        self.app.push_screen(
            FormDialog(
                "Referral letter",
                save,
                fields=fields,
                subtitle="It holds only what the client's current consent for that provider allows.",
                ok="Write letter",
            ),
            self._written,
        )
