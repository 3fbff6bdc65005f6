"""Command palette: open a client by name, every key of the current screen as a command, and
every command also found by the everyday words people type for it (``WORDS``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial

from textual.app import SystemCommand
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.system_commands import SystemCommandsProvider

from casetui.keys import bound_keys

# Command title: the words people type for it, beside the title's own words. A title shared by
# several screens' keys ("Edit", "Export") gets words true of each of them. No command is made for
# a word: a word of a feature casetui lacks ("appointment", "print") finds only a real action that
# does that job, and ``NOTES`` then says plainly what it does and does not do.
WORDS: dict[str, tuple[str, ...]] = {
    # global (app.py, privacy.py)
    "New client": (
        "intake",
        "new intake",
        "new client",
        "add client",
        "assessment",
        "register",
        "admit",
        "enrol",
        "enroll",
    ),
    "Resource directory": ("directory", "resources", "services", "providers", "programs", "agencies", "referral"),
    "Back up now": ("backup", "back up", "save a copy", "copy the database", "export database"),
    "Lock now": ("lock", "lock screen", "lock now", "step away"),
    "Settings": (
        "settings",
        "preferences",
        "options",
        "setup",
        "my name",
        "worker name",
        "agency",
        "agency name",
        "date order",
        "date format",
        "retention",
        "reminders",
    ),
    "Idle lock settings": ("idle lock", "pin", "change pin", "lock pin", "timeout"),
    "Agency profile": (
        "agency",
        "letterhead",
        "confidentiality",
        "signature",
        "co-signature",
        "supervisor",
    ),
    "Audit trail": ("audit", "audit trail", "log", "who changed", "report", "activity"),
    "Toggle theme": ("theme", "dark", "light", "colours", "colors"),
    "Help": ("help", "keys", "shortcuts", "keyboard", "what can i do"),
    "Caseload": ("home", "caseload", "my cases"),
    # caseload keys
    "Overdue": ("overdue", "late", "missed"),
    "Week+overdue": ("due", "this week", "due this week", "upcoming", "appointment", "follow up", "tasks"),
    "All workers": ("everyone", "all cases", "team", "colleagues"),
    # client record keys
    "Note": ("note", "case note", "contact", "call", "visit", "appointment", "progress note"),
    "Stage": ("stage", "status", "move case"),
    "Reassess": ("assessment", "reassessment", "review", "questionnaire", "screening"),
    "Resources": ("directory", "resources", "services", "referral", "refer", "find help"),
    "Outcome": ("referral outcome", "result"),
    "Consent": ("consent", "release", "permission", "roi"),
    "Revoke": ("revoke consent", "withdraw consent"),
    "Discharge": ("discharge", "close case", "transfer", "end service", "closing summary"),
    "Safety": ("safety", "risk", "crisis"),
    "Documents tab": ("documents", "print", "summary", "discharge summary", "files", "report"),
    "Assessments tab": ("assessments", "scores"),
    "In error": ("entered in error", "mistake", "wrong", "correct", "correction", "strike out", "undo"),
    "Sign": ("sign", "sign note", "finalise note", "finalize note"),
    "Addendum": ("addendum", "add to note", "amend note"),
    "Household": ("household", "family", "lives with", "members", "relatives"),
    "Contacts tab": ("contact log", "contacts", "minutes", "billing", "monthly totals"),
    # goals, directory, discharge, audit keys
    "Progress": ("progress", "update goal"),
    "History": ("history", "revisions"),
    "Refer": ("referral", "refer"),
    "Export": ("print", "export summary", "discharge summary", "save summary", "report"),
    "Export CSV": ("print", "export", "csv", "report", "spreadsheet"),
    "Render": ("discharge summary", "draft summary"),
}

# What a word finds when casetui has no feature of that name: said in the hit's help line.
NOTES: dict[str, str] = {
    "print": "casetui does not print: documents are saved as PDF and HTML; Enter on the Documents tab opens one to print",
    "appointment": "casetui has no calendar: record the contact as a note, and the next step as the case's next action",
    "transfer": "A transfer elsewhere is recorded as a discharge; moving a case to another worker is not in casetui",
    "report": "casetui has no report builder: the audit trail exports to CSV, a discharge summary to files",
}


def word_score(query: str, title: str) -> tuple[int, str | None]:
    """(2 for one of ``title``'s everyday words typed whole, 1 for its start, such as "back" of
    "backup", else 0; the word) for ``query``. Shorter queries than 3 letters match no word."""
    typed = " ".join(query.lower().split())
    if len(typed) < 3:
        return 0, None
    best, found = 0, None
    for word in WORDS.get(title, ()):
        if word == typed:
            return 2, word
        if word.startswith(typed) and not best:
            best, found = 1, word
    return best, found


# Textual's fuzzy scores of a title run to a few dozen: a word's tier is above any of them.
WORD_TIER = 1000


class ActionsProvider(SystemCommandsProvider):
    """Textual's system commands (the app's commands and the screen's keys), found by their
    titles as Textual finds them, or by their everyday words (``WORDS``)."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for position, (title, help_text, callback, *_) in enumerate(self.app.get_system_commands(self.screen)):
            # An everyday word typed whole or begun puts its command above every fuzzy match of
            # a title. Between two words the screen's own keys (listed first) win: "directory" on
            # a client's record is the directory for that client.
            by_title = matcher.match(title)
            tier, word = word_score(query, title)
            if not (by_title or tier):
                continue
            note = NOTES.get(word) if word else None
            yield Hit(
                (tier * WORD_TIER if tier else by_title) - position / 10_000,
                highlighted(matcher, title),
                callback,
                help=f"{note}. {help_text}" if note else help_text,
            )


