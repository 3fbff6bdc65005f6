"""Reading a package, whatever its shape: a CSV folder, a folder holding ``csv/``, JSON files."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from casetui.data.directory.hsds.csv_reader import _read_csv_folder
from casetui.data.directory.hsds.json_reader import _read_json
from casetui.data.directory.hsds.report import ImportProblem, ImportReport
from casetui.data.directory.hsds.rows import Row


def read_package(path: Path, report: ImportReport) -> dict:
    """Table name -> its rows (a list for JSON, a lazily read file for CSV)."""
    if path.is_file():
        if path.suffix.lower() == ".json":
            return _read_json(path, report)
        if path.suffix.lower() == ".csv":
            report.errors.append(
                ImportProblem(path.name, None, "name the folder that holds the HSDS CSV files, not one file")
            )
            return {}
        report.errors.append(ImportProblem(path.name, None, "is neither an HSDS folder of CSV files nor a JSON file"))
        return {}
    if not path.is_dir():
        report.errors.append(ImportProblem(str(path), None, "does not exist"))
        return {}
    folder = path if any(path.glob("*.csv")) else path / "csv" if any((path / "csv").glob("*.csv")) else None
    if folder is not None:
        return _read_csv_folder(folder, report)
    tables: dict[str, list[Row]] = defaultdict(list)
    json_files = sorted(path.glob("*.json"))
    for json_file in json_files:
        if json_file.name == "datapackage.json":
            continue
        for table, rows in _read_json(json_file, report).items():
            tables[table].extend(rows)
    if not json_files:
        report.errors.append(ImportProblem(str(path), None, "holds no HSDS CSV or JSON files"))
    return tables
