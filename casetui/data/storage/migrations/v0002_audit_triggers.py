"""Version 2: the audit trail becomes append-only (triggers refuse UPDATE and DELETE).

The triggers themselves are defined in ``db_objects`` and installed after every migration run;
this step has no table changes of its own.
"""

from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    return None
