"""Schema versions. A fresh database is built from ``models`` and stamped with
``SCHEMA_VERSION``; an older one is moved forward step by step, in one transaction, after a
backup copy has been taken.

To change the schema: edit ``models.py``, then add ``vNNNN_what.py`` here with an
``upgrade(conn)`` that brings a file of the previous version to the same shape (written out by
hand, never generated from the live models), add it to ``STEPS`` and raise
``files.SCHEMA_VERSION``. Never edit a released step.
``v0001_baseline.sql`` is the first released schema, kept so tests can build a version-1 file.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection

from casetui.data.storage.files import SCHEMA_VERSION  # there, so the first paint knows it without SQLAlchemy
from casetui.data.storage.migrations import (
    v0002_audit_triggers,
    v0003_instrument_difficulty,
    v0004_resource_search,
    v0005_appointments,
    v0006_record,
    v0007_directory_answers,
)

# target version -> step from the version before it
STEPS: dict[int, Callable[[Connection], None]] = {
    2: v0002_audit_triggers.upgrade,
    3: v0003_instrument_difficulty.upgrade,
    4: v0004_resource_search.upgrade,
    5: v0005_appointments.upgrade,
    6: v0006_record.upgrade,
    7: v0007_directory_answers.upgrade,
}
if max(STEPS, default=1) != SCHEMA_VERSION:
    raise RuntimeError("a migration step was added: raise files.SCHEMA_VERSION to match it")


def upgrade(conn: Connection, from_version: int) -> None:
    for version in range(from_version + 1, SCHEMA_VERSION + 1):
        STEPS[version](conn)
