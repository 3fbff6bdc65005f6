"""Directory answers (issue 19): the directory's vocabulary for typo tolerance, a consent that
covers any provider, and the consent a referral was made under.

The vocabulary's trigram indexes (FTS5 ``trigram`` on SQLite, ``pg_trgm`` on PostgreSQL) are
schema objects of ``db_objects``, installed and filled after every migration run.
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    conn.execute(text("CREATE TABLE directory_term (term VARCHAR(60) NOT NULL, PRIMARY KEY (term))"))
    conn.execute(text("ALTER TABLE consent ADD COLUMN any_provider BOOLEAN NOT NULL DEFAULT false"))
    conn.execute(text("ALTER TABLE referral ADD COLUMN consent_id INTEGER REFERENCES consent (id)"))
