"""Command palette: open a client by name, and every key of the current screen as a command."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial

from textual.app import SystemCommand
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from casetui.keys import bound_keys

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
