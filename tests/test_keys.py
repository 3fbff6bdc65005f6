"""The key scheme (docs/keys.md), held against every Binding of every screen, dialog and widget:
each has an id of its own, listed in casetui/keys.py with its keys; a key other than a letter means
one thing on every screen; ids that share a meaning share its keys; and the docs list every id."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections import defaultdict
from pathlib import Path

import pytest
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

import casetui.screens
import casetui.widgets
from casetui.keys import KEYS, MEANINGS, is_screen_key, load_keymap, normal_key, parse_keymap, split_keys

DOCS = Path(__file__).resolve().parents[1] / "docs" / "keys.md"


def binding_classes() -> list[type]:
    """Every class in casetui.app, casetui.screens and casetui.widgets with BINDINGS of its own."""
    modules = [importlib.import_module("casetui.app")]
    for package in (casetui.screens, casetui.widgets):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):  # screen packages too
            modules.append(importlib.import_module(info.name))
    return sorted(
        {
            cls
            for module in modules
            for _name, cls in inspect.getmembers(module, inspect.isclass)
            if cls.__module__ == module.__name__ and issubclass(cls, DOMNode) and "BINDINGS" in cls.__dict__
        },
        key=lambda cls: cls.__qualname__,
    )


def all_bindings() -> list[tuple[type, Binding]]:
    found = []
    for cls in binding_classes():
        for binding in cls.__dict__["BINDINGS"]:
            assert isinstance(binding, Binding), f"{cls.__qualname__}: {binding!r} is not a Binding (it needs an id)"
            found.append((cls, binding))
    return found


def keys_of(binding: Binding) -> set[str]:
    return set(split_keys(binding.key))


def test_every_binding_has_an_id_of_its_own():
    seen: dict[str, str] = {}
    for cls, binding in all_bindings():
        where = f"{cls.__qualname__} {binding.key!r} {binding.action!r}"
        assert binding.id, f"{where} has no id"
        assert binding.id not in seen, f"{where}: id {binding.id!r} is also used by {seen[binding.id]}"
        seen[binding.id] = where


def test_the_scheme_lists_every_binding_with_its_keys():
    found = {binding.id: binding.key for _cls, binding in all_bindings()}
    assert sorted(set(found) - set(KEYS)) == [], "bindings missing from casetui/keys.py KEYS"
    assert sorted(set(KEYS) - set(found)) == [], "ids in casetui/keys.py KEYS that no binding has"
    for binding_id, key in found.items():
        assert key == KEYS[binding_id][0], f"{binding_id}: the binding has {key!r}, KEYS says {KEYS[binding_id][0]!r}"


def test_an_ids_first_part_names_one_class():
    """A keymap moving one binding keeps its neighbours on the same key by this (keys._keep_neighbours)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for cls, binding in all_bindings():
        owners[binding.id.partition(".")[0]].add(cls.__qualname__)
    assert {owner: classes for owner, classes in owners.items() if len(classes) > 1} == {}


def test_keys_are_named_as_textual_names_them():
    for binding_id, (keys, meaning) in KEYS.items():
        assert meaning is None or meaning in MEANINGS, f"{binding_id}: no meaning {meaning!r}"
        for key in split_keys(keys):
            assert normal_key(key) == key, f"{binding_id}: {key!r}"
    for meaning, keys in MEANINGS.items():
        assert all(normal_key(key) == key for key in split_keys(keys)), meaning


def test_no_two_meanings_share_a_key():
    owner: dict[str, str] = {}
    for meaning, keys in MEANINGS.items():
        for key in split_keys(keys):
            assert key not in owner, f"{key!r} is both {owner[key]} and {meaning}"
            owner[key] = meaning


def test_ids_that_share_a_meaning_share_its_keys():
    """Every Save is ctrl+s, every Back escape, every New n: a meaning has the same keys everywhere
    (a letter more is allowed, e.g. q also closes the help)."""
    for cls, binding in all_bindings():
        meaning = KEYS[binding.id][1]
        if meaning is None:
            continue
        shared = set(split_keys(MEANINGS[meaning]))
        extra = keys_of(binding) - shared
        assert shared <= keys_of(binding), f"{binding.id} ({cls.__qualname__}) lacks {shared - keys_of(binding)}"
        assert all(is_screen_key(key) for key in extra), f"{binding.id}: {extra} are not {meaning}'s keys"


