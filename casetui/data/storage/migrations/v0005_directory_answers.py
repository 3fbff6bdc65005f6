"""Directory answers (issue 19): the directory's vocabulary for typo tolerance, a consent that
covers any provider, and the consent a referral was made under.

The vocabulary's trigram indexes (FTS5 ``trigram`` on SQLite, ``pg_trgm`` on PostgreSQL) are
schema objects of ``db_objects``, installed and filled after every migration run. Each change is
made only where missing, so a file whose stamp is older than its tables upgrades too.
"""

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    found = inspect(conn)
    tables = set(found.get_table_names())
    if "directory_term" not in tables:
        conn.execute(text("CREATE TABLE directory_term (term VARCHAR(60) NOT NULL, PRIMARY KEY (term))"))
    if "any_provider" not in {c["name"] for c in found.get_columns("consent")}:
        conn.execute(text("ALTER TABLE consent ADD COLUMN any_provider BOOLEAN NOT NULL DEFAULT false"))
    if "consent_id" not in {c["name"] for c in found.get_columns("referral")}:
        conn.execute(text("ALTER TABLE referral ADD COLUMN consent_id INTEGER REFERENCES consent (id)"))
