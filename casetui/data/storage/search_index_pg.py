"""The resource directory's PostgreSQL search index: a table, GIN indexes, a function and
statement-level triggers, part of the schema like the SQLite FTS5 tables in ``db_objects``.
``directory/search_pg.py`` queries it."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection

from casetui.data.domain import vocab

SEARCH_PAUSED_KEY = "search_index_paused"
log = logging.getLogger(__name__)


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _labels(column: str, labels: dict[str, str]) -> str:
    cases = " ".join(f"WHEN {_quoted(code)} THEN {_quoted(label)}" for code, label in labels.items())
    return f"coalesce((SELECT string_agg(CASE x {cases} END, ' ') FROM json_array_elements_text(s.{column}) x), '')"


_TAGS = """ARRAY(
      SELECT 'cat_' || x FROM json_array_elements_text(s.categories) x
      UNION ALL SELECT 'pop_' || x FROM json_array_elements_text(s.populations) x
      UNION ALL SELECT 'lang_' || replace(lower(x), ' ', '_') FROM json_array_elements_text(s.languages) x
      UNION ALL SELECT 'gen_' || x FROM json_array_elements_text(s.genders) x
      UNION ALL SELECT 'gen_any' WHERE json_array_length(s.genders) = 0
      UNION ALL SELECT 'city_' || replace(lower(trim(l.city)), ' ', '_') FROM service_at_location sal
                JOIN location l ON l.id = sal.location_id WHERE sal.service_id = s.id AND l.city IS NOT NULL
      UNION ALL SELECT 'zip_' || replace(lower(trim(l.postal_code)), ' ', '_') FROM service_at_location sal
                JOIN location l ON l.id = sal.location_id WHERE sal.service_id = s.id AND l.postal_code IS NOT NULL)"""

_INDEX = [
    """CREATE TABLE IF NOT EXISTS service_search (
         service_id VARCHAR(250) PRIMARY KEY, name_key TEXT NOT NULL,
         title TSVECTOR NOT NULL, body TSVECTOR NOT NULL, tags TEXT[] NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS service_search_title ON service_search USING gin (title)",
    "CREATE INDEX IF NOT EXISTS service_search_body ON service_search USING gin (body)",
    "CREATE INDEX IF NOT EXISTS service_search_tags ON service_search USING gin (tags)",
    "CREATE INDEX IF NOT EXISTS service_search_name ON service_search (name_key)",
    f"""CREATE OR REPLACE FUNCTION casetui_index_services(ids TEXT[]) RETURNS void AS $$
       BEGIN
         IF ids IS NULL THEN DELETE FROM service_search;
         ELSE DELETE FROM service_search WHERE service_id = ANY(ids); END IF;
         INSERT INTO service_search (service_id, name_key, title, body, tags)
         SELECT d.id, d.name_key, d.title, d.title || setweight(to_tsvector('simple', d.description), 'D'), d.tags
         FROM (SELECT s.id, lower(s.name) AS name_key,
                      setweight(to_tsvector('simple', coalesce(s.name, '')), 'A')
                      || setweight(to_tsvector('simple', {_labels("categories", vocab.DOMAINS)} || ' '
                           || {_labels("populations", vocab.POPULATIONS)} || ' '
                           || coalesce((SELECT string_agg(x, ' ') FROM json_array_elements_text(s.taxonomy_terms) x), '')), 'B')
                      || setweight(to_tsvector('simple', coalesce(o.name, '') || ' ' || coalesce(o.alternate_name, '')), 'C')
                        AS title,
                      coalesce(s.alternate_name, '') || ' ' || coalesce(s.description, '') AS description,
                      {_TAGS} AS tags
               FROM service s LEFT JOIN organization o ON o.id = s.organization_id
               WHERE ids IS NULL OR s.id = ANY(ids)) d;
       END; $$ LANGUAGE plpgsql""",
]

# table -> (the services a changed row touches, read from the transition table ``changed``; events)
_SOURCES = {
    "service": ("SELECT id FROM changed", ("INSERT", "UPDATE", "DELETE")),
    "organization": ("SELECT s.id FROM service s JOIN changed c ON s.organization_id = c.id", ("UPDATE",)),
    "location": (
        "SELECT sal.service_id FROM service_at_location sal JOIN changed c ON sal.location_id = c.id",
        ("UPDATE",),
    ),
    "service_at_location": ("SELECT service_id FROM changed", ("INSERT", "UPDATE", "DELETE")),
}


def install_index(conn: Connection) -> None:
    """(Re)create the search table, indexes, function and triggers, then fill the index."""
    for statement in _INDEX:
        conn.execute(text(statement))
    for table, (services, events) in _SOURCES.items():
        function = f"casetui_search_{table}_changed"
        conn.execute(
            text(f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
              IF NOT EXISTS (SELECT 1 FROM casetui_meta WHERE key = '{SEARCH_PAUSED_KEY}') THEN
                PERFORM casetui_index_services(ARRAY({services}));
              END IF;
              RETURN NULL;
            END; $$ LANGUAGE plpgsql""")
        )
        for event in events:
            name = f"{table}_search_{event.lower()}"
            rows = "OLD" if event == "DELETE" else "NEW"
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            conn.execute(
                text(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {rows} TABLE AS changed "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                )
            )
    install_vocabulary(conn)
    rebuild_index(conn)


# The directory's vocabulary (``directory_term``, see db_objects) gets a pg_trgm index, so a
# mistyped word finds the words it may have meant (``term % 'conseling'``). pg_trgm ships with
# PostgreSQL (contrib; Debian's postgresql package includes it) and is a trusted extension, so
# a database owner may create it. A server without it searches without typo tolerance and says
# so in the log and in ``has_trigrams``.
PG_TRGM_MISSING = (
    "PostgreSQL's pg_trgm extension is not available on this server: directory search works "
    "without typo tolerance. Install the server's contrib package to add it."
)


def install_vocabulary(conn) -> bool:
    available = conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if available is None:
        log.warning(PG_TRGM_MISSING)
        return False
    try:
        with conn.begin_nested():  # a refusal (no privilege) must not end the caller's transaction
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception as error:  # noqa: BLE001  (any refusal: the search goes on without it)
        log.warning("%s (%s)", PG_TRGM_MISSING, str(error).splitlines()[0])
        return False
    conn.execute(text("CREATE INDEX IF NOT EXISTS directory_term_trgm ON directory_term USING gin (term gin_trgm_ops)"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS directory_term_prefix ON directory_term (term text_pattern_ops)"))
    return True


def has_trigrams(conn) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None


def rebuild_index(conn) -> None:
    """Re-index every service in one statement (after a bulk import that paused the triggers),
    then refill the vocabulary from the index's words."""
    conn.execute(text("SELECT casetui_index_services(NULL)"))
    conn.execute(text("DELETE FROM directory_term"))
    conn.execute(
        text(
            "INSERT INTO directory_term (term) SELECT word FROM ts_stat('SELECT body FROM service_search')"
            " WHERE word ~ '^[[:alpha:]]{3,60}$' ON CONFLICT DO NOTHING"
        )
    )
