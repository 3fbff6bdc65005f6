"""``casetui resources search`` (issue 19 item 7): the screen's ranking and eligibility, printed
for integrations and support, as text or JSON."""

from __future__ import annotations

import json
from datetime import date

from casetui.cli import main
from casetui.data.directory import resources
from casetui.data.storage.database import open_database

TODAY = date(2026, 1, 15)


def search(demo_path, capsys, *words):
    code = main(["--today", TODAY.isoformat(), "resources", "search", *words, "--db", str(demo_path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_lists_results_in_the_screen_order_with_eligibility_and_reasons(demo_path, capsys):
    code, out, _ = search(demo_path, capsys, "food", "pantry", "--age", "73", "--language", "Hmong", "--json")
    assert code == 0
    results = json.loads(out)
    assert results and all({"id", "name", "organization", "eligible", "reasons"} <= set(r) for r in results)
    database = open_database(str(demo_path), worker="test")
    with database.transaction() as session:
        profile = resources.ClientProfile(age=73, language="Hmong")
        expected = resources.search(session, "food pantry", profile=profile, today=TODAY, limit=20)
    database.dispose()
    assert [r["id"] for r in results] == [h.id for h in expected]  # exactly as the screen ranks them
    assert [r["eligible"] for r in results] == [h.eligible for h in expected]
    first = results[0]["reasons"]
    assert any(r["criterion"] == "language" and r["warning"] for r in first)


def test_a_client_record_gives_the_profile(demo_path, capsys):
    code, out, _ = search(demo_path, capsys, "rent", "--client", "1", "--limit", "3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("1. ") and len([line for line in lines if line[:1].isdigit()]) <= 3
    assert any(line.strip().startswith(("eligible", "not eligible", "check eligibility")) for line in lines)


def test_need_filter_typos_and_no_matches(demo_path, capsys):
    code, out, _ = search(demo_path, capsys, "fod", "--need", "food", "--json")
    assert code == 0 and json.loads(out)
    code, out, _ = search(demo_path, capsys, "zzqxv")
    assert (code, out) == (0, "No matches.\n")


def test_bad_options_are_one_line(demo_path, capsys):
    for bad, message in (
        (["--age", "old"], "Age must be a whole number."),
        (["--age", "300"], "Age must be between 0 and 120."),
        (["--need", "snacks"], "Unknown need category 'snacks'."),
        (["--population", "pirates"], "Unknown population 'pirates'"),
        (["--client", "9999"], "There is no client number 9999."),
    ):
        code, out, err = search(demo_path, capsys, "food", *bad)
        assert code == 1 and out == "" and message in err and len(err.splitlines()) == 1, bad


def test_near_orders_by_distance_and_open_now_filters(demo_path, capsys):
    code, out, _ = search(demo_path, capsys, "food", "--near", "90001", "--json", "--limit", "50")
    assert code == 0
    distances = [r["distance_miles"] for r in json.loads(out)]
    assert distances and distances == sorted(distances)
    code, out, err = search(demo_path, capsys, "food", "--near", "00000")
    assert code == 1 and "not a US ZIP code" in err
    code, out, _ = search(demo_path, capsys, "--need", "food", "--open-now", "--json", "--limit", "500")
    assert code == 0  # what is open depends on the clock; every result has hours as data
    assert all(r["hours_today"] not in (None, "closed") for r in json.loads(out))
