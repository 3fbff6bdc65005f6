"""The key scheme and the worker's own keys.

``KEYS`` names every key binding in casetui by its id, with its default keys and, when the
key is one of the shared ones in ``MEANINGS``, what it means there: a key means the same on
every screen (docs/keys.md explains the scheme; tests/test_keys.py holds the screens to it).
``load_keymap`` reads keymap.toml from the settings folder for ``App.set_keymap``.

Start-up imports this module: it needs no screen (the ids are listed here, not collected from
the screens) and imports ``tomllib`` only when a keymap file exists.
"""

from __future__ import annotations

from pathlib import Path

# name: keys. A non-letter key here means this wherever it is bound; a letter here is the
# letter of that kind of action on every screen that has one (other screens may use it for
# something else). A [keys] entry named like this moves the key of every binding it has.
MEANINGS: dict[str, str] = {
    "help": "question_mark,f1",
    "palette": "ctrl+p",
    "theme": "ctrl+t",
    "lock": "ctrl+l",
    "quit": "ctrl+q",
    "back": "escape",
    "open": "enter",
    "save": "ctrl+s",
    "find": "slash,ctrl+f",
    "clear-filters": "ctrl+r",
    "export": "ctrl+o",
    "next": "ctrl+n,ctrl+pagedown",
    "previous": "ctrl+b,ctrl+pageup",
    "new": "n",
    "edit": "e",
    "status": "s",
}

