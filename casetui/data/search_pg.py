"""Resource directory search on PostgreSQL: its own text search behind ``resources.search``.

The index: ``service_search`` holds one row per service: ``title`` (name A, need/population
labels and taxonomy terms B, organization C) and ``body`` (title plus alternate name and
description D) as 'simple' tsvectors (no stemming, like FTS5's unicode61), ``tags`` as a text
array with the same filter keys as SQLite's tags column, and ``name_key`` to browse by name.
GIN indexes serve prefix queries (``foo:*``) and tag overlaps. Statement-level triggers re-index
the services a statement touched, so a bulk insert of 1,000 rows re-indexes them in one query.
While casetui_meta holds 'search_index_paused' (a bulk import, which then calls
``rebuild_index`` in the same transaction) they do nothing. ``db_objects.install`` calls
``install_index``, which also rebuilds the whole index.

The search follows the SQLite searcher's rules so both databases answer alike: every word is a
prefix; name, categories and organization matches come before description matches; filters
are tag overlaps; at most ``resources.CANDIDATES`` matches are ranked per query, so a broad
one-letter prefix costs no more than a precise word.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, TEXT
from sqlalchemy.engine import Connection
from sqlmodel import Session

from casetui.data import vocab
from casetui.data.db_objects import SEARCH_PAUSED_KEY

# --- the index ---------------------------------------------------------------------------



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
    "location": ("SELECT sal.service_id FROM service_at_location sal JOIN changed c ON sal.location_id = c.id",
                 ("UPDATE",)),
    "service_at_location": ("SELECT service_id FROM changed", ("INSERT", "UPDATE", "DELETE")),
}


def install_index(conn: Connection) -> None:
    """(Re)create the search table, indexes, function and triggers, then fill the index."""
    for statement in _INDEX:
        conn.execute(text(statement))
    for table, (services, events) in _SOURCES.items():
        function = f"casetui_search_{table}_changed"
        conn.execute(text(f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
              IF NOT EXISTS (SELECT 1 FROM casetui_meta WHERE key = '{SEARCH_PAUSED_KEY}') THEN
                PERFORM casetui_index_services(ARRAY({services}));
              END IF;
              RETURN NULL;
            END; $$ LANGUAGE plpgsql"""))
        for event in events:
            name = f"{table}_search_{event.lower()}"
            rows = "OLD" if event == "DELETE" else "NEW"
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            conn.execute(text(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {rows} TABLE AS changed "
                              f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"))
    rebuild_index(conn)


def rebuild_index(conn) -> None:
    """Re-index every service in one statement (after a bulk import that paused the triggers)."""
    conn.execute(text("SELECT casetui_index_services(NULL)"))


# --- the search --------------------------------------------------------------------------

# ts_rank weights, in PostgreSQL's order {D, C, B, A}: description, organization, terms, name.
_WEIGHTS = "'{0.1, 0.3, 0.5, 1.0}'"


def _tag_groups(filters) -> list[list[str]]:
    """The filters as groups of tags: a service needs at least one tag of every group."""
    from casetui.data import resources  # resources imports this module when it searches

    groups = []
    if filters.category:
        groups.append([f"cat_{filters.category}"])
    if filters.population:
        groups.append([f"pop_{filters.population}"])
    if filters.language:
        code = resources.language_code(filters.language)
        names = {code, resources._tag_key(resources.language_label(code).lower()),
                 resources._tag_key(str(filters.language).lower())}
        groups.append(sorted(f"lang_{name}" for name in names if name))
    if filters.gender:
        groups.append(["gen_any", f"gen_{resources.gender_code(filters.gender)}"])
    if filters.place and filters.place.strip():
        key = resources._tag_key(filters.place).lower()
        groups.append([f"city_{key}", f"zip_{key}"])
    return groups


def _filter_sql(filters) -> tuple[str, dict, list]:
    from casetui.data import resources

    sql, params, binds = "", {}, []
    for number, group in enumerate(_tag_groups(filters)):
        sql += f" AND d.tags && :tags{number}"
        params[f"tags{number}"] = group
        binds.append(bindparam(f"tags{number}", type_=ARRAY(TEXT)))
    age_sql, age_params = resources._age_condition(filters)
    return sql + age_sql, {**params, **age_params}, binds


def _query(words: list[str], operator: str, prefix: bool) -> str:
    return f" {operator} ".join(f"{word}:*" if prefix else word for word in words)


def search(session: Session, words: list[str], filters, limit: int) -> list[tuple[str, float]]:
    """[(service id, score)], best first; the same contract as the SQLite searcher."""
    where, params, binds = _filter_sql(filters)
    if not words:
        if not where:
            return []
        statement = text(
            "SELECT d.service_id FROM service_search d JOIN service s ON s.id = d.service_id"
            f" WHERE true{where} ORDER BY d.name_key, d.service_id LIMIT :limit"
        ).bindparams(*binds)
        return [(row[0], 0.0) for row in session.exec(statement, params={**params, "limit": limit})]
    ranked = _ranked(session, "title", words, where, params, binds, limit)
    # As on SQLite: description matches after every name, organization or category match, and
    # words under three letters are looked up in the short fields only.
    if len(ranked) < limit and min(len(word) for word in words) >= 3:
        seen = {service_id for service_id, _ in ranked}
        more = _ranked(session, "body", words, where, params, binds, limit + len(ranked))
        ranked += [(service_id, score) for service_id, score in more if service_id not in seen][:limit - len(ranked)]
    return ranked


def _ranked(session: Session, column: str, words: list[str], where: str, params: dict, binds: list,
            limit: int) -> list[tuple[str, float]]:
    # An exact word scores twice (prefix and exact), so "food" ranks Food above Foodbank.
    statement = text(
        "SELECT c.service_id, c.score FROM ("
        f"  SELECT d.service_id, d.name_key, ts_rank({_WEIGHTS}, d.{column}, q.prefix)"
        f"         + ts_rank({_WEIGHTS}, d.{column}, q.exact) AS score"
        "   FROM service_search d JOIN service s ON s.id = d.service_id,"
        "        (SELECT to_tsquery('simple', :prefix) AS prefix, to_tsquery('simple', :exact) AS exact) q"
        f"  WHERE d.{column} @@ q.prefix{where} LIMIT :cap"
        ") c ORDER BY c.score DESC, c.name_key, c.service_id LIMIT :limit"
    ).bindparams(*binds)
    from casetui.data import resources

    rows = session.exec(statement, params={
        **params, "prefix": _query(words, "&", prefix=True), "exact": _query(words, "|", prefix=False),
        "cap": resources.CANDIDATES, "limit": limit,
    })
    return [(row[0], float(row[1])) for row in rows]
