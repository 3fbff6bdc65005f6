"""Version 6: the record as a legal document (issue 16).

- ``correction``: an entry of any kind marked "entered in error", with who, when and why; the
  entry itself is left as it was.
- ``note``: format and sections (narrative, DAP, SOAP), start time, place, participants, the day
  it was written (a late entry) and when its author signed it.
- ``note_addendum``: dated additions to a signed note.
- ``household_member``: the people a client lives with.

Notes written before this version could never be edited: they count as signed by their author
when they were written (``signed_at`` = ``created_at``), so they stay read-only.
"""

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    # What is already there is left (a file whose version stamp was set back, as a test does).
    tables = set(inspect(conn).get_table_names())
    if {"correction", "note_addendum", "household_member"} <= tables:
        return
    pg = conn.dialect.name == "postgresql"
    key = "SERIAL PRIMARY KEY" if pg else "INTEGER PRIMARY KEY"
    stamp = "TIMESTAMP WITHOUT TIME ZONE" if pg else "DATETIME"
    for column in (
        "note_format VARCHAR(10) NOT NULL DEFAULT 'narrative'",
        "sections JSON",
        "start_time VARCHAR(5)",
        "place VARCHAR(200)",
        "participants VARCHAR(500)",
        "written_on DATE",
        f"signed_at {stamp}",
    ):
        conn.execute(text(f"ALTER TABLE note ADD COLUMN {column}"))
    written = "CAST(created_at AS DATE)" if pg else "date(created_at)"
    conn.execute(text(f"UPDATE note SET signed_at = created_at, written_on = {written}"))
    conn.execute(
        text(
            f"""CREATE TABLE correction (
                id {key},
                entity VARCHAR(40) NOT NULL,
                entity_id INTEGER NOT NULL,
                client_id INTEGER REFERENCES client (id),
                reason TEXT NOT NULL,
                worker VARCHAR(100) NOT NULL,
                marked_at {stamp} NOT NULL,
                UNIQUE (entity, entity_id)
            )"""
        )
    )
    conn.execute(text("CREATE INDEX ix_correction_client_id ON correction (client_id)"))
    conn.execute(
        text(
            f"""CREATE TABLE note_addendum (
                id {key},
                note_id INTEGER NOT NULL REFERENCES note (id),
                text TEXT NOT NULL,
                worker VARCHAR(100) NOT NULL,
                written_at {stamp} NOT NULL
            )"""
        )
    )
    conn.execute(text("CREATE INDEX ix_note_addendum_note_id ON note_addendum (note_id)"))
    conn.execute(
        text(
            f"""CREATE TABLE household_member (
                id {key},
                client_id INTEGER NOT NULL REFERENCES client (id),
                name VARCHAR(200) NOT NULL,
                relationship VARCHAR(32) NOT NULL,
                date_of_birth DATE,
                member_client_id INTEGER REFERENCES client (id),
                created_at {stamp} NOT NULL
            )"""
        )
    )
    conn.execute(text("CREATE INDEX ix_household_member_client_id ON household_member (client_id)"))
