"""Open Referral HSDS import and export for the resource directory.

``import_package(session, path, today) -> ImportReport`` reads a folder of HSDS CSV files
(3.0 names such as ``service_at_location.csv``, ``addresses.csv``, ``schedules.csv``,
``attributes.csv``, and the 2.x names ``services_at_location.csv``, ``physical_addresses.csv``,
``regular_schedules.csv``, ``eligibility.csv``, ``service_taxonomy.csv``,
``service_attributes.csv``...), a folder holding such a ``csv/`` folder, or HSDS JSON; on any
problem it raises ``HsdsImportError`` and changes nothing. ``export_package(session, path) ->
dict[str, int]`` writes HSDS 3.0 CSV files and a ``datapackage.json`` into a folder (rows per
file). Text cells that begin with = + - @, a tab or a carriage return are written with one
leading ``'`` (spreadsheet-safe, ``domain.csv_safe``), and the CSV reader takes exactly that
quote away, so export then import is exact (docs/export-format.md, "CSV files").

One module per job: ``mapping`` (taxonomy terms to categories and populations), ``report``
(problems and counts), ``rows``, ``csv_reader`` and ``json_reader`` (files into rows),
``reading`` (which reader a path needs), ``checks`` (a row's values), ``importer`` (the upserts)
and ``exporter``.
"""

from casetui.data.directory.hsds.exporter import EXPORT_FILES, export_package
from casetui.data.directory.hsds.importer import import_package
from casetui.data.directory.hsds.mapping import CASETUI_TAXONOMY, map_term
from casetui.data.directory.hsds.reading import read_package
from casetui.data.directory.hsds.report import HsdsImportError, ImportProblem, ImportReport
from casetui.data.directory.hsds.rows import Row

__all__ = [
    "CASETUI_TAXONOMY",
    "EXPORT_FILES",
    "HsdsImportError",
    "ImportProblem",
    "ImportReport",
    "Row",
    "export_package",
    "import_package",
    "map_term",
    "read_package",
]
