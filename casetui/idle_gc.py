"""Full garbage collections while the user pauses, not in the middle of a key press.

A running casetui holds some 300,000 objects that Python's collector tracks (Textual's render
caches hold most of them). One full collection over them took 100-350 ms on a 2-core laptop,
and CPython starts one whenever the long-lived objects have grown by a quarter: while a screen
opens, as often as not (``tests/bench/bench_screens.py``). So when no key or mouse event has
come for ``IDLE_SECONDS`` and no worker is running (or after ``LONGEST_WAIT_SECONDS`` of constant work), everything is
collected and what survives is frozen (``gc.freeze``): the collections CPython still starts
between pauses scan only what was made since, a few milliseconds. Nothing stays uncollected:
each pause unfreezes and collects everything again, and the app unfreezes when it ends.
"""

from __future__ import annotations

import gc
from time import monotonic

IDLE_SECONDS = 2.0
CHECK_SECONDS = 1.0
LONGEST_WAIT_SECONDS = 120.0


class IdleCollector:
    """Mixin for the App, beside ``PrivacyGuard`` (whose ``_last_input`` tells the pauses)."""

    _last_input: float = 0.0
    _collected_at: float = 0.0
    _input_since_collection = True

    def start_idle_collection(self) -> None:
        self._collected_at = monotonic()
        self.set_interval(CHECK_SECONDS, self.collect_if_idle, name="idle-gc")

    def collect_if_idle(self) -> bool:
        """Collect now if the user has paused (or worked long without one); whether it did."""
        now = monotonic()
        if self._last_input > self._collected_at:
            self._input_since_collection = True
        # Paused: no input for a while, and no read or save under way (a screen still opening).
        paused = now - self._last_input >= IDLE_SECONDS and not any(worker.is_running for worker in self.workers)
        if not self._input_since_collection or not (paused or now - self._collected_at >= LONGEST_WAIT_SECONDS):
            return False  # nothing new since the last pause's collection, or the user is at work
        self._forget_closed_watchers()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._collected_at, self._input_since_collection = monotonic(), False
        return True

    def _forget_closed_watchers(self) -> None:
        """Textual's Header watches the app's title and a TextArea its theme, and a closed
        screen's widgets (with their caches) are let go only when that value next changes:
        one more screenful kept for every screen opened. Textual keeps the watchers under the
        app's ``__watchers`` (pinned Textual; tests/screens/test_app_shell.py notices a change)."""
        for watchers in getattr(self, "__watchers", {}).values():
            watchers[:] = [(node, callback) for node, callback in watchers if node is self or node.is_attached]

    def stop_idle_collection(self) -> None:
        gc.unfreeze()
