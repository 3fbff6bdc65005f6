"""The key footer every screen shows: Textual's, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer rebuilds all its keys each time the screen says its bindings may have
    changed: on every focus change, every return to the screen, every ``refresh_bindings``,
    two or three times for one key press. Rebuilding 10-20 keys is a good part of opening a
    screen, and the keys are mostly the same: this one rebuilds once per refresh, and only when
    what it would show differs from what it shows."""

    _shown: tuple | None = None
    _pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen or self._pending:
            return
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

    def _keys_shown(self) -> tuple:
        return tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip, self.app.get_key_display(binding))
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )
