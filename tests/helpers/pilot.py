"""Driving a running app in tests: settle it, type into it, read what a form says.

``settle`` is the one way the tests wait for the app: it fires the one-shot timers casetui's
screens have pending (the directory search and caseload filter debounces, the intake
autosave), waits for every worker, and lets the screen process what they posted, until
nothing is left. A timer is fired, not waited out, so no test depends on a delay's length.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.timer import Timer
from textual.worker import WorkerCancelled, WorkerState

from casetui.widgets.fields import FormField

# Rounds of firing timers and waiting for workers before settle gives up: each round is one
# hop of a chain (a timer starts a worker whose result sets another timer); real chains are 2 or 3.
SETTLE_ROUNDS = 20


def _pending_timers(app) -> list[tuple[object, Timer]]:
    """One-shot timers (``set_timer``) of casetui's own screens and widgets that have not fired.

    Textual's own timers (toasts, cursor blink, the palette) and repeating ones (the idle-lock
    check) are left alone. This reads Textual internals (``_timers``, ``_repeat``, ``_task``):
    Textual is pinned below 9 in pyproject.toml.
    """
    pending = []
    for screen in app.screen_stack:
        for node in (screen, *screen.walk_children()):
            if not type(node).__module__.startswith("casetui."):
                continue
            for timer in list(node._timers):
                task = timer._task
                if timer._repeat == 0 and task is not None and not task.done():
                    pending.append((node, timer))
    return pending


def fire_timers(app) -> int:
    """Fire casetui's pending one-shot timers now, as if their delay had passed; returns how many."""
    pending = _pending_timers(app)
    for _node, timer in pending:
        callback = timer._callback
        timer.stop()
        if callback is not None:
            callback()  # set_timer's callback: call_next(the screen's method) on the timer's owner
    return len(pending)


def _busy_workers(app) -> list:
    return [worker for worker in app.workers if worker.state in (WorkerState.PENDING, WorkerState.RUNNING)]


async def wait_for_workers(pilot: Pilot) -> None:
    """Wait for every worker to finish, then for the screen to take in what they posted."""
    while busy := _busy_workers(pilot.app):
        try:
            await pilot.app.workers.wait_for_complete(busy)
        except WorkerCancelled:
            pass  # replaced by a newer call of its kind (exclusive): that one is waited for next
    await pilot.pause()


async def screen_ready(pilot: Pilot) -> None:
    """Wait until the screen on top and its widgets have handled what is queued for them (a new
    screen: its mount), without ``pilot.pause``'s wait for the whole process to go idle, which
    takes seconds while workers are busy. (``Pilot._wait_for_screen``: Textual is pinned below 9.)"""
    await pilot._wait_for_screen()


async def settle(pilot: Pilot) -> None:
    """Let the app come to rest: pending messages, debounce/autosave timers, workers, a refresh."""
    app = pilot.app
    await pilot.pause()
    for _ in range(SETTLE_ROUNDS):
        fired = fire_timers(app)
        if not fired and not _busy_workers(app):
            return
        await wait_for_workers(pilot)
    raise AssertionError(
        f"the app did not settle after {SETTLE_ROUNDS} rounds: timers {_pending_timers(app)}, "
        f"workers {_busy_workers(app)}"
    )


async def wait_until(pilot: Pilot, condition: Callable[[], object], what: str = "the condition", rounds=250) -> None:
    """Settle the app until ``condition`` holds, for what casetui's workers do not cover (the
    command palette searches in tasks of its own). Each round waits on the app, not a clock."""
    for _ in range(rounds):
        if condition():
            return
        await settle(pilot)
    if not condition():
        raise AssertionError(f"waited in vain for {what}")


def _key_event(app, character: str) -> events.Key:
    if character == "\n":
        event = events.Key("enter", "\r")
    else:
        event = events.Key(character if character.isalnum() else _character_to_key(character), character)
    event.set_sender(app)
    return event


async def type_into(pilot: Pilot, selector: str | None, text: str) -> None:
    """Type ``text`` into the widget ``selector`` names (on the screen on top), or into the
    focused one when ``selector`` is None.

    The keys are the events ``pilot.press`` sends, in order, but without its wait for the whole
    process to go idle after every key (40 ms or more each): typing a paragraph that way takes
    seconds. Only text goes this way; keys that move focus or open screens go through
    ``pilot.press``, which waits for each to land.
    """
    app = pilot.app
    if selector is not None:
        app.screen.query_one(selector).focus()
        await pilot.pause()
    for character in text:
        app.post_message(_key_event(app, character))
    # The app forwards the keys to the focused widget, which posts its changes to the screen:
    # one pause for each hop.
    for _ in range(3):
        await pilot.pause()


async def choose(pilot: Pilot, search: str) -> None:
    """Open the focused Select, type to find the option, take it."""
    await pilot.press("enter", *search, "enter")
    await pilot.pause()


def field_error(screen, field: str) -> str:
    """The inline error under a form's field (``FormField`` ``#field-<field>``), or "" when it has none."""
    widget = screen.query_one(f"#field-{field}", FormField)
    return str(widget.query_one(".field-error").render()) if widget.has_class("-invalid") else ""


async def palette_first(pilot: Pilot, expected: str) -> str:
    """Wait until the command palette's first match contains ``expected``; returns that match as text."""
    from textual.command import CommandList

    def first() -> str:
        found = pilot.app.screen.query(CommandList)
        if found and found.first().option_count:
            return str(found.first().get_option_at_index(0).prompt)  # the Content it draws, as plain text
        return ""

    await wait_until(pilot, lambda: expected in first(), f"the palette to offer {expected!r} first")
    return first()


def calm(app) -> None:
    """No blinking cursors on the screen on top, so snapshots do not depend on when they are taken."""
    from textual.widgets import Input, TextArea

    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for widget in app.screen.query(TextArea):
        widget.cursor_blink = False
