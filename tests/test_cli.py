"""The command line as a user runs it: one-line errors, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from casetui.cli import main


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "casetui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "locate"):
        assert command in result.stdout


def test_unknown_database_file_type_is_one_line(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("hello")
    result = run("--db", str(bad))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "not a casetui database" in result.stderr
    assert "Traceback" not in result.stderr
    assert bad.read_text() == "hello"


def test_missing_folder_is_one_line(tmp_path):
    result = run("demo", "--db", str(tmp_path / "nowhere" / "x.db"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_demo_writes_once_and_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "demo.db"
    assert main(["demo", "--db", str(target)]) == 0
    assert capsys.readouterr().out.startswith(f"Created a new casetui database at {target} with a synthetic demo")
    assert os.stat(target).st_mode & 0o777 == 0o600
    size = target.stat().st_size
    assert main(["demo", "--db", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert target.stat().st_size == size


def test_bad_date_option_is_a_usage_error():
    result = run("--today", "yesterday")
    assert result.returncode == 2
    assert "not a date" in result.stderr and "Traceback" not in result.stderr


def test_locate_prints_paths(isolated_home, capsys):
    assert main(["locate"]) == 0
    out = capsys.readouterr().out
    assert str(isolated_home) in out and "casetui.db" in out


def test_data_layer_never_imports_textual():
    modules = sorted(".".join(p.with_suffix("").parts) for p in Path("casetui/data").rglob("*.py"))
    code = "import importlib, sys\n" + "".join(f"importlib.import_module('{m}')\n" for m in modules)
    code += "assert 'textual' not in sys.modules and 'rich' not in sys.modules, 'casetui.data imports the interface'\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_templates_ship_inside_an_installed_package(tmp_path):
    """Run from outside the checkout so the installed casetui, not the source tree, is imported."""
    code = "import casetui.data.domain.templates as d; print(d.templates_dir()); print(d.__file__)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    if result.returncode != 0 or "site-packages" not in result.stdout.splitlines()[-1]:
        import pytest

        pytest.skip("casetui is not installed non-editably here (the README's install is)")
    templates = Path(result.stdout.splitlines()[0])
    assert templates.is_dir() and "site-packages" in str(templates)
    assert any(templates.iterdir())


def test_locate_never_prints_a_password(capsys):
    assert main(["--db", "postgresql+psycopg://worker:s3cret@db.example/agency", "locate"]) == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out and "db.example/agency" in out


def test_export_of_a_missing_file_creates_nothing(tmp_path, capsys):
    missing, out = tmp_path / "missing.db", tmp_path / "out.json"
    assert main(["--db", str(missing), "export", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == f"casetui: error: {missing} does not exist. Check the path; nothing was created.\n"
    assert list(tmp_path.iterdir()) == []  # no database, no export


def test_export_of_a_zero_byte_file_says_it_is_empty_and_leaves_it(tmp_path, capsys):
    empty, out = tmp_path / "empty.db", tmp_path / "out.json"
    empty.touch()
    assert main(["--db", str(empty), "export", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"casetui: error: {empty} is empty: it holds no casetui data.") and err.count("\n") == 1
    assert empty.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


@pytest.mark.parametrize(
    "command",
    [["import", "IN"], ["backup", "OUT"], ["restore", "DB"], ["resources", "export", "OUT"], ["encrypt"], ["copy"]],
)
@pytest.mark.parametrize("made", ["missing", "empty"])
def test_no_command_but_the_first_run_demo_and_copy_creates_a_database(command, made, demo_path, tmp_path, capsys):
    target = tmp_path / "target.db"
    if made == "empty":
        target.touch()
    (tmp_path / "in.json").write_text('{"format": "casetui-export", "clients": []}')
    folder = tmp_path / "out"
    folder.mkdir()
    words = {"IN": str(tmp_path / "in.json"), "OUT": str(folder), "DB": str(target)}
    if command == ["restore", "DB"]:  # the database is what is restored: the backup is missing or empty
        argv = ["--db", str(demo_path), "restore", str(target)]
    elif command == ["copy"]:  # the source is missing or empty
        argv = ["copy", str(target), str(tmp_path / "copy.db")]
    else:
        argv = ["--db", str(target), *[words.get(word, word) for word in command]]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(argv) == 1
    err = capsys.readouterr().err
    expected = "does not exist" if made == "missing" else "is empty"
    if command == ["encrypt"] and "SQLCipher is not installed" in err:
        pytest.skip("SQLCipher is not installed")
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert made == "missing" or target.stat().st_size == 0