# Keys every screen has, or that the palette and the help already explain.
_SKIP_ACTIONS = {"command_palette", "focus_next", "focus_previous", "copy_text", "screenshot"}


def screen_keys(app, screen) -> list[tuple[str, str, str, object]]:
    """(key shown, description, action, node) for the keys worth listing on ``screen``: its own
    (even those a focused widget shadows, e.g. enter), the footer's, and the app's. Widgets'
    hidden keys (cursor movement...) are left out. The screen's own keys come first."""
    found: dict[str, list] = {}

    def add(binding, node, order: int) -> None:
        if not binding.description or binding.action.rpartition(".")[2] in _SKIP_ACTIONS:
            return
        shown = binding.key_display or app.get_key_display(binding)
        if binding.description in found:
            entry = found[binding.description]
            if shown not in entry[0].split(" / "):
                entry[0] = f"{entry[0]} / {shown}"
            return
        found[binding.description] = [shown, binding.description, binding.action, node, order]

    for binding in type(screen).BINDINGS:
        binding = binding if isinstance(binding, Binding) else Binding(*binding)
        for key in bound_keys(app, binding):  # as the worker's keymap has them
            single = binding.with_key(key)
            if screen.check_action(binding.action, ()) is not False:
                add(single, screen, 0)
    for active in screen.active_bindings.values():
        node = active.node
        if node is screen or node is app or active.binding.show:
            add(active.binding, node, 0 if node is screen else (2 if node is app else 1))
    rows = sorted(found.values(), key=lambda entry: entry[4])
    return [(shown, description, action, node) for shown, description, action, node, _order in rows]


def binding_commands(app, screen) -> Iterable[SystemCommand]:
    """One palette command per key of ``screen`` (see ``screen_keys``), titled by what it does,
    so every action is reachable without knowing its key."""
    for shown, description, action, node in screen_keys(app, screen):
        if action == "quit":
            continue  # the built-in "Quit" command follows
        yield SystemCommand(description, f"Key: {shown}", partial(app.run_action, action, node))


def highlighted(matcher: Matcher, text: str) -> Content:
    """``text`` as typed with the query's letters marked. (``Matcher.highlight`` reads its text
    as markup: "Smith [Jr]" would lose "[Jr]" and "a [/] b" would stop the palette.)"""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class ClientsProvider(Provider):
    """Open a client's record by typing part of their name."""

    def _find_clients(self, query: str) -> list[tuple[int, str]]:
        from casetui.data.services import clients

        with self.app.database.transaction() as session:
            found = clients.search_clients(session, query, limit=20)
            return [
                (
                    client.id,
                    f"{client.sort_name}"
                    + (f" · born {client.date_of_birth:%Y-%m-%d}" if client.date_of_birth else ""),
                )
                for client in found
            ]

    async def search(self, query: str) -> Hits:
        if len(query.strip()) < 2:
            return
        matcher = self.matcher(query)
        found = await asyncio.to_thread(self._find_clients, query)
        for client_id, name in found:
            score = matcher.match(name) or 0.1  # the service matched name prefixes; keep its order
            yield Hit(
                score,
                highlighted(matcher, name),
                partial(self.app.open_client, client_id),
                help="Open the client's record",
            )