def test_a_key_other_than_a_letter_means_one_thing_on_every_screen():
    """The same key bound to two ids anywhere (ctrl+f as find on one screen and as make final on
    another) fails unless both ids are listed with the same meaning."""
    ids_of_key: dict[str, set[str]] = defaultdict(set)
    for _cls, binding in all_bindings():
        for key in keys_of(binding):
            if not is_screen_key(key):
                ids_of_key[key].add(binding.id)
    for key, ids in sorted(ids_of_key.items()):
        if len(ids) > 1:
            meanings = {binding_id: KEYS[binding_id][1] for binding_id in sorted(ids)}
            assert None not in meanings.values() and len(set(meanings.values())) == 1, (
                f"{key!r} means different things: {meanings}"
            )


def test_a_letter_does_one_thing_on_its_screen():
    """Letters and digits belong to their screen; on one screen (its own keys and the app's)
    a letter is one action."""
    app_letters = {
        key: binding.id
        for cls, binding in all_bindings()
        if cls.__qualname__ == "CaseApp"
        for key in keys_of(binding)
        if is_screen_key(key)
    }
    for cls in binding_classes():
        taken = dict(app_letters)
        for binding in cls.__dict__["BINDINGS"]:
            for key in keys_of(binding):
                if is_screen_key(key):
                    assert taken.get(key, binding.id) == binding.id, (
                        f"{cls.__qualname__}: {key!r} is {taken[key]} and {binding.id}"
                    )
                    taken[key] = binding.id


def test_a_key_shared_inside_one_class_is_one_meaning():
    """The discharge steps' six ctrl+s are six ids of one meaning, save."""
    for cls in binding_classes():
        by_key: dict[str, set[str]] = defaultdict(set)
        for binding in cls.__dict__["BINDINGS"]:
            for key in keys_of(binding):
                by_key[key].add(binding.id)
        for key, ids in by_key.items():
            meanings = {KEYS[binding_id][1] for binding_id in ids}
            assert len(ids) == 1 or (len(meanings) == 1 and None not in meanings), (
                f"{cls.__qualname__}: {key!r} is {sorted(ids)}"
            )


def test_no_screen_key_is_one_a_field_keeps_for_editing():
    """A field with the cursor takes its own keys first (a text area's f6 selects the line): a
    screen's key other than a letter must still reach the screen. Enter is the one shared, as
    submitting a field. (A priority key reaches the screen first.)"""
    from textual.screen import Screen
    from textual.widgets import Input, TextArea

    kept = {key for widget in (Input, TextArea) for key, _bindings in widget._merge_bindings()}
    for cls, binding in all_bindings():
        if issubclass(cls, Screen) and not binding.priority:
            clash = {key for key in keys_of(binding) if not is_screen_key(key)} & kept - {"enter"}
            assert not clash, f"{binding.id}: a field keeps {clash}"


# --- the documentation --------------------------------------------------------------------


def doc_rows() -> dict[str, str]:
    """id: key column, from the rows of docs/keys.md's tables that name an id."""
    rows = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) >= 3 and (match := re.fullmatch(r"`([a-z0-9-]+\.[a-z0-9-]+)`", cells[1])):
            rows[match.group(1)] = cells[0].strip("`")
    return rows


def test_the_docs_list_every_id_with_its_keys():
    rows = doc_rows()
    assert sorted(set(KEYS) - set(rows)) == [], "ids missing from docs/keys.md"
    assert sorted(set(rows) - set(KEYS)) == [], "ids in docs/keys.md that no binding has"
    for binding_id, (keys, _meaning) in KEYS.items():
        assert rows[binding_id] == keys, f"docs/keys.md gives {binding_id} {rows[binding_id]!r}, it is {keys!r}"


def test_the_docs_explain_every_meaning():
    text = DOCS.read_text(encoding="utf-8")
    for meaning, keys in MEANINGS.items():
        assert f"| `{keys}` | `{meaning}` |" in text, meaning


# --- reading a keymap ---------------------------------------------------------------------


def test_a_keymap_names_ids_or_meanings():
    keymap, problems = parse_keymap(
        '[keys]\n"discharge.make-final" = "F9"\ncaseload.find = "ctrl+k, ?"\nback = "ctrl+x"\n"goals.back" = "q"\n'
    )
    assert problems == []
    assert keymap["discharge.make-final"] == "f9"
    assert keymap["caseload.find"] == "ctrl+k,question_mark"  # a dotted name is read back as the id
    assert keymap["client.back"] == keymap["help.close"] == "ctrl+x"  # a meaning moves every binding it has
    assert keymap["goals.back"] == "q"  # an id given by name wins over its meaning