# id: (default keys, meaning or None for a key of that screen only). The part of an id before
# the first dot names the screen, dialog or widget whose BINDINGS hold it (the discharge steps'
# keys are on the step widgets of casetui/screens/discharge/). No class binds one key twice.
KEYS: dict[str, tuple[str, str | None]] = {
    # everywhere (casetui.app)
    "app.quit": ("ctrl+q", "quit"),
    "app.help": ("question_mark,f1", "help"),
    "app.theme": ("ctrl+t", "theme"),
    "app.lock": ("ctrl+l", "lock"),
    "app.palette": ("ctrl+p", "palette"),
    "app.settings": ("f9", None),
    # caseload
    "caseload.open": ("enter", "open"),
    "caseload.find": ("slash,ctrl+f", "find"),
    "caseload.overdue": ("o", None),
    "caseload.due-this-week": ("u", None),
    "caseload.all-workers": ("w", None),
    "caseload.closed": ("x", None),
    "caseload.drafts": ("d", None),
    "caseload.sort": ("t", None),
    "caseload.reverse-sort": ("T", None),
    "caseload.today": ("a", None),
    "caseload.new-appointment": ("p", None),
    "caseload.new-client": ("n", "new"),
    "caseload.refresh": ("r", None),
    "caseload.quit": ("q", None),
    "caseload.clear": ("escape", "back"),
    "caseload.clear-filters": ("ctrl+r", "clear-filters"),
    # client record
    "client.back": ("escape", "back"),
    "client.note": ("n", "new"),
    "client.stage": ("s", "status"),
    "client.edit": ("e", "edit"),
    "client.safety": ("x", None),
    "client.reassess": ("a", None),
    "client.goals": ("g", None),
    "client.resources": ("f", None),
    "client.outcome": ("o", None),
    "client.consent": ("k", None),
    "client.revoke-consent": ("v", None),
    "client.discharge": ("d", None),
    "client.tab-overview": ("1", None),
    "client.tab-assessments": ("2", None),
    "client.tab-goals": ("3", None),
    "client.tab-notes": ("4", None),
    "client.tab-referrals": ("5", None),
    "client.tab-consents": ("6", None),
    "client.tab-documents": ("7", None),
    "client.new-appointment": ("p", None),
    "client.new-task": ("t", None),
    "client.tab-appointments": ("8", None),
    # the morning view (today) and its week
    "morning.back": ("escape", "back"),
    "morning.attended": ("a", None),
    "morning.no-show": ("o", None),
    "morning.cancelled": ("c", None),
    "morning.reschedule": ("r", None),
    "morning.task-done": ("x", None),
    "morning.new-appointment": ("p", None),
    "morning.new-task": ("t", None),
    "morning.week": ("w", None),
    "morning.previous-day": ("comma", None),
    "morning.next-day": ("full_stop", None),
    "morning.previous-week": ("less_than_sign", None),
    "morning.next-week": ("greater_than_sign", None),
    "morning.today": ("d", None),
    # the client's Documents tab (casetui/screens/client_documents.py)
    "documents.open": ("enter", "open"),
    "documents.consent-form": ("c", None),
    "documents.referral-letter": ("l", None),
    "client.tab-contacts": ("9", None),
    "client.in-error": ("m", None),
    "client.sign": ("i", None),
    "client.addendum": ("u", None),
    "client.household": ("h", None),
    # intake and reassessment
    "intake.next": ("ctrl+pagedown,ctrl+n", "next"),
    "intake.previous": ("ctrl+pageup,ctrl+b", "previous"),
    "intake.sections": ("ctrl+g", None),
    "intake.submit": ("ctrl+s", "save"),
    "intake.leave": ("escape", "back"),
    "intake.help": ("question_mark,f1", "help"),
    # goals
    "goals.back": ("escape", "back"),
    "goals.add": ("n", "new"),
    "goals.revise": ("e", "edit"),
    "goals.status": ("s", "status"),
    "goals.add-objective": ("o", None),
    "goals.toggle-objective": ("x", None),
    "goals.progress": ("p", None),
    "goals.history": ("h", None),
    "goals.progress-in-error": ("m", None),
    # resource directory
    "resources.back": ("escape", "back"),
    "resources.find": ("slash,ctrl+f", "find"),
    "resources.suggest": ("s", None),
    "resources.refer": ("r", None),
    "resources.pick": ("a", None),
    "resources.provider-list": ("p", None),
    "resources.edit": ("e", "edit"),
    "resources.verify": ("v", None),
    "resources.clear-filters": ("ctrl+r", "clear-filters"),
    # discharge
    "discharge.back": ("escape", "back"),
    "discharge.save-reason": ("ctrl+s", "save"),
    "discharge.save-goals": ("ctrl+s", "save"),
    "discharge.finish-linkage": ("ctrl+s", "save"),
    "discharge.finish-coordination": ("ctrl+s", "save"),
    "discharge.save-documentation": ("ctrl+s", "save"),
    "discharge.close-case": ("ctrl+s", "save"),
    "discharge.provider-list": ("f2", None),
    "discharge.consent": ("f3", None),
    "discharge.render": ("f5", None),
    "discharge.make-final": ("f8", None),
    "discharge.export": ("ctrl+o", "export"),
    "discharge.next": ("ctrl+n,ctrl+pagedown", "next"),
    "discharge.previous": ("ctrl+b,ctrl+pageup", "previous"),
    "discharge.reopen": ("r", None),
    # audit trail
    "audit.back": ("escape", "back"),
    "audit.export": ("ctrl+o", "export"),
    "audit.clear-filters": ("ctrl+r", "clear-filters"),
    # help, lock
    "help.close": ("escape,q", "back"),
    "help.toggle": ("question_mark,f1", "help"),
    "lock.stay-locked": ("escape", "back"),
    "lock-settings.cancel": ("escape", "back"),
    "lock-settings.save": ("ctrl+s", "save"),
    "first-lock.save": ("ctrl+s", "save"),
    "first-lock.stay": ("escape", "back"),
    # first run, settings
    "first-run.stay": ("escape", "back"),
    "settings.back": ("escape", "back"),
    "settings.change": ("enter", "open"),
    # dialogs and forms
    "confirm.cancel": ("escape", "back"),
    "confirm.yes": ("y", None),
    "confirm.no": ("n", None),
    "reason.cancel": ("escape", "back"),
    "duplicate.back": ("escape", "back"),
    "duplicate.create": ("f4", None),
    "form.cancel": ("escape", "back"),
    "form.save": ("ctrl+s", "save"),
    "form.help": ("question_mark,f1", "help"),
    "provider-list.cancel": ("escape", "back"),
    "provider-list.save": ("ctrl+s", "save"),
    "goal-history.close": ("escape", "back"),
    # widgets
    "steps.previous": ("up", None),
    "steps.next": ("down", None),
    "steps.choose": ("enter", "open"),
    "choice.next": ("right", None),
    "choice.previous": ("left", None),
    "choice.clear": ("backspace,delete", None),
}

_MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")


def split_keys(keys: str) -> list[str]:
    return [key.strip() for key in keys.split(",") if key.strip()]


def is_screen_key(key: str) -> bool:
    """A letter or digit: it acts on its own screen, and never while a field takes typing."""
    return len(key) == 1 and key.isalnum()


