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
are tag overlaps; at most ``CANDIDATES`` matches are ranked per query, so a broad
one-letter prefix costs no more than a precise word.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, TEXT
from sqlmodel import Session

from casetui.data.directory.query import CANDIDATES, age_condition
from casetui.data.domain.languages import (
    gender_code,
    language_code,
    language_label,
    tag_key,
)

# --- the search --------------------------------------------------------------------------

# ts_rank weights, in PostgreSQL's order {D, C, B, A}: description, organization, terms, name.
_WEIGHTS = "'{0.1, 0.3, 0.5, 1.0}'"


def _tag_groups(filters) -> list[list[str]]:
    """The filters as groups of tags: a service needs at least one tag of every group."""
    groups = []
    if filters.category:
        groups.append([f"cat_{filters.category}"])
    if filters.population:
        groups.append([f"pop_{filters.population}"])
    if filters.language:
        code = language_code(filters.language)
        names = {code, tag_key(language_label(code).lower()), tag_key(str(filters.language).lower())}
        groups.append(sorted(f"lang_{name}" for name in names if name))
    if filters.gender:
        groups.append(["gen_any", f"gen_{gender_code(filters.gender)}"])
    if filters.place and filters.place.strip():
        key = tag_key(filters.place).lower()
        groups.append([f"city_{key}", f"zip_{key}"])
    return groups


def _filter_sql(filters) -> tuple[str, dict, list]:

    sql, params, binds = "", {}, []
    for number, group in enumerate(_tag_groups(filters)):
        sql += f" AND d.tags && :tags{number}"
        params[f"tags{number}"] = group
        binds.append(bindparam(f"tags{number}", type_=ARRAY(TEXT)))
    age_sql, age_params = age_condition(filters)
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
        ranked += [(service_id, score) for service_id, score in more if service_id not in seen][: limit - len(ranked)]
    return ranked


def _ranked(
    session: Session, column: str, words: list[str], where: str, params: dict, binds: list, limit: int
) -> list[tuple[str, float]]:
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

    rows = session.exec(
        statement,
        params={
            **params,
            "prefix": _query(words, "&", prefix=True),
            "exact": _query(words, "|", prefix=False),
            "cap": CANDIDATES,
            "limit": limit,
        },
    )
    return [(row[0], float(row[1])) for row in rows]
