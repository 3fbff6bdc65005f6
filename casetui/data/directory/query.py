"""What a directory search is asked and what it answers: plain data shapes the screens and
widgets show, with the limits both searches keep. No database here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casetui.data.storage.models import Location, Organization, Phone, ResourceContact, Service

# Candidates looked at per search, taken in index order: a broad 1-3 letter prefix then costs
# the same as a precise word. (FTS5's bm25 is not used: its per-query statistics walk every
# match of every phrase, filter tags included, which costs 10-30 ms on 100,000 services.)
CANDIDATES = 200
DESCRIPTION_CANDIDATES = 60
PARTIAL_CANDIDATES = 100  # services holding some of the words, when few hold them all


@dataclass
class SearchFilters:
    category: str | None = None
    age: int | None = None
    gender: str | None = None
    language: str | None = None
    population: str | None = None
    place: str | None = None  # a city or a postal code
    open_at: datetime | None = None  # open at this moment ("open now")
    open_on: date | None = None  # open at some time that day
    near: str | None = None  # a US ZIP code: results carry their distance from it
    sort: str = "relevance"  # or "distance" (nearest first, within each verdict)

    def is_empty(self) -> bool:
        return all(
            value in (None, "")
            for value in (
                self.category,
                self.age,
                self.gender,
                self.language,
                self.population,
                self.place,
                self.open_at,
                self.open_on,
            )
        )


@dataclass
class ClientProfile:
    age: int | None = None
    gender: str | None = None
    language: str | None = None
    populations: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    city: str | None = None
    postal_code: str | None = None
    interpreter_needed: bool = False


@dataclass
class EligibilityCheck:
    criterion: str
    ok: bool | None
    reason: str
    warning: bool = False  # met, but worth a look (a language the client may not speak)


@dataclass
class ServiceHit:
    id: str
    name: str
    organization: str
    snippet: str
    categories: list[str]
    city: str | None
    postal_code: str | None
    phone: str | None
    last_verified_on: date | None
    stale: bool
    eligibility: list[EligibilityCheck] = field(default_factory=list)
    eligible: bool | None = None
    score: float = 0.0
    hours_today: str | None = None  # "9:00-17:00", "closed", or None when not known as data
    distance_miles: float | None = None  # from SearchFilters.near, to the nearest location


@dataclass
class ServiceDetail:
    service: Service
    organization: Organization | None
    locations: list[Location]
    phones: list[Phone]
    contacts: list[ResourceContact]


def age_condition(filters: SearchFilters) -> tuple[str, dict]:
    if filters.age in (None, ""):
        return "", {}
    return (
        " AND (s.minimum_age IS NULL OR s.minimum_age <= :age) AND (s.maximum_age IS NULL OR s.maximum_age >= :age)",
        {"age": int(filters.age)},
    )


def hours_condition(filters: SearchFilters, dialect: str) -> tuple[str, dict]:
    """ "Open now" / "open on a day" as a condition on ``service_schedule`` (SQL for ``s``)."""
    moment = filters.open_at
    day = moment.date() if moment else filters.open_on
    if day is None:
        return "", {}
    params = {"h_weekday": day.isoweekday(), "h_day": day if dialect == "postgresql" else day.isoformat()}
    sql = (
        " AND EXISTS (SELECT 1 FROM service_schedule h WHERE h.service_id = s.id AND h.weekday = :h_weekday"
        " AND (h.valid_from IS NULL OR h.valid_from <= :h_day) AND (h.valid_to IS NULL OR h.valid_to >= :h_day)"
    )
    if moment is not None:
        sql += " AND h.opens_at <= :h_clock AND h.closes_at > :h_clock"
        params["h_clock"] = f"{moment:%H:%M}"
    return sql + ")", params


def filter_condition(filters: SearchFilters, dialect: str) -> tuple[str, dict]:
    """The filters that are not index tags (age, opening hours) as SQL over ``s``."""
    age_sql, age_params = age_condition(filters)
    hours_sql, hours_params = hours_condition(filters, dialect)
    return age_sql + hours_sql, {**age_params, **hours_params}
