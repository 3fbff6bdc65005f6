"""Resource directory search on PostgreSQL: its own text search behind ``resources.search``.

The index: ``service_search`` holds one row per service: ``title`` (name A, need/population
labels and taxonomy terms B, organization C) and ``body`` (title plus alternate name and
description D) as 'simple' tsvectors (no stemming, like FTS5's unicode61), ``tags`` as a text
array with the same filter keys as SQLite's tags column, and ``name_key`` to browse by name.
GIN indexes serve prefix queries (``foo:*``) and tag overlaps. Statement-level triggers re-index
the services a statement touched, so a bulk insert of 1,000 rows re-indexes them in one query.
While casetui_meta holds 'search_index_paused' (a bulk import, which then calls
``rebuild_index`` in the same transaction) they do nothing. ``db_objects.install`` calls
``install_index``, which also rebuilds the whole index and the vocabulary.

This module only finds candidates, in the same steps as the SQLite one (names, the other short
fields, descriptions, partial matches; each capped, so a broad one-letter prefix costs no more
than a precise word); ``ranking`` scores them in Python for both databases alike. Typo
tolerance looks the word up in ``directory_term`` through its pg_trgm index.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, TEXT
from sqlmodel import Session

from casetui.data.directory import ranking
from casetui.data.directory.query import CANDIDATES, DESCRIPTION_CANDIDATES, PARTIAL_CANDIDATES, filter_condition
from casetui.data.domain.languages import (
    gender_code,
    language_code,
    language_label,
    tag_key,
)
from casetui.data.storage import search_index_pg

# --- the search --------------------------------------------------------------------------


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
    more_sql, more_params = filter_condition(filters, "postgresql")
    return sql + more_sql, {**params, **more_params}, binds


def _ts_alternative(alternative, weight: str) -> str:
    """One alternative as tsquery text: words are letters and digits only (``ranking.WORD``)."""
    parts = [f"{token}:{weight}" if weight else token for token in alternative.tokens]
    if alternative.prefix:
        last = alternative.tokens[-1]
        parts[-1] = f"{last}:*{weight}"
    return " <-> ".join(parts)


def _ts_group(group, weight: str = "") -> str:
    return "(" + " | ".join(_ts_alternative(a, weight) for a in group.alternatives) + ")"


def browse(session: Session, filters, cap: int) -> list[str]:
    """Every service the filters admit, by name (at most ``cap``)."""
    where, params, binds = _filter_sql(filters)
    if not where:
        return []
    statement = text(
        "SELECT d.service_id FROM service_search d JOIN service s ON s.id = d.service_id"
        f" WHERE true{where} ORDER BY d.name_key, d.service_id LIMIT :limit"
    ).bindparams(*binds)
    return [row[0] for row in session.exec(statement, params={**params, "limit": cap})]


def candidates(session: Session, groups, filters, limit: int) -> list[str]:
    """The services worth scoring, in the SQLite searcher's order of steps (names, then the
    other short fields, then descriptions while few names answer, then partial matches)."""
    where, params, binds = _filter_sql(filters)
    found: dict[str, tuple] = {}

    def take(column: str, query: str, cap: int, by_name: bool = False) -> None:
        # Each candidate comes with what scoring and eligibility read of it: no second query.
        statement = text(
            f"SELECT {_WIDE} FROM service_search d JOIN service s ON s.id = d.service_id"
            " LEFT JOIN organization o ON o.id = s.organization_id"
            f" WHERE d.{column} @@ to_tsquery('simple', :q){where} LIMIT :cap"
        ).bindparams(*binds)
        for row in session.exec(statement, params={**params, "q": query, "cap": cap}):
            found.setdefault(row.id, (row.id, row.name, by_name, row))

    take("title", " & ".join(_ts_group(g, "A") for g in groups), CANDIDATES, by_name=True)
    named = len(found)
    if named < limit:
        take("title", " & ".join(_ts_group(g) for g in groups), named + DESCRIPTION_CANDIDATES)
        if len(found) < limit and not any(g.short for g in groups):
            take("body", " & ".join(_ts_group(g) for g in groups), len(found) + DESCRIPTION_CANDIDATES)
    if len(groups) > 1 and not found:  # no service holds every word: those holding some
        longer = [g for g in groups if not g.short]
        if longer:
            take("body", " | ".join(_ts_group(g) for g in longer), PARTIAL_CANDIDATES)
        else:
            take("title", " | ".join(_ts_group(g) for g in groups), PARTIAL_CANDIDATES)
    return list(found.values())


# What scoring and eligibility read of a candidate (JSON lists as text: resources._json).
_WIDE = (
    "s.id, s.name, s.alternate_name, s.description, o.name AS organization, CAST(s.categories AS TEXT) AS categories, "
    "CAST(s.populations AS TEXT) AS populations, CAST(s.taxonomy_terms AS TEXT) AS taxonomy_terms, s.minimum_age, "
    "s.maximum_age, s.interpretation_services, s.service_area, CAST(s.genders AS TEXT) AS genders, "
    "CAST(s.languages AS TEXT) AS languages"
)
_TRIGRAMS: dict[str, bool] = {}  # database URL -> pg_trgm installed there (asked once per process)


def close_words(session: Session, word: str) -> list[str]:
    """Directory words a mistyped ``word`` was probably meant as (pg_trgm); [] when the word
    starts a directory word, or when the server has no pg_trgm."""
    bind = session.get_bind()
    key = str(bind.url)
    if key not in _TRIGRAMS:
        _TRIGRAMS[key] = search_index_pg.has_trigrams(session.connection())
    if not _TRIGRAMS[key]:
        return []
    known = session.exec(
        text("SELECT 1 FROM directory_term WHERE term ~>=~ :low AND term ~<~ :high LIMIT 1"),
        params={"low": word, "high": word[:-1] + chr(ord(word[-1]) + 1)},
    ).first()
    if known is not None:
        return []
    # pg_trgm's default threshold (0.3) misses "homles" for "homeless"; ranking.pick_close
    # then holds the words offered to an edit distance.
    session.exec(text("SELECT set_limit(0.25)"))
    rows = session.exec(
        text("SELECT term FROM directory_term WHERE term % :w ORDER BY similarity(term, :w) DESC LIMIT 50"),
        params={"w": word},
    ).all()
    return ranking.pick_close(word, [row[0] for row in rows])
