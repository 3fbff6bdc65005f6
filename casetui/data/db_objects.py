"""Database objects the models cannot declare: triggers and search indexes, per dialect.

``install`` is idempotent; it runs on every fresh database and at the end of every migration,
so these definitions have one home.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit rows cannot be deleted'); END""",
]

_POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION casetui_audit_immutable() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit rows cannot be changed or deleted'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_event_immutable ON audit_event",
    """CREATE TRIGGER audit_event_immutable BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION casetui_audit_immutable()""",
]

# Other modules (e.g. the resource search index) register (dialect -> statements) here.
EXTRA: dict[str, list[str]] = {"sqlite": [], "postgresql": []}


def install(conn: Connection) -> None:
    dialect = conn.dialect.name
    statements = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(dialect, [])
    for statement in statements + EXTRA.get(dialect, []):
        conn.execute(text(statement))
