"""What the tests share: waiting for a running app to settle, typing, reading a field's error.

No fixed sleeps here: the app is waited on (its workers, its pending messages), and the
debounce and autosave timers casetui's screens set are fired at once rather than waited out.
"""

from tests.helpers.files import digest
from tests.helpers.pilot import (
    calm,
    choose,
    field_error,
    fire_timers,
    palette_first,
    screen_ready,
    settle,
    type_into,
    wait_for_workers,
    wait_until,
)

__all__ = [
    "calm",
    "choose",
    "digest",
    "field_error",
    "fire_timers",
    "palette_first",
    "screen_ready",
    "settle",
    "type_into",
    "wait_for_workers",
    "wait_until",
]
