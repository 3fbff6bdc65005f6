"""Step 3: refer the client to ongoing services (suggested for the open needs, or searched for),
and save the provider list for the client and family."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from casetui.data.domain import vocab
from casetui.data.domain.errors import ValidationError
from casetui.data.services import discharge, provider_list
from casetui.screens.discharge.step import Loaded, Step, read_linkage, read_progress, written
from casetui.widgets.plain import Plain, cells
from casetui.widgets.referral_form import ReferralForm

SUGGESTED = "Suggested for open needs"


class LinkageStep(Step):
    KEY = "linkage"
    BINDINGS = [
        Binding("ctrl+s", "finish_linkage", "Linkage done", id="discharge.finish-linkage"),
        Binding("f2", "provider_list", "Provider list", id="discharge.provider-list"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("3 · Linkage to ongoing services", classes="step-title")
        yield Static(
            "Services for the client's open needs come first. Enter on a service refers the client; "
            "search the directory for others.",
            classes="hint",
        )
        yield Input(placeholder="Search the directory, then Enter", id="linkage-search")
        yield Plain(SUGGESTED, id="hits-title", classes="subtitle")
        hits = DataTable(id="linkage-hits", cursor_type="row", zebra_stripes=True)
        for label, width in (("Service", 30), ("Organization", 24), ("Need", 14), ("Eligible", 8)):
            hits.add_column(label, width=width)
        yield hits
        yield Static("Referred for ongoing services", classes="subtitle")
        made = DataTable(id="linkage-made", cursor_type="row")
        for label, width in (("Service", 30), ("Provider", 24), ("Referred", 10), ("Follow up", 10)):
            made.add_column(label, width=width)
        yield made
        yield Plain("", id="provider-list-result", classes="hint")

    def on_mount(self) -> None:
        self.hits = {}
        self._show_linkage(self.loaded.linkage)
        if self.loaded.suggestions is None:
            self.load_suggestions()
        else:  # read when the goals were saved
            self._show_hits(self.loaded.suggestions, SUGGESTED)

    def show_read(self, loaded: Loaded, changed: set[str]) -> None:
        if "linkage" in changed:
            self._show_linkage(loaded.linkage)
        if "suggestions" in changed:
            self.cancel("linkage")  # an older search must not replace these
            self._show_hits(loaded.suggestions, SUGGESTED)

    def _show_linkage(self, linkage) -> None:
        made, _recipients = linkage
        table = self.query_one("#linkage-made", DataTable)
        table.clear()
        for referral in made:
            table.add_row(
                *cells(
                    referral.service_name,
                    referral.provider_name,
                    f"{referral.referred_on:%Y-%m-%d}",
                    f"{referral.follow_up_on:%Y-%m-%d}" if referral.follow_up_on else "",
                ),
                key=str(referral.id),
            )
        if not made:
            table.add_row("None yet", "", "", "")

    def load_suggestions(self, query: str = "") -> None:
        today = self.app.today

        def search(session):
            if query.strip():
                return discharge.search_directory(session, self.case_id, query, today)
            return discharge.linkage_suggestions(session, self.case_id, today)

        title = f"Directory matches for “{query.strip()}”" if query.strip() else SUGGESTED
        self.newest(search, lambda hits: self._show_hits(hits, title), "linkage", on_error=self.refused("Not searched"))

    def _show_hits(self, hits, title: str) -> None:
        self.hits = {hit.id: hit for hit in hits}
        self.query_one("#hits-title", Static).update(f"{title} ({len(hits)})")
        table = self.query_one("#linkage-hits", DataTable)
        table.clear()
        for hit in hits:
            need = ", ".join(vocab.DOMAINS.get(c, c) for c in hit.categories)
            eligible = {True: "yes", False: "no", None: "check"}[hit.eligible]
            table.add_row(*cells(hit.name, hit.organization, need, eligible), key=hit.id)

    @on(Input.Submitted, "#linkage-search")
    def _search(self, event: Input.Submitted) -> None:
        self.load_suggestions(event.value)
        self.query_one("#linkage-hits", DataTable).focus()

    @on(DataTable.RowSelected, "#linkage-hits")
    def _refer(self, event: DataTable.RowSelected) -> None:
        hit = self.hits.get(event.row_key.value)
        if hit is None:
            return
        today = self.app.today

        def save(values: dict):  # the form runs it in a thread: one transaction for the whole answer
            with self.app.database.transaction() as session:
                referral = discharge.refer_for_ongoing_service(session, self.case_id, hit.id, today, **values)
                return referral, read_linkage(session, self.case_id), read_progress(session, self.case_id, today)

        def done(saved) -> None:
            if saved is not None:
                _referral, linkage, progress = saved
                self.notify(f"Referred to {hit.name} for ongoing services.", title="Saved")
                self.post_message(self.Saved(self, linkage=linkage, progress=progress))

        def open_form(open_needs) -> None:
            domain = next((c for c in hit.categories if c in open_needs), hit.categories[0] if hit.categories else None)
            self.app.push_screen(
                ReferralForm(
                    client_name=self.loaded.client.display_name,
                    service_label=f"{hit.name} · {hit.organization}",
                    domain=domain,
                    referred_on=today,
                    follow_up_on=today + timedelta(days=14),
                    save=save,
                ),
                done,
            )

        self.save(lambda session: discharge.open_need_domains(session, self.case_id), open_form)

    def action_provider_list(self) -> None:
        from casetui import config

        today = self.app.today

        def save(session) -> list[Path]:
            ids = [r.id for r in discharge.linkage_referrals(session, self.case_id)]
            if not ids:
                raise ValidationError("entries", "Refer the client to at least one ongoing service first.")
            return written(
                lambda: [
                    provider_list.save(
                        session,
                        self.case_id,
                        config.documents_dir() / provider_list.default_filename(self.case_id, today, fmt),
                        today=today,
                        referral_ids=ids,
                    )
                    for fmt in provider_list.FORMATS
                ]
            )

        def saved(paths: list[Path]) -> None:
            self.query_one("#provider-list-result", Static).update(
                "Provider list for the client and family saved:\n" + "\n".join(f"  {path}" for path in paths)
            )
            self.notify("Provider list saved (Markdown, HTML and PDF).", title="Saved")

        self.save(save, saved, on_error=self.refused("Provider list not saved"))

    def action_finish_linkage(self) -> None:
        self.finish("Linkage done.")
