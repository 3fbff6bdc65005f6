"""The resource directory: search as you type, filters, details, refer, and the provider list.

Opened for a client (``case_id``) each result says why the client is or is not eligible, a
"suggested" view ranks services by the client's open needs, and ``r`` refers. Searches run
in a thread worker with its own session, debounced, so typing never waits for the database.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Header, Input, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from casetui import config
from casetui.data.directory import resources
from casetui.data.domain import vocab
from casetui.data.domain.errors import CasetuiError, ValidationError
from casetui.data.domain.languages import LANGUAGES
from casetui.data.services import cases, clients, provider_list, referrals
from casetui.keys import key_text
from casetui.screens.service_calls import ServiceCalls
from casetui.widgets.footer import KeyFooter
from casetui.widgets.plain import Plain
from casetui.widgets.provider_list_dialog import ProviderListDialog
from casetui.widgets.referral_form import ReferralForm, consent_words
from casetui.widgets.resource_card import ResourceDetail, hit_prompt
from casetui.widgets.service_form import ServiceEditForm

SEARCH_DELAY = 0.15  # seconds of quiet typing before a search runs
RESULT_LIMIT = 50
FILTERS = ("category", "age", "gender", "language", "population", "place", "when", "sort")
# "When": open now, or on the next of a weekday (SearchFilters.open_at / open_on).
WHEN = [("Open now", "now")] + [(f"Open {name}", str(number)) for number, name in enumerate(calendar.day_name, 1)]
NO_CLIENT = "A referral is made for a client: open the directory from the client's record (or the caseload)."


def _when(choice: str | None, today: date) -> dict:
    """The "When" filter as SearchFilters fields: now (today's date, this clock time), or the
    next such weekday from today."""
    if choice == "now":
        return {"open_at": datetime.combine(today, datetime.now().time())}
    if choice:
        return {"open_on": today + timedelta(days=(int(choice) - today.isoweekday()) % 7)}
    return {}


class ResourcesScreen(ServiceCalls, Screen):
    CSS_PATH = "resources.tcss"
    HELP_TITLE = "Resource directory"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Back", id="resources.back"),
        Binding(
            "slash,ctrl+f",
            "focus_search",
            "Search",
            show=False,
            key_display="/",
            tooltip="Type words to search the directory",
            id="resources.find",
        ),
        Binding(
            "s",
            "toggle_suggested",
            "Suggest",
            tooltip="Services for the client's open needs, or back to search",
            id="resources.suggest",
        ),
        Binding("r", "refer", "Refer", tooltip="Refer the client to the highlighted service", id="resources.refer"),
        Binding(
            "a",
            "toggle_pick",
            "Pick",
            tooltip="Put the service on (or take it off) the provider list",
            id="resources.pick",
        ),
        Binding(
            "p",
            "provider_list",
            "List",
            tooltip="Save the list of services for the client and family",
            id="resources.provider-list",
        ),
        Binding("e", "edit", "Edit", tooltip="Edit the directory entry", id="resources.edit"),
        Binding("v", "verify", "Verify", tooltip="Mark the entry verified today", id="resources.verify"),
        Binding("ctrl+r", "clear_filters", "Clear filters", show=False, id="resources.clear-filters"),
    ]

    def __init__(self, case_id: int | None = None):
        super().__init__()
        self.case_id = case_id
        self.client_name: str | None = None
        self.case_closed = False
        self.profile: resources.ClientProfile | None = None
        self.suggested = False
        self.hits: dict[str, resources.ServiceHit] = {}
        self._languages_asked = False
        self.picked: dict[str, str] = {}  # service id -> name, for the provider list
        self.detail: resources.ServiceDetail | None = None
        self._timer = None

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="search-bar"):
            yield Input(placeholder="Search services: food, rent help, dental...", id="query")
        with Grid(id="filters"):
            yield Select(
                [(label, code) for code, label in vocab.DOMAINS.items()],
                prompt="Any need",
                compact=True,
                id="f-category",
            )
            yield Input(placeholder="Age", type="integer", max_length=3, compact=True, id="f-age")
            yield Select(
                [
                    (label, code)
                    for code, label in vocab.GENDERS.items()
                    if code not in ("not_stated", "other", "questioning")
                ],
                prompt="Any gender",
                compact=True,
                id="f-gender",
            )
            yield Input(placeholder="Language", compact=True, id="f-language")
            yield Select(
                [(label, code) for code, label in vocab.POPULATIONS.items()],
                prompt="Any population",
                compact=True,
                id="f-population",
            )
            yield Input(placeholder="City or postal code", compact=True, id="f-place")
            yield Select(WHEN, prompt="Any time", compact=True, id="f-when")
            yield Select([("Nearest first", "distance")], prompt="Best first", compact=True, id="f-sort")
        yield Plain("", id="status")  # it names the client
        with Horizontal(id="body"):
            yield OptionList(id="results")
            yield ResourceDetail(id="detail")
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Resource directory"
        self.query_one("#detail", ResourceDetail).clear("Highlight a service to see its details.")
        self.query_one("#query", Input).focus()
        if self.case_id is None:
            self.start_search()
            return
        case_id, today = self.case_id, self.app.today

        def read(session):
            case = cases.get_case(session, case_id)
            client = clients.get_client(session, case.client_id)
            return client.display_name, case.is_closed, resources.client_profile(session, case_id, today)

        def refused(error: CasetuiError) -> None:
            self.notify(str(error), severity="error")
            self.case_id = None
            self.start_search()

        self.call_service(read, self._show_client, on_error=refused, group="load")

    def on_descendant_focus(self, event) -> None:
        # The language filter completes proper names (langcodes' list), read in a thread the
        # first time the field is used: naming some 300 languages takes about a second.
        if getattr(event.widget, "id", None) == "f-language" and not self._languages_asked:
            self._languages_asked = True
            self.run_worker(self._read_language_names, thread=True, group="languages", exit_on_error=False)

    def _read_language_names(self) -> None:
        names = sorted(LANGUAGES.values())
        field = self.query_one("#f-language", Input)
        self.app.call_from_thread(setattr, field, "suggester", SuggestFromList(names, case_sensitive=False))

    def _show_client(self, loaded) -> None:
        self.client_name, self.case_closed, self.profile = loaded
        if self.client_name:
            self.sub_title = f"Resource directory · for {self.client_name}"
        # For a client with open needs, start on the services suggested for them.
        self.suggested = bool(self.profile and self.profile.needs)
        self.refresh_bindings()
        self.start_search()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "toggle_suggested":
            return self.profile is not None
        return True

    # --- searching ---------------------------------------------------------------------------

    @on(Input.Changed)
    def typed(self, event: Input.Changed) -> None:
        self._criteria_changed(event.input, bool(event.value.strip()))
        self.schedule_search()

    @on(Select.Changed)
    def filter_chosen(self, event: Select.Changed) -> None:
        if event.select.id and event.select.id.startswith("f-"):
            self._criteria_changed(event.select, event.value is not Select.NULL)
            self.schedule_search(0)

    def _criteria_changed(self, widget, has_value: bool) -> None:
        # Words or a filter mean the case manager is searching: leave the suggestions.
        if has_value:
            self.suggested = False
        widget.remove_class("-invalid")

    def schedule_search(self, delay: float = SEARCH_DELAY) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if delay <= 0:
            self.start_search()
        else:
            self._timer = self.set_timer(delay, self.start_search)

    def read_filters(self) -> resources.SearchFilters:
        values = {}
        for name in FILTERS:
            widget = self.query_one(f"#f-{name}")
            value = widget.value
            if isinstance(widget, Select):
                value = None if value is Select.NULL else value
            else:
                value = value.strip() or None
            values[name] = value
        when = _when(values.pop("when"), self.app.today)
        # Distances from the client's postal code, or from a ZIP code typed as the place.
        place = values.get("place") or ""
        near = place if place.isdigit() and len(place) == 5 else (self.profile.postal_code if self.profile else None)
        values["sort"] = values["sort"] or "relevance"
        return resources.SearchFilters(**values, **when, near=near or None)

    def start_search(self) -> None:
        self._timer = None
        self.search(self.query_one("#query", Input).value, self.read_filters(), self.suggested)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def search(self, query: str, filters: resources.SearchFilters, suggested: bool) -> None:
        worker = get_current_worker()
        try:
            with self.app.database.transaction() as session:
                if suggested and self.profile is not None:
                    hits = resources.suggest_for_client(session, self.profile, today=self.app.today, limit=RESULT_LIMIT)
                else:
                    hits = resources.search(
                        session, query, filters, profile=self.profile, today=self.app.today, limit=RESULT_LIMIT
                    )
        except ValidationError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self.show_filter_errors, exc.errors)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_hits, hits, query, filters, suggested)

    def show_filter_errors(self, errors: dict[str, str]) -> None:
        for name in errors:
            if name in FILTERS:
                self.query_one(f"#f-{name}").add_class("-invalid")
        self.query_one("#status", Static).update(" ".join(errors.values()))

    def show_hits(
        self, hits: list[resources.ServiceHit], query: str, filters: resources.SearchFilters, suggested: bool
    ) -> None:
        results = self.query_one("#results", OptionList)
        previous = results.highlighted_option.id if results.highlighted_option else None
        self.hits = {hit.id: hit for hit in hits}
        results.set_options(Option(self.prompt(hit), id=hit.id) for hit in hits)
        self.query_one("#status", Static).update(self.status_line(len(hits), query, filters, suggested))
        if hits:
            ids = [hit.id for hit in hits]
            results.highlighted = ids.index(previous) if previous in ids else 0
        else:
            self.detail = None
            self.query_one("#detail", ResourceDetail).clear(
                "Nothing to show. Try fewer or shorter words, or clear the filters "
                f"({key_text(self.app, 'resources.clear-filters')})."
            )

    def status_line(self, count: int, query: str, filters: resources.SearchFilters, suggested: bool) -> str:
        if suggested and self.profile is not None:
            needs = ", ".join(vocab.DOMAINS.get(n, n).lower() for n in self.profile.needs[:4])
            if not needs:
                return "No open needs are recorded for this client: type to search the directory."
            return f"Suggested for {self.client_name}: {count} services for {needs}. Type to search instead."
        if not query.strip() and filters.is_empty():
            return "Type what the client needs (e.g. food, rent, dental), or choose a filter to browse."
        many = f"{count}{'+' if count >= RESULT_LIMIT else ''} service{'s' if count != 1 else ''}"
        return f"{many} found" + (", best first." if query.strip() else ", A to Z.")

    def prompt(self, hit: resources.ServiceHit):
        return hit_prompt(hit, picked=hit.id in self.picked, for_client=self.profile is not None)

    # --- the highlighted service ---------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#results")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.load_detail(event.option.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def load_detail(self, service_id: str) -> None:
        worker = get_current_worker()
        try:
            with self.app.database.transaction() as session:
                detail = resources.get_service(session, service_id)
        except CasetuiError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self.query_one("#detail", ResourceDetail).clear, str(exc))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_detail, detail)

    def show_detail(self, detail: resources.ServiceDetail) -> None:
        self.detail = detail
        service = detail.service
        checks = resources.eligibility(service, self.profile, self.app.today) if self.profile else None
        self.query_one("#detail", ResourceDetail).show(
            detail,
            stale=resources.is_stale(service.last_verified_on, self.app.today),
            checks=checks,
            eligible=resources.overall(checks) if checks is not None else None,
            picked=service.id in self.picked,
        )

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            what = "The search" if event.worker.group == "search" else "Loading the service"
            self.notify(f"{what} failed: {event.worker.error}", severity="error", timeout=10)

    def current(self) -> resources.ServiceHit | None:
        found = self.query("#results")
        if not found:  # a key that lands while the screen is still mounting or closing
            return None
        option = found.first(OptionList).highlighted_option
        return self.hits.get(option.id) if option is not None and option.id else None

    @on(OptionList.OptionSelected, "#results")
    def open_detail(self) -> None:
        """Enter: read the details (on a narrow terminal they take the list's place)."""
        self.add_class("-show-detail")
        self.query_one("#detail", ResourceDetail).focus()

    # --- keys ----------------------------------------------------------------------------------

    def on_key(self, event) -> None:
        # From the search box, down or enter moves into the results.
        if self.focused is self.query_one("#query", Input) and event.key in ("down", "enter"):
            if self.query_one("#results", OptionList).option_count:
                self.query_one("#results", OptionList).focus()
                event.stop()

    def action_back(self) -> None:
        if self.has_class("-show-detail"):
            self.remove_class("-show-detail")
            self.query_one("#results", OptionList).focus()
            return
        self.app.pop_screen()

    def action_focus_search(self) -> None:
        if not self.is_attached or not self.query(
            "#query"
        ):  # a key that reached the screen before it was built or as it closed
            return
        self.remove_class("-show-detail")
        self.query_one("#query", Input).focus()

    def action_clear_filters(self) -> None:
        for name in FILTERS:
            widget = self.query_one(f"#f-{name}")
            if isinstance(widget, Select):
                widget.clear()
            else:
                widget.value = ""
        self.schedule_search(0)

    def action_toggle_suggested(self) -> None:
        if self.profile is None:
            return
        self.suggested = not self.suggested
        if self.suggested:
            self.query_one("#query", Input).value = ""  # its Changed event searches again
        self.schedule_search(0)

    def _need_service(self) -> resources.ServiceHit | None:
        hit = self.current()
        if hit is None:
            self.notify("Highlight a service in the list first.", severity="warning")
        return hit

    def _need_client(self) -> bool:
        if self.case_id is None:
            self.notify(NO_CLIENT, title="No client", severity="warning", timeout=8)
            return False
        if self.case_closed:
            self.notify("This case is closed and read-only. Reopen it to refer.", severity="warning")
            return False
        return True

    def action_refer(self) -> None:
        if not self._need_client():
            return
        hit = self._need_service()
        if hit is None:
            return
        needs = self.profile.needs if self.profile else []
        domain = next((c for c in hit.categories if c in needs), hit.categories[0] if hit.categories else None)
        today = self.app.today

        def open_form(check) -> None:
            form = ReferralForm(
                client_name=self.client_name or "the client",
                service_label=f"{hit.name} · {hit.organization}" if hit.organization else hit.name,
                domain=domain,
                referred_on=today,
                follow_up_on=today + timedelta(days=referrals.DEFAULT_FOLLOW_UP_DAYS),
                save=partial(self._save_referral, hit.id),
                consent_on_file=consent_words(check.consent) if check.allowed else None,
            )
            self.app.push_screen(form, self._referred)

        # Whether a consent on file covers the referral decides what the form asks.
        self.call_service(lambda session: referrals.referral_consent(session, self.case_id, hit.id, today), open_form)

    def _save_referral(self, service_id: str, values: dict):
        with self.app.database.transaction() as session:
            return referrals.create_referral(
                session, self.case_id, service_id=service_id, today=self.app.today, **values
            )

    def _referred(self, referral) -> None:
        if referral is None:
            return
        follow = f" Follow up on {referral.follow_up_on:%Y-%m-%d}." if referral.follow_up_on else ""
        self.notify(
            f"Referred to {referral.service_name}.{follow} It is on the provider list (p).",
            title="Referral recorded",
        )

    def action_toggle_pick(self) -> None:
        hit = self._need_service()
        if hit is None:
            return
        if hit.id in self.picked:
            del self.picked[hit.id]
        else:
            self.picked[hit.id] = hit.name
        self.query_one("#results", OptionList).replace_option_prompt(hit.id, self.prompt(hit))
        if self.detail is not None and self.detail.service.id == hit.id:
            self.show_detail(self.detail)

    def action_provider_list(self) -> None:
        if self.case_id is None:
            self.notify(
                "A provider list is made for a client: open the directory from the client's record.",
                title="No client",
                severity="warning",
                timeout=8,
            )
            return
        case_id = self.case_id
        self.call_service(
            lambda session: [r for r in referrals.list_referrals(session, case_id) if referrals.is_open(r)],
            self._open_provider_list,
        )

    def _open_provider_list(self, open_referrals) -> None:
        names = list(dict.fromkeys([r.service_name for r in open_referrals] + list(self.picked.values())))
        if not names:
            self.notify("Refer the client (r) or add services to the list (a) first.", severity="warning")
            return
        dialog = ProviderListDialog(
            names=names,
            folder=config.documents_dir(),
            stem=Path(provider_list.default_filename(self.case_id, self.app.today)).stem,
            save=self._save_provider_list,
        )
        self.app.push_screen(dialog, self._provider_list_saved)

    def _save_provider_list(self, path: Path) -> Path:
        """Runs in the dialog's thread worker, with its own session."""
        with self.app.database.transaction() as session:
            return provider_list.save(session, self.case_id, path, today=self.app.today, service_ids=list(self.picked))

    def _provider_list_saved(self, path) -> None:
        if path is not None:
            self.notify(
                f"Saved to {path} and logged on the case's documents.",
                title="Provider list saved",
                timeout=8,
            )

    def action_edit(self) -> None:
        hit = self._need_service()
        if hit is None:
            return
        self.call_service(
            lambda session: resources.get_service(session, hit.id).service,
            self._open_service_form,
            on_error=lambda error: self.notify(str(error), severity="error"),
        )

    def _open_service_form(self, service) -> None:
        values = {name: getattr(service, name) for name in resources.EDITABLE_FIELDS}
        form = ServiceEditForm(
            values, statuses=resources.SERVICE_STATUSES, save=partial(self._save_service, service.id, service.version)
        )
        self.app.push_screen(form, self._service_saved)

    def _save_service(self, service_id: str, version: int, values: dict):
        with self.app.database.transaction() as session:
            return resources.update_service(session, service_id, values, self.app.today, expected_version=version)

    def _service_saved(self, service) -> None:
        if service is not None:
            self.notify(f"Saved {service.name}.")
            self.schedule_search(0)

    def action_verify(self) -> None:
        hit = self._need_service()
        if hit is None:
            return
        today = self.app.today

        def verified(service) -> None:
            self.notify(f"{service.name} marked verified on {today:%Y-%m-%d}.")
            self.schedule_search(0)

        self.call_service(
            lambda session: resources.mark_verified(session, hit.id, today),
            verified,
            on_error=lambda error: self.notify(str(error), severity="error"),
        )
