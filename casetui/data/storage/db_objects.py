"""Database objects the models cannot declare: triggers and search indexes, per dialect.

``install`` is idempotent; it runs on every fresh database and at the end of every migration,
so these definitions have one home.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import bindparam, event, inspect, text
from sqlalchemy.engine import Connection

from casetui.data.domain import hours, vocab
from casetui.data.storage import search_index_pg
from casetui.data.storage.models import Organization, Service
from casetui.data.storage.search_index_pg import SEARCH_PAUSED_KEY  # noqa: F401  (the services pause by it)

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


# --- resource directory search (SQLite FTS5) ---------------------------------------------
#
# ``service_search_doc`` is what is searched, one row per service (rowid = service.rowid):
# name, organization, terms (need category and population labels plus the imported taxonomy
# terms) and description as words, and ``tags``: one token per filterable value (cat_housing,
# pop_youth, lang_es, gen_any / gen_woman, city_riverton, zip_90001), so filters are doclist
# intersections inside the index rather than scans. Two external-content indexes read it:
# ``service_title_fts`` (short fields, every 1-3 letter prefix indexed: serves as-you-type) and
# ``service_fts`` (everything, with the description). Triggers keep both in step: before a
# change they remove the document as it stood, after it they add it as it now stands. While a
# bulk import runs it sets casetui_meta 'search_index_paused' and rebuilds both at the end,
# in the same transaction. Changing the view means a migration step (install rebuilds).

SEARCH_INDEXES = ("service_title_fts", "service_fts")


def _labels(column: str, labels: dict[str, str]) -> str:
    """Words for the codes in a JSON list column (a CASE: cheaper than a JSON lookup per row)."""
    cases = " ".join(f"WHEN '{code}' THEN '{label.replace(chr(39), chr(39) * 2)}'" for code, label in labels.items())
    return f"SELECT group_concat(CASE value {cases} END, ' ') FROM json_each(s.{column})"


_NOT_PAUSED = f"NOT EXISTS (SELECT 1 FROM casetui_meta WHERE key = '{SEARCH_PAUSED_KEY}')"
_SERVICE_SEARCHED = (
    "name",
    "alternate_name",
    "description",
    "organization_id",
    "categories",
    "populations",
    "taxonomy_terms",
    "languages",
    "genders",
)


def _words(expression: str) -> str:
    return f"coalesce(({expression}), '')"


_DOC_VIEW = f"""CREATE VIEW service_search_doc AS
SELECT s.rowid AS rowid,
       s.name AS name,
       trim(coalesce(o.name, '') || ' ' || coalesce(o.alternate_name, '')) AS organization,
       trim({_words(_labels("categories", vocab.DOMAINS))}
            || ' ' || {_words(_labels("populations", vocab.POPULATIONS))}
            || ' ' || {_words("SELECT group_concat(value, ' ') FROM json_each(s.taxonomy_terms)")}) AS terms,
       trim(coalesce(s.alternate_name, '') || ' ' || coalesce(s.description, '')) AS description,
       trim({_words("SELECT group_concat('cat_' || value, ' ') FROM json_each(s.categories)")}
            || ' ' || {_words("SELECT group_concat('pop_' || value, ' ') FROM json_each(s.populations)")}
            || ' ' || {
    _words("SELECT group_concat('lang_' || replace(lower(value), ' ', '_'), ' ') FROM json_each(s.languages)")
}
            || ' ' || CASE WHEN json_array_length(s.genders) > 0
                           THEN {_words("SELECT group_concat('gen_' || value, ' ') FROM json_each(s.genders)")}
                           ELSE 'gen_any' END
            || ' ' || {
    _words(
        "SELECT group_concat(place, ' ') FROM (SELECT 'city_' || replace(trim(l.city), ' ', '_') AS place"
        " FROM service_at_location sal JOIN location l ON l.id = sal.location_id"
        " WHERE sal.service_id = s.id AND l.city IS NOT NULL UNION"
        " SELECT 'zip_' || replace(trim(l.postal_code), ' ', '_') FROM service_at_location sal"
        " JOIN location l ON l.id = sal.location_id"
        " WHERE sal.service_id = s.id AND l.postal_code IS NOT NULL ORDER BY 1)"
    )
}) AS tags
FROM service s LEFT JOIN organization o ON o.id = s.organization_id"""


def _index_rows(rowids: str, *, delete: bool) -> list[str]:
    """Statements adding (or removing) the documents of the services whose rowids are selected."""
    statements = []
    for index, columns in _INDEX_COLUMNS.items():
        if delete:
            statements.append(
                f"INSERT INTO {index} ({index}, rowid, {columns}) SELECT 'delete', rowid, {columns}"
                f" FROM service_search_doc WHERE rowid IN ({rowids});"
            )
        else:
            statements.append(
                f"INSERT INTO {index} (rowid, {columns}) SELECT rowid, {columns}"
                f" FROM service_search_doc WHERE rowid IN ({rowids});"
            )
    return statements


def _trigger(name: str, when: str, condition: str, rowids: str, *, delete: bool) -> str:
    body = "\n".join(_index_rows(rowids, delete=delete))
    return f"CREATE TRIGGER {name} {when} FOR EACH ROW WHEN {condition} BEGIN\n{body}\nEND"


def _search_triggers() -> dict[str, str]:
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _SERVICE_SEARCHED)
    service_changed = f"({changed}) AND {_NOT_PAUSED}"
    at_old = "SELECT rowid FROM service WHERE id = old.service_id"
    at_new = "SELECT rowid FROM service WHERE id = new.service_id"
    at_both = "SELECT rowid FROM service WHERE id IN (old.service_id, new.service_id)"
    at_location = (
        "SELECT s.rowid FROM service s JOIN service_at_location sal ON sal.service_id = s.id "
        "WHERE sal.location_id = old.id"
    )
    of_org = "SELECT rowid FROM service WHERE organization_id = old.id"
    place_changed = f"(old.city IS NOT new.city OR old.postal_code IS NOT new.postal_code) AND {_NOT_PAUSED}"
    org_changed = f"(old.name IS NOT new.name OR old.alternate_name IS NOT new.alternate_name) AND {_NOT_PAUSED}"
    specs = [
        ("service_search_ai", "AFTER INSERT ON service", _NOT_PAUSED, "new.rowid", False),
        ("service_search_bu", "BEFORE UPDATE ON service", service_changed, "old.rowid", True),
        ("service_search_au", "AFTER UPDATE ON service", service_changed, "new.rowid", False),
        ("service_search_bd", "BEFORE DELETE ON service", _NOT_PAUSED, "old.rowid", True),
        ("sal_search_bi", "BEFORE INSERT ON service_at_location", _NOT_PAUSED, at_new, True),
        ("sal_search_ai", "AFTER INSERT ON service_at_location", _NOT_PAUSED, at_new, False),
        ("sal_search_bu", "BEFORE UPDATE ON service_at_location", _NOT_PAUSED, at_both, True),
        ("sal_search_au", "AFTER UPDATE ON service_at_location", _NOT_PAUSED, at_both, False),
        ("sal_search_bd", "BEFORE DELETE ON service_at_location", _NOT_PAUSED, at_old, True),
        ("sal_search_ad", "AFTER DELETE ON service_at_location", _NOT_PAUSED, at_old, False),
        ("location_search_bu", "BEFORE UPDATE ON location", place_changed, at_location, True),
        ("location_search_au", "AFTER UPDATE ON location", place_changed, at_location, False),
        ("organization_search_bu", "BEFORE UPDATE ON organization", org_changed, of_org, True),
        ("organization_search_au", "AFTER UPDATE ON organization", org_changed, of_org, False),
    ]
    return {
        name: _trigger(name, when, condition, rowids, delete=delete) for name, when, condition, rowids, delete in specs
    }


def _install_resource_search_sqlite(conn: Connection) -> None:
    """(Re)create the view, indexes and triggers, then fill the indexes from the directory."""
    for name in _search_triggers():
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    conn.execute(text("DROP VIEW IF EXISTS service_search_doc"))
    conn.execute(text(_DOC_VIEW))
    tokenizer = "tokenize = \"unicode61 remove_diacritics 2 tokenchars '_'\""
    conn.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS service_title_fts USING fts5(name, organization, terms, tags, "
            f"content = 'service_search_doc', content_rowid = 'rowid', prefix = '1 2 3', {tokenizer})"
        )
    )
    conn.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS service_fts USING fts5(name, organization, terms, description, "
            f"tags, content = 'service_search_doc', content_rowid = 'rowid', prefix = '3', {tokenizer})"
        )
    )
    for statement in _search_triggers().values():
        conn.execute(text(statement))
    for statement in _VOCABULARY_SQLITE:
        conn.execute(text(statement))
    rebuild_search_indexes(conn)


_INDEX_COLUMNS = {
    "service_title_fts": "name, organization, terms, tags",
    "service_fts": "name, organization, terms, description, tags",
}


def rebuild_search_indexes(conn) -> None:
    """Refill both directory indexes from ``service_search_doc`` (SQLite); a Connection or Session.

    Not FTS5's own 'rebuild': it reads the content with virtual tables disallowed, and the view
    needs json_each. The view is computed once into a temporary table for both indexes.
    On PostgreSQL, its own index (``search_index_pg``) is rebuilt instead.
    """
    bind = conn.get_bind() if hasattr(conn, "get_bind") else conn
    if bind.dialect.name == "postgresql":
        search_index_pg.rebuild_index(conn)
        return
    conn.execute(text("DROP TABLE IF EXISTS temp.service_search_build"))
    conn.execute(
        text(
            "CREATE TEMP TABLE service_search_build AS SELECT rowid AS doc_rowid, name, organization, terms, "
            "description, tags FROM service_search_doc"
        )
    )
    for index, columns in _INDEX_COLUMNS.items():
        conn.execute(text(f"INSERT INTO {index} ({index}) VALUES ('delete-all')"))
        # A 32 MB in-memory term buffer (default 1 MB) writes far fewer segments to merge: 3x faster.
        conn.execute(text(f"INSERT INTO {index} ({index}, rank) VALUES ('hashsize', {32 * 1024 * 1024})"))
        conn.execute(
            text(f"INSERT INTO {index} (rowid, {columns}) SELECT doc_rowid, {columns} FROM temp.service_search_build")
        )
        conn.execute(text(f"INSERT INTO {index} ({index}) VALUES ('optimize')"))
    conn.execute(text("DROP TABLE temp.service_search_build"))
    _refill_vocabulary_sqlite(conn)


# --- the directory's vocabulary (typo tolerance) ----------------------------------------------
#
# ``directory_term`` holds every word of the searched text once; ``directory_term_trigram``
# (FTS5's trigram tokenizer, contentless) indexes each word padded with a space either side, so
# a mistyped word's trigrams (" fo", "fod", "od ") find the words it may have meant ("food").
# A full rebuild refills it from the index's own vocabulary (fts5vocab); single writes through
# the ORM add their words (``_add_terms``, below). A word no service uses any more stays until
# the next rebuild: it can only be offered as a correction that then finds nothing.

_VOCABULARY_SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS directory_term_trigram USING fts5(padded, content = '', tokenize = 'trigram')",
    """CREATE TRIGGER IF NOT EXISTS directory_term_ai AFTER INSERT ON directory_term BEGIN
       INSERT INTO directory_term_trigram (rowid, padded) VALUES (new.rowid, ' ' || new.term || ' '); END""",
]
TERM_MIN, TERM_MAX = 3, 60


def _refill_vocabulary_sqlite(conn) -> None:
    conn.execute(text("DELETE FROM directory_term"))
    conn.execute(text("INSERT INTO directory_term_trigram (directory_term_trigram) VALUES ('delete-all')"))
    conn.execute(text("DROP TABLE IF EXISTS temp.service_fts_terms"))
    conn.execute(text("CREATE VIRTUAL TABLE temp.service_fts_terms USING fts5vocab(main, service_fts, 'row')"))
    conn.execute(
        text(
            "INSERT OR IGNORE INTO directory_term (term) SELECT term FROM temp.service_fts_terms"
            f" WHERE length(term) BETWEEN {TERM_MIN} AND {TERM_MAX} AND term NOT GLOB '*[0-9_]*'"
        )
    )
    conn.execute(text("DROP TABLE temp.service_fts_terms"))


_TERM = re.compile(r"[^\W\d_]+", re.UNICODE)


def fold(value: str) -> str:
    """Lower case without accents, as both search indexes compare words."""
    value = value.lower()
    if value.isascii():
        return value
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


def terms_of(*texts) -> set[str]:
    """The vocabulary words of some text (letters only, 3-60 of them, folded)."""
    words = set()
    for value in texts:
        if isinstance(value, list | tuple):
            words |= terms_of(*value)
        elif value:
            words.update(w for w in _TERM.findall(fold(str(value))) if TERM_MIN <= len(w) <= TERM_MAX)
    return words


def _add_terms(connection, words: set[str]) -> None:
    if words:
        connection.execute(
            text("INSERT INTO directory_term (term) VALUES (:term) ON CONFLICT (term) DO NOTHING"),
            [{"term": word} for word in sorted(words)],
        )


@event.listens_for(Service, "after_insert")
@event.listens_for(Service, "after_update")
def _service_terms(_mapper, connection, service) -> None:
    _add_terms(connection, terms_of(service.name, service.alternate_name, service.description, service.taxonomy_terms))
    history = inspect(service).attrs.schedule_description.history
    if history.has_changes():  # set on insert, or changed: the hours in words become rows
        write_schedules(connection, {service.id: hours.from_words(service.schedule_description)})


def write_schedules(connection, openings: dict) -> None:
    """Replace the opening-hours rows of the services in ``openings`` (id -> [Opening])."""
    if not openings:
        return
    ids = list(openings)
    for start in range(0, len(ids), 500):
        connection.execute(
            text("DELETE FROM service_schedule WHERE service_id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": ids[start : start + 500]},
        )
    rows = [
        {
            "service_id": service_id,
            "weekday": o.weekday,
            "opens_at": o.opens,
            "closes_at": o.closes,
            "valid_from": o.valid_from,
            "valid_to": o.valid_to,
        }
        for service_id, found in openings.items()
        for o in found
    ]
    if rows:
        connection.execute(
            text(
                "INSERT INTO service_schedule (service_id, weekday, opens_at, closes_at, valid_from, valid_to)"
                " VALUES (:service_id, :weekday, :opens_at, :closes_at, :valid_from, :valid_to)"
            ),
            rows,
        )


@event.listens_for(Organization, "after_insert")
@event.listens_for(Organization, "after_update")
def _organization_terms(_mapper, connection, organization) -> None:
    _add_terms(connection, terms_of(organization.name, organization.alternate_name))


def install(conn: Connection) -> None:
    dialect = conn.dialect.name
    statements = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(dialect, [])
    for statement in statements + EXTRA.get(dialect, []):
        conn.execute(text(statement))
    if dialect == "sqlite":
        _install_resource_search_sqlite(conn)
    elif dialect == "postgresql":
        search_index_pg.install_index(conn)
