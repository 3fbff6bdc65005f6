"""The casetui application: global keys, themes, the command palette, navigation.

Start-up is kept lean: this module imports Textual and the caseload screen only. SQLAlchemy and
the other screens load when they are first needed. ``cli.start_app`` hands the app the most
urgent rows of the caseload, read with stdlib sqlite3, and a function that opens the database:
the first frame shows those rows, then the database is opened in a thread (``on_ready``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from casetui import config
from casetui.commands import ActionsProvider, ClientsProvider, binding_commands
from casetui.idle_gc import IdleCollector
from casetui.keys import load_keymap
from casetui.privacy import PrivacyGuard
from casetui.reminders import Reminders
from casetui.screens.caseload import CaseloadScreen

THEMES = ("textual-dark", "textual-light")


class CaseApp(
    Reminders, IdleCollector, PrivacyGuard, App[None]
):  # idle lock, crash reports without client data (privacy.py)
    TITLE = "casetui"
    # The caseload's CSS too: Textual does not load a default screen's own CSS_PATH.
    CSS_PATH = ["theme.tcss", "screens/caseload.tcss"]
    # Textual's system commands, found also by everyday words (commands.WORDS); clients by name.
    COMMANDS = {ActionsProvider, ClientsProvider}
    # Every key has an id (the worker's keymap.toml names them); casetui/keys.py lists them all.
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False, id="app.quit"),
        Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help"),
        Binding("ctrl+t", "toggle_theme", "Toggle theme", show=False, id="app.theme"),
        # hidden: every footer (and snapshot) stays as it was
        Binding("ctrl+l", "lock", "Lock", show=False, id="app.lock"),
        # A function key: it works while the cursor is in a field, and no screen uses it.
        Binding("f9", "settings", "Settings", show=False, id="app.settings"),
        # Textual's own palette key, given an id so that it can be moved too.
        Binding("ctrl+p", "command_palette", "palette", show=False, priority=True, id="app.palette"),
    ]

    def __init__(
        self, database, *, worker: str | None = None, today: date | None = None, demo: bool = False, first_caseload=None
    ):
        """``database``: the open ``Database``, or a function that opens it, called once: in a
        thread after the first frame, or by whoever needs the database first (``worker`` then
        names the worker). ``first_caseload``: a ``caseload.Caseload`` for the first frame."""
        super().__init__()
        self._today = today
        self.pinned_now = None  # tests and screenshots: a fixed "now" (see ``now``)
        self.demo = demo
        if callable(database):
            self._database, self._open_database = None, database
            self.worker_name: str = worker
        else:
            self._database, self._open_database = database, None
            self.worker_name = database.worker
        self._opening = threading.Lock()
        self._open_error: BaseException | None = None
        self.first_caseload = first_caseload  # the caseload screen takes it when it mounts
        self.startup_error: str | None = None
        self.first_frame_shown = False
        # The local order of day and month (setting "date_order"), read in a thread after the
        # first frame; date fields are handed it, so no widget reads the database for it.
        self.date_order = "mdy"
        if demo:
            self.sub_title = "demo caseload"
        self.keymap: dict[str, str] = {}
        keymap, self.keymap_problem = load_keymap(config.keymap_path())
        if keymap:
            self.set_keymap(keymap)

    def notify(self, message: str, *, title: str = "", severity="information", timeout=None, markup=False) -> None:
        """Every notification is plain text, whoever sends it (a screen's ``notify`` asks for markup
        by default): messages quote what people typed, and "[mom]" must show as typed."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def set_keymap(self, keymap) -> None:
        """Keys moved from their defaults (by id); kept for the help and the hints that name keys."""
        super().set_keymap(keymap)
        self.keymap = {binding_id: keys for binding_id, keys in self._normalize_keymap(keymap).items() if keys}

    @property
    def today(self) -> date:
        """The working date: pinned in tests and screenshots, otherwise the real date."""
        return self._today or date.today()

    @property
    def now(self):
        """The time now (aware), on the working date: appointments and reminders are read against
        it. Tests pin it with ``pinned_now``; a pinned date keeps the real time of day."""
        from datetime import datetime

        if self.pinned_now is not None:
            return self.pinned_now
        current = datetime.now().astimezone()
        return (
            current
            if self._today is None
            else current.replace(year=self._today.year, month=self._today.month, day=self._today.day)
        )

    @property
    def clock_known(self) -> bool:
        """Whether ``now`` is the real time (or pinned): a date pinned alone leaves the time of day
        a guess, so nothing says what comes "next"."""
        return self.pinned_now is not None or self._today is None

    @property
    def database(self):
        """The open database (opened on first use, waiting if another thread is opening it)."""
        if self._database is None:
            with self._opening:
                if self._database is None:
                    if self._open_error is not None:
                        raise self._open_error
                    try:
                        self._database = self._open_database()
                    except BaseException as exc:  # whoever asks next is told the same
                        self._open_error = exc
                        raise
        return self._database

    @property
    def record_changes(self) -> int:
        """How many transactions here have changed a record (0 while the database is opening);
        read on the interface thread without waiting for the database."""
        return self._database.changes if self._database is not None else 0

    def on_ready(self) -> None:
        """The first frame is on the terminal. Only now is the rest of the start-up done: it
        would otherwise delay that frame (callbacks scheduled during the start-up batch run
        before it, not after it)."""
        self.first_frame_shown = True
        self.start_idle_collection()
        self.start_reminders()
        if self.keymap_problem:
            self.notify(self.keymap_problem, title="Keymap", severity="warning", timeout=20)
        for screen in self.screen_stack:
            if hasattr(screen, "after_first_frame"):
                screen.after_first_frame()
        # Load SQLAlchemy and open (check, back up) the database behind the painted rows if it is
        # not open yet, and read the settings the app holds, in one transaction.
        self.run_worker(
            self._open_in_background, thread=True, exclusive=True, group="open-database", exit_on_error=False
        )

    def on_unmount(self) -> None:
        self.stop_idle_collection()

    def _open_in_background(self) -> None:
        from casetui.data.domain.errors import CasetuiError
        from casetui.data.services import lock, settings, settings_list

        try:
            with self.database.transaction() as session:
                order, policy = settings.date_order(session), self.read_lock_policy(session)
                choose_lock = not self.demo and lock.needs_lock_choice(session, self.database.encrypted)
                # The first run: a new database, or a worker who has not said who they are.
                first_run = not self.demo and (self.database.created or config.recorded_worker_name() is None)
                agency = settings_list.agency_name(session) if first_run else None
        except CasetuiError as exc:
            self.startup_error = str(exc)  # the app ends once this worker has (below)
            return
        except Exception as exc:  # its text may quote data: name only what kind of failure it was
            self.startup_error = f"the database could not be opened (unexpected {type(exc).__name__})"
            return
        self.call_from_thread(self._take_settings, order, policy, choose_lock, agency)

    def _take_settings(
        self, date_order: str, lock_policy: tuple[int, bool], choose_lock: bool = False, first_run: str | None = None
    ) -> None:
        """``first_run``: the agency's name as stored ("" if none) when this is a first run."""
        self.date_order, self.lock_policy = date_order, lock_policy
        for screen in self.screen_stack:
            if hasattr(screen, "after_database_open"):
                screen.after_database_open()
        if first_run is not None:
            self.ask_first_run(first_run, then_lock=choose_lock)
        elif choose_lock:  # the first run of the lock (a demo caseload is synthetic: no lock)
            self.ask_lock_choice()

    def ask_first_run(self, agency_name: str, *, then_lock: bool) -> None:
        """Who the worker is, the agency, the date order; then the lock PIN if none is chosen."""
        from casetui.screens.first_run import FirstRunDialog

        def done(date_order: str | None) -> None:
            if date_order:
                self.date_order = date_order
            self.take_worker_name(config.worker_name())
            if then_lock:
                self.ask_lock_choice()

        self.push_screen(FirstRunDialog(self, agency_name, self.date_order), done)

    def take_worker_name(self, name: str) -> None:
        """The worker's name changed (first run, settings): new records and audit entries carry it,
        and the caseload shows their cases."""
        if name == self.worker_name:
            return
        self.worker_name = name
        if self._database is not None:
            self._database.worker = name
        home = self.screen_stack[0]
        if hasattr(home, "load"):
            home.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Exiting from inside the worker would cancel the worker itself.
        if event.worker.group == "open-database" and event.state == WorkerState.SUCCESS and self.startup_error:
            self.exit(return_code=1)

    def get_default_screen(self) -> Screen:
        # Not a mode: a mode's screen is laid out and rendered inside Textual's start-up batch,
        # where the frame is thrown away, and painted only after it (measured: 60 ms later).
        return CaseloadScreen()

    # --- global actions ------------------------------------------------------------------

    def action_help(self) -> None:
        from casetui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_backup(self) -> None:
        """A copy of the database file in the backups folder now (as ``casetui backup`` makes), in
        a thread: a large file takes a while."""
        self.run_worker(self._back_up, thread=True, group="backup", exclusive=True, exit_on_error=False)

    def _back_up(self) -> None:
        from casetui.data.domain.errors import CasetuiError
        from casetui.data.storage import backup

        database = self.database
        if self.demo:  # synthetic and throwaway: nothing of it belongs in the backups folder
            message, severity = "The demo caseload is synthetic and is not backed up.", "warning"
        elif database.path is None:
            message, severity = "An agency server is backed up by its own tools (pg_dump), not by casetui.", "warning"
        elif database.encrypted:  # the passphrase is not kept in the app: the command line asks for it
            message = (
                "An encrypted database is backed up from the command line: casetui backup (it asks the passphrase)."
            )
            severity = "warning"
        else:
            try:
                written = backup.backup_file(database.path, config.backups_dir())
            except (CasetuiError, OSError) as exc:
                message, severity = f"The backup failed: {exc}", "error"
            else:
                message, severity = f"Backup written to {written}", "information"
        self.call_from_thread(self.notify, message, title="Backup", severity=severity, timeout=10)

    def action_settings(self) -> None:
        from casetui.screens.first_run import FirstRunDialog
        from casetui.screens.lock import FirstRunLockDialog
        from casetui.screens.settings import SettingsScreen

        if isinstance(self.screen, FirstRunDialog | FirstRunLockDialog):
            return  # the first run's questions are the settings, being answered
        if not any(isinstance(screen, SettingsScreen) for screen in self.screen_stack):
            self.push_screen(SettingsScreen())

    def action_agency_profile(self) -> None:
        """The agency profile form, filled with the profile as stored (read in a thread)."""
        self.run_worker(self._read_agency_profile, thread=True, group="agency-profile", exclusive=True)

    def _read_agency_profile(self) -> None:
        from casetui.data.services import agency

        with self.database.transaction() as session:
            profile = agency.profile(session)
        self.call_from_thread(self._ask_agency_profile, profile)

    def _ask_agency_profile(self, profile) -> None:
        from casetui.data.services import agency
        from casetui.widgets.agency_dialog import AgencyProfileDialog

        def save(values: dict) -> None:  # the form runs it in a thread
            values["cosignature_required"] = values.get("cosignature_required") == "yes"
            with self.database.transaction() as session:
                agency.save_profile(session, **values)

        def saved(done) -> None:
            if done:
                self.notify("Agency profile saved: documents written from now on carry it.", title="Saved")

        self.push_screen(
            AgencyProfileDialog(profile, save, identifiers=agency.IDENTIFIERS, paper_sizes=agency.PAPER_SIZES), saved
        )

    def action_toggle_theme(self) -> None:
        self.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]

    def action_home(self) -> None:
        """Back to the caseload, closing every screen above it."""
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from binding_commands(self, screen)
        yield SystemCommand("Caseload", "Back to the caseload (home)", self.action_home)
        yield SystemCommand("New client", "Start an intake for a new client", self.open_intake)
        yield SystemCommand("Today", "Today's appointments, tasks and what is due", self.open_today)
        yield SystemCommand("Resource directory", "Search services and providers", self.open_resources)
        yield SystemCommand("Back up now", "Copy the database into the backups folder", self.action_backup)
        yield SystemCommand(
            "Settings", "Your name, the agency, lock, date order, reminders, retention, backups", self.action_settings
        )
        yield SystemCommand(
            "Agency profile",
            "Agency name, address, notice, identifiers and signatures on documents",
            self.action_agency_profile,
        )
        yield from super().get_system_commands(screen)

    # Navigation: every workflow is opened through one of these, so screens need not import
    # each other. Imports are deferred so start-up only loads the caseload.

    def open_client(self, client_id: int) -> None:
        from casetui.screens.client import ClientScreen

        self.push_screen(ClientScreen(client_id))

    def open_today(self) -> None:
        """The morning view: today's appointments, tasks and what is due."""
        from casetui.screens.morning import MorningScreen

        self.push_screen(MorningScreen())

    def open_intake(self, case_id: int | None = None) -> None:
        """A new client's intake, or with ``case_id`` a reassessment of that case."""
        from casetui.screens.intake import open_intake

        open_intake(self, case_id)

    def open_goals(self, case_id: int) -> None:
        from casetui.screens.goals import GoalsScreen

        self.push_screen(GoalsScreen(case_id))

    def open_resources(self, case_id: int | None = None) -> None:
        """The directory; with ``case_id`` it shows eligibility and refers for that client."""
        from casetui.screens.resources import ResourcesScreen

        self.push_screen(ResourcesScreen(case_id=case_id))

    def open_discharge(self, case_id: int) -> None:
        from casetui.screens.discharge import DischargeScreen

        self.push_screen(DischargeScreen(case_id))

    def open_audit(self, client_id: int | None = None) -> None:
        """The audit trail, optionally filtered to one client."""
        from casetui.screens.audit import AuditScreen

        self.push_screen(AuditScreen(client_id))
