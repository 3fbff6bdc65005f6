"""Directory answers (issue 19): the directory's vocabulary for typo tolerance, opening hours as
rows, a consent that covers any provider, and the consent a referral was made under.

The vocabulary's trigram indexes (FTS5 ``trigram`` on SQLite, ``pg_trgm`` on PostgreSQL) are
schema objects of ``db_objects``, installed and filled after every migration run. Each change is
made only where missing, so a file whose stamp is older than its tables upgrades too.
"""

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from casetui.data.domain import hours


def upgrade(conn: Connection) -> None:
    found = inspect(conn)
    tables = set(found.get_table_names())
    if "directory_term" not in tables:
        conn.execute(text("CREATE TABLE directory_term (term VARCHAR(60) NOT NULL, PRIMARY KEY (term))"))
    if "service_schedule" not in tables:
        serial = "SERIAL" if conn.dialect.name == "postgresql" else "INTEGER"
        conn.execute(
            text(
                f"CREATE TABLE service_schedule (id {serial} NOT NULL, service_id VARCHAR(250) NOT NULL, "
                "weekday INTEGER NOT NULL, opens_at VARCHAR(5) NOT NULL, closes_at VARCHAR(5) NOT NULL, "
                "valid_from DATE, valid_to DATE, PRIMARY KEY (id), FOREIGN KEY(service_id) REFERENCES service (id))"
            )
        )
        conn.execute(text("CREATE INDEX ix_service_schedule_service_id ON service_schedule (service_id)"))
        # The hours kept so far were words: those that read as hours become rows.
        rows = [
            {"service_id": service_id, "weekday": o.weekday, "opens_at": o.opens, "closes_at": o.closes}
            for service_id, words in conn.execute(
                text("SELECT id, schedule_description FROM service WHERE schedule_description IS NOT NULL")
            )
            for o in hours.from_words(words)
        ]
        if rows:
            conn.execute(
                text(
                    "INSERT INTO service_schedule (service_id, weekday, opens_at, closes_at)"
                    " VALUES (:service_id, :weekday, :opens_at, :closes_at)"
                ),
                rows,
            )
    if "any_provider" not in {c["name"] for c in found.get_columns("consent")}:
        conn.execute(text("ALTER TABLE consent ADD COLUMN any_provider BOOLEAN NOT NULL DEFAULT false"))
    if "consent_id" not in {c["name"] for c in found.get_columns("referral")}:
        conn.execute(text("ALTER TABLE referral ADD COLUMN consent_id INTEGER REFERENCES consent (id)"))
