"""The key footer every screen shows: Textual's, fitted to the terminal's width and rebuilt only
when the keys it shows change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from casetui.keys import KEYS

# Kept when the footer is too narrow for every key: help (which lists the rest), going back,
# saving, new, quitting. The other keys give way from the end of the screen's list.
KEPT_MEANINGS = {"help", "back", "save", "new"}
HELP_WHEN_SHORT = "All keys"
PALETTE_WIDTH = 13  # "▏^p palette" docked on the right, with its padding


def key_width(key_display: str, description: str) -> int:
    """Columns one key takes: its padding, the key, a space and the description."""
    return len(key_display) + (len(description) + 1 if description else 0) + 2


def is_help(binding) -> bool:
    return binding.action in ("help", "app.help")


def is_kept(binding) -> bool:
    if is_help(binding):
        return True
    meaning = KEYS.get(binding.id or "", ("", None))[1]
    return meaning in KEPT_MEANINGS or (binding.id or "").endswith(".quit")


def fit(items: list, width: int) -> tuple[list, bool]:
    """The items (``(binding, key_display, ...)``) that fit in ``width`` columns, in their order:
    the kept ones always, the others while room is left, first ones first. Also whether any
    gave way."""

    def columns(item) -> int:  # help's room is that of "All keys", its label when a key gives way
        return key_width(item[1], HELP_WHEN_SHORT if is_help(item[0]) else item[0].description)

    total = sum(columns(item) for item in items)
    shown = list(items)
    for item in reversed(items):
        if total <= width:
            break
        if not is_kept(item[0]):
            shown.remove(item)
            total -= columns(item)
    return shown, len(shown) < len(items)


class KeyFooter(Footer):
    """Textual's Footer rebuilds all its keys each time the screen says its bindings may have
    changed: on every focus change, every return to the screen, every ``refresh_bindings``,
    two or three times for one key press. Rebuilding 10-20 keys is a good part of opening a
    screen, and the keys are mostly the same: this one rebuilds once per refresh, and only when
    what it would show differs from what it shows.

    Textual's cuts the row off at the right edge, and the app's help key is last: at 80 columns
    help and quit went first. This one drops the least needed keys instead (help says "All keys"
    then: it lists every key of the screen)."""

    _shown: tuple | None = None
    _pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen or self._pending:
            return
        self._pending = True
        self.call_after_refresh(self._rebuild_if_changed)

    def on_resize(self) -> None:
        if self._bindings_ready and self.is_attached and not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self._keys_shown()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    def _width(self) -> int:
        return (self.size.width or self.app.size.width) - (PALETTE_WIDTH if self.show_command_palette else 0)

    def _items(self) -> list[tuple]:
        """One entry per action, as Textual's footer shows them: (binding, key shown, enabled, tooltip)."""
        items: dict[str, tuple] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in items:
                items[binding.action] = (binding, self.app.get_key_display(binding), enabled, tooltip)
        return list(items.values())

    def _keys_shown(self) -> tuple:
        shown, _hidden = fit(self._items(), self._width())
        return (self._width(), *((item[0].key, item[0].action, item[1], item[2], item[3]) for item in shown))

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        shown, some_hidden = fit(self._items(), self._width())
        self.styles.grid_size_columns = len(shown)
        for binding, key_display, enabled, tooltip in shown:
            description = binding.description
            if some_hidden and is_help(binding):
                description = HELP_WHEN_SHORT
            yield FooterKey(
                binding.key, key_display, description, binding.action, disabled=not enabled, tooltip=tooltip
            ).data_bind(compact=Footer.compact)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            try:
                _node, binding, enabled, tooltip = self.screen.active_bindings[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                return
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )
