"""The resource directory: search, eligibility for a client, suggestions, edits and verification.

API (what the search screen uses; every function takes an open ``Session``):

``SearchFilters(category=None, age=None, gender=None, language=None, population=None, place=None)``
    category: a ``vocab.DOMAINS`` code; age: whole years (services whose age range admits it);
    gender: a ``vocab.GENDERS`` code (services open to every gender or to that one); language: a
    name ("Spanish") or language tag ("es", "spa", "hmn"); population: a ``vocab.POPULATIONS``
    code (services that name that population among those they serve); place: a city or postal
    code of one of the service's locations (case and spacing do not matter).
``ClientProfile(age, gender, language, populations, needs, city, postal_code, interpreter_needed)``
    ``client_profile(session, case_id, today)`` builds it from the client and the case's latest
    assessment (needs: domains scored 1-2 or marked "wants a goal", most urgent first).
``EligibilityCheck(criterion, ok, reason, warning)``
    criterion is "age", "gender", "language", "area" (a service area naming postal codes) or "population"; ok is True, False, or None when
    the client's record does not say; reason is a short sentence for the screen; warning marks
    a met check worth a look (a service offered in other languages).
``ServiceHit(id, name, organization, snippet, categories, city, postal_code, phone,
    last_verified_on, stale, eligibility, eligible, score)``
    eligibility/eligible are filled only when a profile is given (else ``[]`` / ``None``).
    ``stale``: never verified, or last verified more than 12 months before ``today``.
``search(session, query, filters=None, *, profile=None, today, limit=50, typos=True) -> list[ServiceHit]``
    Search as you type: every word of ``query`` is a prefix ("foo pan" finds "Food Pantry"),
    with its other spelling, its synonyms and (``typos``) the directory words a mistyped word
    was meant as ("fod" finds food); ``ranking`` says how words are read and services scored.
    Services holding every word come first, then (when few hold them all) those holding some.
    With a profile the results are eligible, then unknown, then not eligible, each by relevance.
    An empty query with filters browses (ordered by name); with no filter either it returns
    ``[]``. At most ``CANDIDATES`` name matches (plus ``DESCRIPTION_CANDIDATES`` description
    and ``PARTIAL_CANDIDATES`` partial ones) are scored, so a one-letter query costs what a
    precise one does: fast enough for every keystroke, but call it from a worker.
``suggest_for_client(session, profile, *, today, limit=50) -> list[ServiceHit]``
    Services for the client's open needs, ranked: eligible first, then more needs met, nearby,
    recently verified.
``get_service(session, service_id) -> ServiceDetail``
    ``ServiceDetail(service, organization, locations, phones, contacts)``; raises NotFoundError.
``update_service(session, service_id, values, today, *, expected_version=None) -> Service``
    values: any of ``EDITABLE_FIELDS``; lists as lists (or comma-separated text). Raises
    ValidationError naming fields, ConflictError if someone saved it since ``expected_version``.
``mark_verified(session, service_id, today) -> Service``
``eligibility(service, profile, today) -> list[EligibilityCheck]`` and ``overall(checks)``
    (service: a Service or any row with its age, gender, language, population and
    interpretation fields).
``is_stale(last_verified_on, today) -> bool``
``language_code(value) -> str`` and ``language_label(code) -> str`` normalise languages.
``rebuild_search_index(session)`` rebuilds the full-text index (after bulk changes).

The candidates come from the database's index (``_BACKENDS``): SQLite uses the FTS5 indexes
defined in ``db_objects`` (``service_title_fts``, ``service_fts``, ``directory_term_trigram``);
PostgreSQL its own text search (``search_pg``, over the ``service_search`` tsvectors and the
pg_trgm vocabulary index); any other dialect a plain scan that is correct but slow. The
scoring is the same Python on every database.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import bindparam, or_, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from casetui.data.directory import ranking, search_pg
from casetui.data.directory.query import (  # noqa: F401  (re-exported: the directory's API)
    CANDIDATES,
    DESCRIPTION_CANDIDATES,
    PARTIAL_CANDIDATES,
    ClientProfile,
    EligibilityCheck,
    SearchFilters,
    ServiceDetail,
    ServiceHit,
    age_condition,
    filter_condition,
)
from casetui.data.directory.ranking import query_words  # noqa: F401  (re-exported)
from casetui.data.domain import hours, places, vocab
from casetui.data.domain import validation as v
from casetui.data.domain.errors import NotFoundError, ValidationError
from casetui.data.domain.languages import (  # noqa: F401  (re-exported)
    LANGUAGES,
    gender_code,
    language_code,
    language_label,
    tag_key,
)
from casetui.data.storage import audit_log as audit
from casetui.data.storage import concurrency, db_objects
from casetui.data.storage.models import (
    Assessment,
    AssessmentNeed,
    Case,
    Client,
    Location,
    Organization,
    Phone,
    ResourceContact,
    Service,
    ServiceAtLocation,
    utcnow,
)

STALE_AFTER_MONTHS = 12

# --- client profile and eligibility -----------------------------------------------------------


def _age_on(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def client_profile(session: Session, case_id: int, today: date) -> ClientProfile:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"There is no case number {case_id}.")
    client = session.get(Client, case.client_id)
    populations = list(client.populations or [])
    if client.veteran and "veteran" not in populations:
        populations.append("veteran")
    latest = session.exec(
        select(Assessment)
        .where(Assessment.case_id == case_id)
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    ).first()
    needs: list[str] = []
    if latest is not None:
        rows = session.exec(select(AssessmentNeed).where(AssessmentNeed.assessment_id == latest.id)).all()
        urgent = [n for n in rows if (n.score is not None and n.score <= 2) or n.wants_goal]
        urgent.sort(
            key=lambda n: (
                n.score if n.score is not None else 3,
                list(vocab.DOMAINS).index(n.domain) if n.domain in vocab.DOMAINS else 99,
            )
        )
        needs = [n.domain for n in urgent]
    return ClientProfile(
        age=_age_on(client.date_of_birth, today),
        gender=client.gender,
        language=client.language,
        populations=populations,
        needs=needs,
        city=client.city,
        postal_code=client.postal_code,
        interpreter_needed=bool(client.interpreter_needed),
    )


def profile_for_client(session: Session, client_id: int, today: date) -> ClientProfile:
    """A client's profile from their newest case (or their record alone, with no case)."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"There is no client number {client_id}.")
    case = session.exec(
        select(Case).where(Case.client_id == client_id).order_by(Case.opened_on.desc(), Case.id.desc())
    ).first()
    if case is not None:
        return client_profile(session, case.id, today)
    populations = list(client.populations or []) + (["veteran"] if client.veteran else [])
    return ClientProfile(
        age=_age_on(client.date_of_birth, today),
        gender=client.gender,
        language=client.language,
        populations=list(dict.fromkeys(populations)),
        city=client.city,
        postal_code=client.postal_code,
        interpreter_needed=bool(client.interpreter_needed),
    )


def check_age(value) -> None:
    """An age typed for a search: a whole number from 0 to 120, else ValidationError in words."""
    _check_filters(SearchFilters(age=value))


def _age_range_words(low, high) -> str:
    low = None if low is None else int(low)
    high = None if high is None else int(high)
    if low is not None and high is not None:
        return f"ages {low} to {high}"
    if low is not None:
        return f"ages {low}+"
    return f"ages up to {high}"


_NO_INTERPRETATION = re.compile(r"^\s*(none|no|n/?a|not available|-)?\s*\.?\s*$", re.I)


def offers_interpretation(service) -> bool:
    """HSDS ``interpretation_services``: words saying how interpretation is offered."""
    return not _NO_INTERPRETATION.match(getattr(service, "interpretation_services", None) or "")


def _population_check(code: str, service, profile: ClientProfile) -> tuple[bool | None, str]:
    """Is the client among one population a service serves: (answer, why in a few words)."""
    if code in (profile.populations or []):
        return True, f"client is among {_population_words(code)}"
    if code in vocab.AGE_POPULATIONS:
        if profile.age is None:
            return None, "client's age is not recorded"
        # The service's own age limits say who it counts as (say) an older adult; else the vocabulary's.
        low, high = vocab.AGE_POPULATIONS[code]
        if service.minimum_age is not None or service.maximum_age is not None:
            low, high = service.minimum_age, service.maximum_age
        inside = (low is None or profile.age >= low) and (high is None or profile.age <= high)
        return inside, f"client is {profile.age}"
    return None, f"the record does not say whether the client is among {_population_words(code)}"


def eligibility(service, profile: ClientProfile | None, today: date) -> list[EligibilityCheck]:
    """Why the client does or does not meet each restriction the service states."""
    if profile is None:
        return []
    checks: list[EligibilityCheck] = []
    low, high = service.minimum_age, service.maximum_age
    if low is not None or high is not None:
        limits = _age_range_words(low, high)
        if profile.age is None:
            checks.append(EligibilityCheck("age", None, f"{limits}; client's age is not recorded"))
        else:
            ok = (low is None or profile.age >= low) and (high is None or profile.age <= high)
            checks.append(EligibilityCheck("age", ok, f"{limits}; client is {profile.age}"))
    genders = [g for g in (gender_code(g) for g in service.genders or []) if g]
    if genders:
        served = ", ".join(vocab.GENDERS.get(g, g).lower() for g in genders)
        client_gender = gender_code(profile.gender)
        if client_gender is None or client_gender in ("not_stated", "questioning", "other"):
            checks.append(
                EligibilityCheck("gender", None, f"for {served}; client's gender is not recorded as one of these")
            )
        else:
            ok = client_gender in genders
            checks.append(
                EligibilityCheck(
                    "gender", ok, f"for {served}; client is {vocab.GENDERS.get(client_gender, client_gender).lower()}"
                )
            )
    languages = list(dict.fromkeys(language_code(x) for x in service.languages or []))
    if profile.language and languages:
        # A language is never a refusal: services interpret, clients bring someone, staff vary.
        wanted = language_code(profile.language)
        spoken = ", ".join(language_label(x) for x in languages)
        if wanted in languages:
            checks.append(
                EligibilityCheck("language", True, f"offered in {spoken}; client speaks {language_label(wanted)}")
            )
        elif offers_interpretation(service):
            checks.append(
                EligibilityCheck(
                    "language",
                    True,
                    f"offers {spoken}; interpretation available",
                    warning=not profile.interpreter_needed,
                )
            )
        else:
            checks.append(
                EligibilityCheck(
                    "language",
                    True,
                    f"offers {spoken}; no interpretation listed; client speaks {language_label(wanted)}",
                    warning=True,
                )
            )
    inside, area = places.area_includes(getattr(service, "service_area", None), profile.postal_code, profile.city)
    if inside is not None:
        where = profile.postal_code or profile.city
        checks.append(EligibilityCheck("area", inside, f"serves {area}; client lives in {where}"))
    populations = list(service.populations or [])
    if populations:
        served = ", ".join(_population_words(p) for p in populations)
        answers = [(p, *_population_check(p, service, profile)) for p in populations]
        met = [why for _, ok, why in answers if ok is True]
        if met:
            checks.append(EligibilityCheck("population", True, f"serves {served}; {met[0]}"))
        elif all(ok is False for _, ok, _ in answers):
            checks.append(EligibilityCheck("population", False, f"serves {served}; {answers[0][2]}"))
        else:
            why = next(why for _, ok, why in answers if ok is None)
            checks.append(EligibilityCheck("population", None, f"serves {served}; {why}"))
    return checks


def _population_words(code: str) -> str:
    label = vocab.POPULATIONS.get(code, code)
    return label if label.isupper() or label.startswith("LGBTQ") else label.lower()


def overall(checks: list[EligibilityCheck]) -> bool | None:
    """False if any check fails; None if any is unknown; else True."""
    if any(c.ok is False for c in checks):
        return False
    if any(c.ok is None for c in checks):
        return None
    return True


# Results order by verdict first: eligible, then unknown, then not eligible.
VERDICT_ORDER = {True: 0, None: 1, False: 2}


def is_stale(last_verified_on: date | None, today: date) -> bool:
    if last_verified_on is None:
        return True
    year, month = divmod(today.year * 12 + today.month - 1 - STALE_AFTER_MONTHS, 12)
    cutoff_day = min(today.day, 28) if month + 1 == 2 else min(today.day, 30 if month + 1 in (4, 6, 9, 11) else 31)
    return last_verified_on < date(year, month + 1, cutoff_day)


# --- search ----------------------------------------------------------------------------------


def _place_key(value: str | None) -> str:
    return re.sub(r"\s+", " ", (value or "").strip().lower())


def search(
    session: Session,
    query: str,
    filters: SearchFilters | None = None,
    *,
    profile: ClientProfile | None = None,
    today: date,
    limit: int = 50,
    typos: bool = True,
) -> list[ServiceHit]:
    filters = filters or SearchFilters()
    _check_filters(filters)
    backend = _backend(session)
    words = query_words(query)
    _READ.rows = {}  # nothing read by an earlier search counts for this one
    if not words:
        ranked = [(service_id, 0, 0.0) for service_id in backend.browse(session, filters, max(CANDIDATES, limit))]
    else:
        close = (lambda word: backend.close_words(session, word)) if typos and backend.close_words else None
        ranked = _ranked(session, backend, ranking.build_groups(words, close), filters, limit)
    return _finish(session, ranked, profile, today, words, limit, filters)


def _ranked(session: Session, backend, groups, filters: SearchFilters, limit: int) -> list[tuple[str, int, float]]:
    """[(id, groups matched, score)] best first (and ``_ranked.rows``: what the candidates'
    query already read of them, by id, for eligibility).

    Services found by their name hold every word there, and are scored on the name alone (no
    other field can lift a service above a name match); the rest are scored on all their text."""
    found = backend.candidates(session, groups, filters, limit)
    ready = ranking.needles(groups)
    scored, others, rows = [], [], {}
    for service_id, name, by_name, *row in found:
        if row:
            rows[service_id] = row[0]
        if by_name:
            matched, score = ranking.relevance(groups, ranking.document(name), ready)
            scored.append((service_id, matched, score, name.lower()))
        elif not row:
            others.append(service_id)
        else:
            matched, score = ranking.relevance(groups, _document(row[0]), ready)
            if matched:
                scored.append((service_id, matched, score, name.lower()))
    for service_id, text_row in _text_rows(session, others).items():
        matched, score = ranking.relevance(groups, _document(text_row), ready)
        if matched:
            scored.append((service_id, matched, score, text_row.name.lower()))
    scored.sort(key=lambda r: (-r[1], -r[2], r[3], r[0]))  # id last: ties rank the same every time
    _READ.rows = rows
    return [(r[0], r[1], r[2]) for r in scored]


# What the last candidate query of this thread read (each search runs in one worker thread).
_READ = threading.local()


def _search_portable(session: Session, words: list[str], filters: SearchFilters, limit: int) -> list[tuple[str, float]]:
    """The plain scan's ranking (no index, no typo tolerance): the oracle the tests hold the indexes to."""
    if not words:
        return [(service_id, 0.0) for service_id in _portable_browse(session, filters, limit)]
    ranked = _ranked(session, _PORTABLE, ranking.build_groups(words), filters, limit)
    return [(service_id, score) for service_id, _, score in ranked[:limit]]


def _document(row, organization: str | None = None) -> ranking.Document:
    organization = organization if organization is not None else getattr(row, "organization", None)
    terms = tuple(vocab.DOMAINS.get(c, c) for c in _json(row.categories))
    terms += tuple(vocab.POPULATIONS.get(p, p) for p in _json(row.populations))
    terms += tuple(str(t) for t in _json(row.taxonomy_terms))
    return ranking.document(row.name, row.alternate_name, row.description, organization, terms)


@lru_cache(maxsize=4096)
def _json_text(value: str) -> tuple:
    return tuple(json.loads(value) or ())


def _json(value) -> tuple:
    """A JSON list column read raw (the same few lists repeat: each is parsed once)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return _json_text(value)
    return tuple(value)


# Eligibility is judged for this many of the most relevant results before they are ordered by
# verdict (judging every candidate of a broad one-letter prefix costs more than it shows).
VERDICT_POOL = 2


def _finish(session, ranked, profile, today, words, limit, filters) -> list[ServiceHit]:
    """Hits for the best ``limit`` of ``ranked`` [(id, groups matched, score)]; with a profile,
    eligible ones first (a stable sort keeps the relevance order inside each verdict)."""
    checks, distances = {}, {}
    by_distance = filters.sort == "distance"
    if filters.near:
        # Nearest first looks at every candidate; a distance only shown, at the results.
        pool = ranked[: max(limit * VERDICT_POOL, CANDIDATES)] if by_distance else ranked[:limit]
        distances = distances_from(session, places.zip_position(str(filters.near)), [r[0] for r in pool])
    if by_distance:
        ranked = sorted(ranked[: max(limit * VERDICT_POOL, CANDIDATES)], key=lambda r: distances.get(r[0], math.inf))
    if profile is not None:
        pool = ranked[: limit * VERDICT_POOL]
        read = getattr(_READ, "rows", {})
        rows = {r[0]: _Eligible(read[r[0]]) for r in pool if r[0] in read}
        rows.update(_eligibility_rows(session, [r[0] for r in pool if r[0] not in rows]))
        for service_id, _, _ in pool:
            if service_id in rows:
                checks[service_id] = eligibility(rows[service_id], profile, today)
        ranked = sorted(pool, key=lambda r: VERDICT_ORDER[overall(checks.get(r[0], []))])
    hits = _hits(session, [(r[0], r[2]) for r in ranked[:limit]], checks, profile, today, words)
    for hit in hits:
        hit.distance_miles = distances.get(hit.id)
    return hits


def distances_from(session: Session, origin: tuple[float, float] | None, ids: list[str]) -> dict[str, float]:
    """Miles from ``origin`` to each service's nearest location (its latitude and longitude, or
    the centre of its ZIP code); services with no place known are left out."""
    if origin is None or not ids:
        return {}
    statement = text(
        "SELECT sal.service_id, l.latitude, l.longitude, l.postal_code FROM service_at_location sal"
        " JOIN location l ON l.id = sal.location_id WHERE sal.service_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    found: dict[str, float] = {}
    for service_id, latitude, longitude, postal_code in session.execute(statement, {"ids": ids}):
        where = (latitude, longitude) if latitude is not None and longitude is not None else None
        where = where or places.zip_position(postal_code)
        if where is not None:
            distance = places.miles(origin, where)
            found[service_id] = min(distance, found.get(service_id, math.inf))
    return found


def _check_filters(filters: SearchFilters) -> None:
    errors = {}
    if filters.category and filters.category not in vocab.DOMAINS:
        errors["category"] = f"Unknown need category '{filters.category}'."
    if filters.population and filters.population not in vocab.POPULATIONS:
        errors["population"] = f"Unknown population '{filters.population}'."
    if filters.gender and gender_code(filters.gender) is None:
        errors["gender"] = f"Unknown gender '{filters.gender}'."
    # A NUL ends a string inside SQLite's full-text parser and PostgreSQL refuses it in text:
    # typed or pasted control characters are refused here, in words, before any query runs.
    for name, label in (("place", "Place"), ("language", "Language")):
        value = getattr(filters, name)
        if isinstance(value, str) and any(unicodedata.category(c) == "Cc" for c in value):
            errors[name] = f"{label} contains a control character; type it again without it."
        elif isinstance(value, str) and len(value) > 100:
            errors[name] = f"{label} is too long: at most 100 characters."
    if filters.sort not in ("relevance", "distance"):
        errors["sort"] = "Sort by relevance or by distance."
    # A ZIP code that is not one only matters when the results are to be ordered by it (the
    # screen passes the client's postal code whatever it holds, for the distances shown).
    if filters.sort == "distance" and filters.near in (None, ""):
        errors["sort"] = "Nearest first needs a ZIP code to measure from: the client's, or one typed as the place."
    elif filters.sort == "distance" and places.zip_position(str(filters.near)) is None:
        errors["sort"] = f"{str(filters.near)[:20]} is not a US ZIP code casetui knows: nearest first needs one."
    if filters.age not in (None, ""):
        try:
            age = int(filters.age)
        except (TypeError, ValueError):
            errors["age"] = "Age must be a whole number."
        else:
            if not 0 <= age <= 120:
                errors["age"] = "Age must be between 0 and 120."
    if errors:
        raise ValidationError(errors)


def _matches_filters(service: Service, places: list[tuple[str, str]], filters: SearchFilters) -> bool:
    if filters.category and filters.category not in (service.categories or []):
        return False
    if filters.population and filters.population not in (service.populations or []):
        return False
    if filters.language and language_code(filters.language) not in [language_code(x) for x in service.languages or []]:
        return False
    if filters.gender:
        genders = [gender_code(g) for g in service.genders or []]
        if genders and gender_code(filters.gender) not in genders:
            return False
    if filters.age not in (None, ""):
        age = int(filters.age)
        if service.minimum_age is not None and age < service.minimum_age:
            return False
        if service.maximum_age is not None and age > service.maximum_age:
            return False
    if filters.place:
        wanted = _place_key(filters.place)
        if not any(wanted in (_place_key(city), _place_key(postal)) for city, postal in places):
            return False
    return True


# --- candidates: per database ------------------------------------------------------------------


@dataclass(frozen=True)
class _Backend:
    # browse(session, filters, cap) -> [service id] by name
    browse: object
    # candidates(session, groups, filters, limit) -> [service id], the services worth scoring
    candidates: object
    # close_words(session, word) -> [directory words]; None: no typo tolerance here
    close_words: object


def _portable_scan(session: Session, filters: SearchFilters) -> list[Service]:
    """A plain scan for databases without a full-text index: correct, not fast."""
    places: dict[str, list[tuple[str, str]]] = {}
    for service_id, city, postal in session.exec(
        select(ServiceAtLocation.service_id, Location.city, Location.postal_code).join(
            Location, Location.id == ServiceAtLocation.location_id
        )
    ):
        places.setdefault(service_id, []).append((city or "", postal or ""))
    return [s for s in session.exec(select(Service)) if _matches_filters(s, places.get(s.id, []), filters)]


def _portable_browse(session: Session, filters: SearchFilters, cap: int) -> list[str]:
    if filters.is_empty():
        return []
    return [s.id for s in sorted(_portable_scan(session, filters), key=lambda s: (s.name.lower(), s.id))][:cap]


def _portable_candidates(session: Session, groups, filters: SearchFilters, limit: int) -> list[str]:
    services = _portable_scan(session, filters)
    orgs = {o.id: o.name for o in session.exec(select(Organization))}
    every = [
        (s.id, s.name, False)
        for s in services
        if ranking.relevance(groups, _document(s, orgs.get(s.organization_id, "")))[0] == len(groups)
    ]
    return every or [(s.id, s.name, False) for s in services]  # some words only when no service holds all


# SQLite: FTS5 (see db_objects for the indexes and the triggers that keep them current).


def _phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _fts_filter(filters: SearchFilters) -> str:
    """The filters as an FTS5 expression over the ``tags`` column ('' when there are none)."""
    parts = []
    if filters.category:
        parts.append(_phrase(f"cat_{filters.category}"))
    if filters.population:
        parts.append(_phrase(f"pop_{filters.population}"))
    if filters.language:
        names = language_tag_keys(filters.language)
        parts.append("(" + " OR ".join(_phrase(f"lang_{n}") for n in names) + ")")
    if filters.gender:
        parts.append(f'("gen_any" OR {_phrase("gen_" + gender_code(filters.gender))})')
    if filters.place and filters.place.strip():
        key = tag_key(filters.place)
        parts.append(f"({_phrase('city_' + key)} OR {_phrase('zip_' + key)})")
    return " AND ".join(f"tags : {part}" for part in parts)


def language_tag_keys(value: str) -> list[str]:
    """The ``lang_`` tag keys a language filter accepts: its code, its name and what was typed."""
    code = language_code(value)
    return sorted(n for n in {code, tag_key(language_label(code).lower()), tag_key(str(value).lower())} if n)


def _fts_group(group: ranking.Group) -> str:
    return "(" + " OR ".join(_phrase(" ".join(a.tokens)) + ("*" if a.prefix else "") for a in group.alternatives) + ")"


def _sqlite_browse(session: Session, filters: SearchFilters, cap: int) -> list[str]:
    tags = _fts_filter(filters)
    age_sql, params = filter_condition(filters, "sqlite")
    if not tags:
        if not age_sql:
            return []
        rows = session.exec(
            text(f"SELECT id, name FROM service s WHERE 1 = 1{age_sql} LIMIT :cap"), params={**params, "cap": cap}
        ).all()
    else:
        rows = _fts_rows(session, "service_title_fts", tags, age_sql, params, cap)
    return [row[0] for row in sorted(rows, key=lambda r: (r[1].lower(), r[0]))]


def _sqlite_candidates(session: Session, groups, filters: SearchFilters, limit: int) -> list[str]:
    tags = _fts_filter(filters)
    age_sql, params = filter_condition(filters, "sqlite")
    every = " AND ".join(_fts_group(g) for g in groups)
    found: dict[str, tuple] = {}

    def take(index: str, columns: str, expression: str, cap: int, by_name: bool = False) -> None:
        match = " AND ".join(part for part in ("{" + columns + "} : (" + expression + ")", tags) if part)
        for row in _fts_rows(session, index, match, age_sql, params, cap, wide=True):
            found.setdefault(row.id, (row.id, row.name, by_name, row))

    # Names first (they score highest), then the other short fields, then descriptions while
    # few names answer; words under three letters are looked up in the short fields only
    # (they match nearly every description, and the full index keeps 3-letter prefixes only).
    take("service_title_fts", "name", every, CANDIDATES, by_name=True)
    named = len(found)
    if named < limit:
        take("service_title_fts", "name organization terms", every, named + DESCRIPTION_CANDIDATES)
        # Descriptions while the short fields answer too few (a broad prefix in every
        # description costs more than the rest of the search).
        if len(found) < limit and not any(g.short for g in groups):
            take("service_fts", "name organization terms description", every, len(found) + DESCRIPTION_CANDIDATES)
    if len(groups) > 1 and not found:  # no service holds every word: those holding some
        longer = [g for g in groups if not g.short]
        if longer:
            anyone = " OR ".join(_fts_group(g) for g in longer)
            take("service_fts", "name organization terms description", anyone, PARTIAL_CANDIDATES)
        else:
            take(
                "service_title_fts", "name organization terms", " OR ".join(map(_fts_group, groups)), PARTIAL_CANDIDATES
            )
    return list(found.values())


# What scoring and eligibility read of a candidate, in the candidates' own query.
_WIDE = (
    "s.id, s.name, s.alternate_name, s.description, o.name AS organization, s.categories, s.populations, "
    "s.taxonomy_terms, s.minimum_age, s.maximum_age, s.interpretation_services, s.service_area, s.genders, "
    "s.languages"
)


def _fts_rows(
    session: Session, index: str, match: str, age_sql: str, params: dict, cap: int, *, wide: bool = False
) -> list:
    if not wide:
        return _sqlite_rows(
            session,
            f"SELECT s.id, s.name FROM {index} f JOIN service s ON s.rowid = f.rowid"
            f" WHERE {index} MATCH :q{age_sql} LIMIT :cap",
            {**params, "q": match, "cap": cap},
        )
    row = _row_class(_WIDE)
    found = _sqlite_rows(
        session,
        f"SELECT {_WIDE} FROM {index} f JOIN service s ON s.rowid = f.rowid"
        f" LEFT JOIN organization o ON o.id = s.organization_id WHERE {index} MATCH :q{age_sql} LIMIT :cap",
        {**params, "q": match, "cap": cap},
    )
    return [row(values) for values in found]


def _sqlite_rows(session: Session, sql: str, params: dict) -> list[tuple]:
    """Rows straight from the driver (sqlite3 takes ``:name`` parameters itself): at every
    keystroke, SQLAlchemy's result rows cost more than the query."""
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def _next_after(word: str) -> str:
    """The first string after every string that starts with ``word`` (for a prefix range)."""
    return word[:-1] + chr(ord(word[-1]) + 1)


def _sqlite_close_words(session: Session, word: str) -> list[str]:
    word = db_objects.fold(word)  # as the index and its vocabulary keep words
    known = _sqlite_rows(
        session,
        "SELECT 1 FROM directory_term WHERE term >= :low AND term < :high LIMIT 1",
        {"low": word, "high": _next_after(word)},
    )
    if known:
        return []
    rows = _sqlite_rows(
        session,
        "SELECT t.term FROM directory_term_trigram f JOIN directory_term t ON t.rowid = f.rowid"
        " WHERE directory_term_trigram MATCH :q ORDER BY f.rank LIMIT 100",
        {"q": " OR ".join(_phrase(g) for g in sorted(ranking.trigrams(word)))},
    )
    return ranking.pick_close(word, [row[0] for row in rows])


_BACKENDS = {
    "sqlite": _Backend(_sqlite_browse, _sqlite_candidates, _sqlite_close_words),
    "postgresql": _Backend(search_pg.browse, search_pg.candidates, search_pg.close_words),
}
_PORTABLE = _Backend(_portable_browse, _portable_candidates, None)


def _backend(session: Session) -> _Backend:
    return _BACKENDS.get(session.get_bind().dialect.name, _PORTABLE)


class _Row(tuple):
    """A driver row read by column name (as SQLAlchemy's rows are)."""

    __slots__ = ()
    names: dict[str, int] = {}

    def __getattr__(self, name):
        return self[self.names[name]]


@lru_cache(maxsize=16)
def _row_class(columns: str) -> type:
    names = [part.rsplit(" AS ", 1)[-1].split(".")[-1].strip() for part in columns.split(", ")]
    return type("Row", (_Row,), {"__slots__": (), "names": {name: i for i, name in enumerate(names)}})


def _rows(session: Session, columns: str, ids: list[str]) -> dict:
    """Some columns of the services ``ids`` (JSON lists as their text: see ``_json``), by id."""
    if not ids:
        return {}
    if session.get_bind().dialect.name == "sqlite":
        marks = ", ".join(f":i{n}" for n in range(len(ids)))
        row = _row_class(columns)
        found = _sqlite_rows(
            session,
            f"SELECT {columns} FROM service s LEFT JOIN organization o ON o.id = s.organization_id"
            f" WHERE s.id IN ({marks})",
            {f"i{n}": service_id for n, service_id in enumerate(ids)},
        )
        return {values[0]: row(values) for values in found}
    statement = text(
        f"SELECT {columns} FROM service s LEFT JOIN organization o ON o.id = s.organization_id WHERE s.id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    return {row.id: row for row in session.execute(statement, {"ids": ids})}


def _text_rows(session: Session, ids: list[str]) -> dict:
    """What scoring reads of each candidate."""
    return _rows(
        session,
        "s.id, s.name, s.alternate_name, s.description, o.name AS organization, "
        + _as_text(session, "s.categories", "s.populations", "s.taxonomy_terms"),
        ids,
    )


def _eligibility_rows(session: Session, ids: list[str]) -> dict:
    """What eligibility reads of each candidate."""
    rows = _rows(
        session,
        "s.id, s.minimum_age, s.maximum_age, s.interpretation_services, s.service_area, "
        + _as_text(session, "s.genders", "s.languages", "s.populations"),
        ids,
    )
    return {service_id: _Eligible(row) for service_id, row in rows.items()}


def _as_text(session: Session, *columns: str) -> str:
    cast = "CAST({} AS TEXT)" if session.get_bind().dialect.name == "postgresql" else "{}"
    return ", ".join(cast.format(column) + " AS " + column.split(".")[-1] for column in columns)


class _Eligible:
    """A service's eligibility fields from a raw row, for ``eligibility``."""

    __slots__ = ("minimum_age", "maximum_age", "interpretation_services", "genders", "languages", "populations")
    __slots__ += ("service_area",)

    def __init__(self, row):
        self.minimum_age, self.maximum_age, self.service_area = row.minimum_age, row.maximum_age, row.service_area
        self.interpretation_services = row.interpretation_services
        self.genders, self.languages, self.populations = (
            _json(row.genders),
            _json(row.languages),
            _json(row.populations),
        )


@lru_cache(maxsize=1)
def _hit_query():
    """What a result line shows, for the services in the expanding parameter ``ids``; built
    once (building the statement costs more than running it)."""
    service, org = Service.__table__, Organization.__table__
    sal, location, phone = ServiceAtLocation.__table__, Location.__table__, Phone.__table__

    def first_place(column):
        return (
            sa_select(column)
            .select_from(sal.join(location, location.c.id == sal.c.location_id))
            .where(sal.c.service_id == service.c.id)
            .order_by(sal.c.id)
            .limit(1)
            .scalar_subquery()
        )

    return (
        sa_select(
            service.c.id,
            service.c.name,
            org.c.name.label("organization"),
            service.c.description,
            service.c.categories,
            service.c.last_verified_on,
            first_place(location.c.city).label("city"),
            first_place(location.c.postal_code).label("postal_code"),
            sa_select(phone.c.number)
            .where(phone.c.service_id == service.c.id)
            .order_by(phone.c.id)
            .limit(1)
            .scalar_subquery()
            .label("phone"),
        )
        .select_from(service.outerjoin(org, org.c.id == service.c.organization_id))
        .where(service.c.id.in_(bindparam("ids", expanding=True)))
    )


_HIT_COLUMNS_SQLITE = (
    "s.id, s.name, o.name AS organization, s.description, s.categories AS categories, "
    "s.last_verified_on AS last_verified_on, "
    "(SELECT l.city FROM service_at_location sal JOIN location l ON l.id = sal.location_id"
    " WHERE sal.service_id = s.id ORDER BY sal.id LIMIT 1) AS city, "
    "(SELECT l.postal_code FROM service_at_location sal JOIN location l ON l.id = sal.location_id"
    " WHERE sal.service_id = s.id ORDER BY sal.id LIMIT 1) AS postal_code, "
    "(SELECT p.number FROM phone p WHERE p.service_id = s.id ORDER BY p.id LIMIT 1) AS phone"
)


class _HitRow:
    __slots__ = ("id", "name", "organization", "description", "categories", "last_verified_on", "city")
    __slots__ += ("postal_code", "phone")

    def __init__(self, row):
        self.id, self.name, self.organization, self.description = row.id, row.name, row.organization, row.description
        self.categories = list(_json(row.categories))
        day = row.last_verified_on
        self.last_verified_on = date.fromisoformat(day) if isinstance(day, str) else day
        self.city, self.postal_code, self.phone = row.city, row.postal_code, row.phone


_HITS_PG = text(
    "SELECT s.id, s.name, o.name AS organization, s.description, CAST(s.categories AS TEXT) AS categories,"
    " s.last_verified_on, l.city, l.postal_code, p.number AS phone"
    " FROM service s LEFT JOIN organization o ON o.id = s.organization_id"
    " LEFT JOIN LATERAL (SELECT l.city, l.postal_code FROM service_at_location sal"
    "   JOIN location l ON l.id = sal.location_id WHERE sal.service_id = s.id ORDER BY sal.id LIMIT 1) l ON true"
    " LEFT JOIN LATERAL (SELECT number FROM phone WHERE service_id = s.id ORDER BY id LIMIT 1) p ON true"
    " WHERE s.id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def _hit_rows(session: Session, ids: list[str]) -> dict:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":  # straight from the driver, as the candidates
        return {service_id: _HitRow(row) for service_id, row in _rows(session, _HIT_COLUMNS_SQLITE, ids).items()}
    if dialect == "postgresql":  # lateral joins: one plan, not three subplans a row
        return {row.id: _HitRow(row) for row in session.execute(_HITS_PG, {"ids": ids})}
    return {row.id: row for row in session.execute(_hit_query(), {"ids": ids})}


def _hits(
    session: Session,
    ranked: list[tuple[str, float]],
    checks: dict,
    profile: ClientProfile | None,
    today: date,
    words: list[str],
) -> list[ServiceHit]:
    if not ranked:
        return []
    services = _hit_rows(session, [service_id for service_id, _ in ranked])
    schedules = openings_of(session, list(services))
    hits = []
    for service_id, score in ranked:
        service = services.get(service_id)
        if service is None:
            continue
        found = checks.get(service_id, [])
        hits.append(
            ServiceHit(
                id=service.id,
                name=service.name,
                organization=service.organization or "",
                # A result shown for a client reads its eligibility in place of the snippet.
                snippet="" if profile is not None else _snippet(service.description, words),
                categories=list(service.categories or []),
                city=service.city,
                postal_code=service.postal_code,
                phone=service.phone,
                last_verified_on=service.last_verified_on,
                stale=is_stale(service.last_verified_on, today),
                eligibility=found,
                eligible=overall(found) if profile is not None else None,
                score=float(score),
                hours_today=hours.hours_on(schedules.get(service_id, []), today),
            )
        )
    return hits


def openings_of(session: Session, ids: list[str]) -> dict[str, list[hours.Opening]]:
    """The opening hours (as data) of the services ``ids``: id -> [Opening]."""
    if not ids:
        return {}
    statement = text(
        "SELECT service_id, weekday, opens_at, closes_at, valid_from, valid_to FROM service_schedule"
        " WHERE service_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    found: dict[str, list[hours.Opening]] = {}
    if session.get_bind().dialect.name == "sqlite":  # straight from the driver, as the candidates
        marks = ", ".join(f":i{n}" for n in range(len(ids)))
        rows = _sqlite_rows(
            session,
            "SELECT service_id, weekday, opens_at, closes_at, valid_from, valid_to FROM service_schedule"
            f" WHERE service_id IN ({marks})",
            {f"i{n}": service_id for n, service_id in enumerate(ids)},
        )
    else:
        rows = session.execute(statement, {"ids": ids})
    for service_id, weekday, opens, closes, start, end in rows:
        start = date.fromisoformat(start) if isinstance(start, str) else start
        end = date.fromisoformat(end) if isinstance(end, str) else end
        found.setdefault(service_id, []).append(hours.Opening(weekday, opens, closes, start, end))
    return found


def _snippet(description: str | None, words: list[str], width: int = 160) -> str:
    """A short piece of the description, around the first word searched for when it is there."""
    text_ = " ".join((description or "").split())
    if len(text_) <= width:
        return text_
    start = 0
    lowered = db_objects.fold(text_)
    match = None
    for word in words:
        match = re.search(r"\b" + re.escape(word), lowered)
        if match:
            start = max(0, match.start() - 40)
            break
    if start:
        space = text_.find(" ", start)
        start = space + 1 if 0 <= space < match.start() else start
    piece = text_[start : start + width]
    cut = piece.rfind(" ")
    if start + width < len(text_) and cut > width // 2:
        piece = piece[:cut]
    return ("…" if start else "") + piece + ("…" if start + len(piece) < len(text_) else "")


# --- suggestions -----------------------------------------------------------------------------


def suggest_for_client(session: Session, profile: ClientProfile, *, today: date, limit: int = 50) -> list[ServiceHit]:
    """Services for the client's needs: eligible first, then more needs met, nearby, verified recently."""
    if not profile.needs:
        return []
    backend = _backend(session)
    near = [p for p in (profile.city, profile.postal_code) if p]
    scores: dict[str, float] = {}
    nearby: set[str] = set()
    for rank, need in enumerate(profile.needs):
        found: set[str] = set()
        for place in near + [None]:
            ids = backend.browse(session, SearchFilters(category=need, place=place), max(limit, 50))
            found.update(ids)
            if place is not None:
                nearby.update(ids)
        for service_id in found:
            # Earlier (more urgent) needs weigh more; a service meeting several needs adds up.
            scores[service_id] = scores.get(service_id, 0.0) + 10.0 - min(rank, 9)
    # Judged and ordered on a light read of every service found; the result lines are read
    # for the best ``limit`` only.
    rows = _rows(
        session,
        "s.id, s.name, o.name AS organization, s.last_verified_on, s.minimum_age, s.maximum_age, "
        "s.interpretation_services, s.service_area, " + _as_text(session, "s.genders", "s.languages", "s.populations"),
        list(scores),
    )
    order = []
    checks = {}
    for service_id, row in rows.items():
        checks[service_id] = eligibility(_Eligible(row), profile, today)
        verified = row.last_verified_on
        verified = date.fromisoformat(verified) if isinstance(verified, str) else verified
        score = (
            scores[service_id] + (1.0 if service_id in nearby else 0.0) - (0.5 if is_stale(verified, today) else 0.0)
        )
        scores[service_id] = score
        key = (VERDICT_ORDER[overall(checks[service_id])], -score, -(verified or date.min).toordinal())
        order.append((key, row.name, row.organization or "", service_id))
    order.sort()
    best = [(service_id, scores[service_id]) for *_, service_id in order[:limit]]
    return _hits(session, best, checks, profile, today, [])


# --- one service -----------------------------------------------------------------------------


def get_service(session: Session, service_id: str) -> ServiceDetail:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFoundError("That service is no longer in the directory.")
    organization = session.get(Organization, service.organization_id) if service.organization_id else None
    locations = list(
        session.exec(
            select(Location)
            .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
            .where(ServiceAtLocation.service_id == service_id)
            .order_by(ServiceAtLocation.id)
        )
    )
    phones = list(session.exec(select(Phone).where(Phone.service_id == service_id).order_by(Phone.id)))
    if not phones and organization is not None:
        phones = list(
            session.exec(
                select(Phone)
                .where(Phone.organization_id == organization.id, Phone.service_id.is_(None))
                .order_by(Phone.id)
            )
        )
    # The service's own contacts, and its organization's general ones.
    whose = ResourceContact.service_id == service_id
    if service.organization_id:
        whose = or_(
            whose, (ResourceContact.organization_id == service.organization_id) & ResourceContact.service_id.is_(None)
        )
    contacts = list(session.exec(select(ResourceContact).where(whose).order_by(ResourceContact.id)))
    return ServiceDetail(service, organization, locations, phones, contacts)


EDITABLE_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "status",
    "interpretation_services",
    "application_process",
    "fees_description",
    "schedule_description",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "genders",
    "languages",
    "populations",
    "categories",
    "service_area",
)
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part).strip() for part in value if str(part).strip()]


def clean_service_fields(values: dict) -> dict:
    """Validate edits to a service; one ValidationError lists every bad field."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "cannot be edited here." for name in sorted(unknown)})
    checks = []
    long_text = {
        "description",
        "interpretation_services",
        "application_process",
        "fees_description",
        "schedule_description",
        "eligibility_description",
        "service_area",
    }
    labels = {
        "name": "Name",
        "alternate_name": "Other name",
        "description": "Description",
        "url": "Website",
        "interpretation_services": "Interpretation",
        "application_process": "How to apply",
        "fees_description": "Fees",
        "schedule_description": "Hours",
        "eligibility_description": "Eligibility",
        "service_area": "Service area",
    }
    for name, label in labels.items():
        if name in values:
            checks.append(
                (
                    name,
                    lambda n=name, l=label: v.text(
                        values[n], n, l, required=n == "name", max_length=5000 if n in long_text else 250
                    ),
                )
            )
    if "email" in values:
        checks.append(("email", lambda: v.email(values["email"])))
    if "status" in values:
        checks.append(("status", lambda: v.choice(values["status"] or "active", "status", "Status", SERVICE_STATUSES)))
    for name, label in (("minimum_age", "Minimum age"), ("maximum_age", "Maximum age")):
        if name in values:
            checks.append((name, lambda n=name, l=label: v.parse_int(values[n], n, l, minimum=0, maximum=120)))
    if "genders" in values:

        def genders():
            raw = _as_list(values["genders"])
            codes = [gender_code(g) for g in raw]
            bad = [r for r, c in zip(raw, codes) if c is None]
            if bad:
                raise ValidationError("genders", f"Unknown gender: {', '.join(bad)}.")
            return list(dict.fromkeys(codes))

        checks.append(("genders", genders))
    if "languages" in values:
        checks.append(
            ("languages", lambda: list(dict.fromkeys(language_code(x) for x in _as_list(values["languages"]))))
        )
    if "populations" in values:
        checks.append(
            (
                "populations",
                lambda: v.choices(_as_list(values["populations"]), "populations", "Populations", vocab.POPULATIONS),
            )
        )
    if "categories" in values:
        checks.append(
            (
                "categories",
                lambda: v.choices(_as_list(values["categories"]), "categories", "Need categories", vocab.DOMAINS),
            )
        )
    clean = v.collect(*checks)
    low = clean.get("minimum_age", values.get("minimum_age"))
    high = clean.get("maximum_age", values.get("maximum_age"))
    if "minimum_age" in clean and "maximum_age" in clean and low is not None and high is not None and low > high:
        raise ValidationError("maximum_age", "Maximum age must be at least the minimum age.")
    return clean


def update_service(
    session: Session, service_id: str, values: dict, today: date, *, expected_version: int | None = None
) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFoundError("That service is no longer in the directory.")
    clean = clean_service_fields(values)
    low = clean.get("minimum_age", service.minimum_age)
    high = clean.get("maximum_age", service.maximum_age)
    if low is not None and high is not None and low > high:
        raise ValidationError("maximum_age", "Maximum age must be at least the minimum age.")
    concurrency.claim_version(session, service, expected_version, "service")
    changed = audit.changed_fields(service, clean)
    service.updated_at = utcnow()
    session.add(service)
    audit.record(session, "update", "service", service.id, fields=changed)
    session.flush()
    return service


def mark_verified(session: Session, service_id: str, today: date) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFoundError("That service is no longer in the directory.")
    concurrency.claim_version(session, service, None, "service")
    service.last_verified_on = today
    service.updated_at = utcnow()
    session.add(service)
    audit.record(session, "update", "service", service.id, fields=["last_verified_on"])
    session.flush()
    return service


def rebuild_search_index(session: Session) -> None:
    """Rebuild the full-text indexes from the directory tables (SQLite); part of the caller's transaction."""
    if session.get_bind().dialect.name in ("sqlite", "postgresql"):
        db_objects.rebuild_search_indexes(session)