def test_moving_one_of_several_bindings_on_a_key_leaves_the_others_on_it():
    from casetui.screens.discharge import DischargeScreen

    keymap, _problems = parse_keymap('[keys]\n"discharge.close-case" = "f9"\n')
    bindings = BindingsMap(DischargeScreen.BINDINGS)
    bindings.apply_keymap(keymap)
    assert [b.id for b in bindings.key_to_bindings["f9"]] == ["discharge.close-case"]
    assert [b.id for b in bindings.key_to_bindings["ctrl+s"]] == [
        "discharge.save-reason",
        "discharge.save-goals",
        "discharge.finish-linkage",
        "discharge.finish-coordination",
        "discharge.save-documentation",
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[keys]\n"caseload.fnd" = "ctrl+k"\n', "“caseload.fnd” is not the id of a key"),
        ('[keys]\n"app.lock" = "ctrl+shft+x"\n', "“ctrl+shft+x” for app.lock is not a key"),
        ('[keys]\n"app.lock" = 3\n', "“3” for app.lock is not a key"),
        ('[keys]\n"app.lock" = ""\n', "“” for app.lock is not a key"),
    ],
)
def test_an_unknown_id_or_key_is_left_out_and_named(tmp_path, text, says):
    path = tmp_path / "keymap.toml"
    path.write_text(text + '"app.theme" = "f8"\n', encoding="utf-8")
    keymap, message = load_keymap(path)
    assert keymap == {"app.theme": "f8"}  # the good line still counts
    assert message.startswith(f"Some lines of your keymap file {path} were left out: {says}")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'[keys\n"app.lock" = "f8"\n', "was not used: it is not valid TOML"),
        (b'"app.lock" = "f8"\n', "was not used: it has no [keys] table"),
        (b'keys = "f8"\n', 'was not used: "keys" must be a table'),
        (b"\xff\xfe[keys]\n", "is not UTF-8 text"),
    ],
)
def test_a_bad_file_is_not_used_and_says_why(tmp_path, content, says):
    path = tmp_path / "keymap.toml"
    path.write_bytes(content)
    keymap, message = load_keymap(path)
    assert keymap == {}
    assert says in message and message.endswith("the usual keys are used.")


def test_no_keymap_file_is_no_keymap_and_no_message(tmp_path):
    assert load_keymap(tmp_path / "keymap.toml") == ({}, None)
    assert load_keymap(tmp_path)[1].startswith(f"Your keymap file {tmp_path} could not be read")  # a folder
    (tmp_path / "empty.toml").write_text("")
    assert load_keymap(tmp_path / "empty.toml") == ({}, None)


def test_reading_a_keymap_loads_no_screen_and_no_database_library(tmp_path):
    """Start-up reads the keymap before the first frame: the ids are listed in casetui/keys.py so
    that no screen is imported for them, and tomllib is imported only when there is a file."""
    import subprocess
    import sys

    present = tmp_path / "keymap.toml"
    present.write_text('[keys]\n"caseload.new-client" = "c"\n', encoding="utf-8")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from casetui.keys import load_keymap\n"
        f"assert load_keymap(Path({str(tmp_path / 'missing.toml')!r})) == ({{}}, None)\n"
        "assert 'tomllib' not in sys.modules\n"
        f"assert load_keymap(Path({str(present)!r})) == ({{'caseload.new-client': 'c'}}, None)\n"
        "bad = [m for m in sys.modules if m.startswith(('casetui.screens', 'casetui.widgets', 'casetui.data'))]\n"
        "bad += [m for m in ('sqlalchemy', 'sqlmodel', 'textual.app') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_hints_name_the_key_in_use_and_stay_plain_text():
    class App:
        keymap = {"goals.add": "left_square_bracket", "discharge.render": "ctrl+backslash"}

    from casetui.keys import key_text

    assert key_text(App(), "caseload.find") == "/" and key_text(App(), "app.help") == "?"
    assert key_text(App(), "discharge.next") == "ctrl+n" and key_text(App(), "audit.back") == "esc"
    assert key_text(App(), "goals.add") == "left_square_bracket"  # "[" would be read as markup
    assert key_text(App(), "discharge.render") == "ctrl+backslash"