def normal_key(text: str) -> str | None:
    """``text`` as Textual names the key ("?" is "question_mark", "Ctrl+S" is "ctrl+s"), or None
    when it names no key."""
    from textual.keys import REPLACED_KEYS, Keys, _character_to_key, key_to_character

    text = text.strip()
    if len(text) == 1:
        return _character_to_key(text) if text.isprintable() and text != " " else None
    *modifiers, base = text.split("+")
    modifiers = [modifier.strip().lower() for modifier in modifiers]
    base = base.strip()
    if not base or len(set(modifiers)) < len(modifiers) or any(m not in _MODIFIERS for m in modifiers):
        return None
    if len(base) == 1:
        if not base.isprintable() or base == " ":
            return None
        base = _character_to_key(base.lower() if modifiers else base)
    else:
        base = base.lower()
        named = {key.value for key in Keys} | {"space"}
        if base not in named and key_to_character(REPLACED_KEYS.get(base, base)) is None:
            return None
    return "+".join([*sorted(modifiers), base])  # Textual names modifiers in this order


def _flatten(table: dict, prefix: str = "") -> list[tuple[str, object]]:
    """TOML reads ``caseload.find = "x"`` as a table in a table: the dotted id again."""
    entries = []
    for name, value in table.items():
        if isinstance(value, dict):
            entries.extend(_flatten(value, f"{prefix}{name}."))
        else:
            entries.append((f"{prefix}{name}", value))
    return entries


class KeymapError(Exception):
    """The keymap file as a whole cannot be used (its text, or no [keys] table)."""


def parse_keymap(text: str) -> tuple[dict[str, str], list[str]]:
    """(id: keys for ``App.set_keymap``, the entries left out and why) for a keymap file's text.
    Raises KeymapError when none of it can be used.

    ``[keys]`` names ids (``"discharge.make-final" = "f9"``) or meanings (``save = "ctrl+w"``:
    every Save); an id given by name wins over its meaning's entry."""
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KeymapError(f"it is not valid TOML ({exc})") from None
    if "keys" not in document:
        if document:
            raise KeymapError("it has no [keys] table")
        return {}, []
    if not isinstance(document["keys"], dict):
        raise KeymapError('"keys" must be a table: a [keys] line, then one id = "key" a line')
    by_id: dict[str, str] = {}
    by_meaning: dict[str, str] = {}
    problems = []
    for name, value in _flatten(document["keys"]):
        if name not in KEYS and name not in MEANINGS:
            problems.append(f"“{name}” is not the id of a key")
            continue
        keys = [normal_key(key) for key in value.split(",")] if isinstance(value, str) else [None]
        if None in keys:
            problems.append(f'“{value}” for {name} is not a key (write keys like "f9", "ctrl+g" or "x")')
            continue
        (by_meaning if name in MEANINGS else by_id)[name] = ",".join(keys)
    keymap = {
        binding_id: by_meaning[meaning]
        for binding_id, (_keys, meaning) in KEYS.items()
        if meaning in by_meaning and binding_id not in by_id
    }
    keymap.update(by_id)
    return keymap, problems


def load_keymap(path: Path) -> tuple[dict[str, str], str | None]:
    """The keymap in ``path`` for ``App.set_keymap``, and one plain sentence for the worker when
    some or all of it was left out (never an exception: the app starts, with the usual keys)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        return {}, f"Your keymap file {path} could not be read ({exc.strerror or exc}), so the usual keys are used."
    except UnicodeDecodeError:
        return {}, f"Your keymap file {path} is not UTF-8 text, so the usual keys are used."
    try:
        keymap, problems = parse_keymap(text)
    except KeymapError as exc:
        return {}, f"Your keymap file {path} was not used: {exc}; the usual keys are used."
    if not problems:
        return keymap, None
    shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    return keymap, f"Some lines of your keymap file {path} were left out: {shown}. Those keys stay as they were."


def key_text(app, binding_id: str) -> str:
    """How a hint names the (first) key of ``binding_id``, e.g. "ctrl+s", "f5", "?": the
    worker's own key when their keymap moved it."""
    from textual.keys import format_key

    keys = getattr(app, "keymap", {}).get(binding_id) or KEYS[binding_id][0]
    *modifiers, base = split_keys(keys)[0].split("+")
    shown = format_key(base)
    # Hints are often markup: a bracket or backslash key goes by its name ("left_square_bracket").
    return "+".join([*modifiers, base if set(shown) & set("[]\\") else shown])


def bound_keys(app, binding) -> list[str]:
    """The keys ``binding`` answers to, with the worker's keymap."""
    moved = getattr(app, "keymap", {}).get(binding.id) if binding.id else None
    return split_keys(moved or binding.key)
