"""The daily caseload: everything due across open cases, and one summary row per case.

The queries are plain SQL over a handful of tables, read in a few statements whatever the
number of cases (never one query per case). They run on a SQLModel ``Session`` (SQLite or
PostgreSQL) or on a read-only stdlib ``sqlite3`` connection: the app paints its first screen
from the latter (``first_caseload``: only the most urgent rows), before SQLAlchemy and pydantic
have been imported. So this module imports neither at module level.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from casetui.data.domain import vocab
from casetui.data.storage import files

if TYPE_CHECKING:
    from sqlmodel import Session

# A safety flag (PHQ-9 item 9 above 0) awaiting follow-up comes before anything overdue.
SAFETY, OVERDUE, TODAY, THIS_WEEK, LATER = -1, 0, 1, 2, 3
URGENCY_LABELS = {SAFETY: "Safety", OVERDUE: "Overdue", TODAY: "Today", THIS_WEEK: "This week", LATER: "Later"}
WEEK_DAYS = 7

# Setting defaults, repeated from ``settings.DEFAULTS`` (which imports sqlmodel).
_SETTING_DEFAULTS = {"no_contact_days": 30, "consent_warning_days": 30}


class DueItem(NamedTuple):
    """One thing due on one case. ``kind``: review, goal, objective, referral, consent,
    safety or no_contact. A tuple whose order is the caseload's: urgency, then date."""

    urgency: int
    due_on: date
    case_id: int
    client_id: int
    kind: str
    subject: str  # what is due: a goal's statement, a service's name...; the label is built from it

    @property
    def urgency_label(self) -> str:
        return URGENCY_LABELS[self.urgency]

    @property
    def label(self) -> str:
        return _LABELS[self.kind](self.subject)


_LABELS = {
    "review": lambda subject: "Case review",
    "safety": lambda subject: "Safety flag: follow up" + (f" ({_short(subject, 36)})" if subject else ""),
    "goal": lambda subject: f"Goal due: {_short(subject)}",
    "objective": lambda subject: f"Objective: {_short(subject)}",
    "referral": lambda subject: f"Follow up referral: {_short(subject, 40)}",
    "no_contact": lambda subject: subject,
    "consent": lambda subject: subject,
}


@dataclass
class CaseloadRow:
    """One open case as the caseload table shows it."""

    case_id: int
    client_id: int
    client_name: str  # "Last, First" (preferred name first if any)
    search_text: str  # lower-case first, preferred and last names, for filtering
    stage: str
    worker: str
    program: str
    opened_on: date
    open_goals: int = 0
    last_contact_on: date | None = None
    days_since_contact: int = 0
    consent: str = "none"  # current | expiring | expired | revoked | none
    safety_flag: bool = False
    next_item: DueItem | None = None  # the most urgent thing due
    overdue_count: int = 0
    week_count: int = 0  # due from today to a week ahead

    @property
    def overdue(self) -> bool:
        return self.overdue_count > 0

    @property
    def due_this_week(self) -> bool:
        """Something falls due from today to a week ahead (overdue items aside)."""
        return self.week_count > 0

    def count(self, item: DueItem) -> None:
        if self.next_item is None or item < self.next_item:
            self.next_item = item
        if item.urgency <= OVERDUE:
            self.overdue_count += 1
        elif item.urgency != LATER:
            self.week_count += 1

    @property
    def sort_key(self) -> tuple:
        item = self.next_item
        if item is None:
            return (LATER + 1, date.max, self.client_name, self.case_id)
        return (item.urgency, item.due_on, self.client_name, self.case_id)


@dataclass
class Caseload:
    rows: list[CaseloadRow]  # sorted by urgency, then date, then name
    items: list[DueItem]  # by urgency, then date; empty unless asked for (with_items)
    workers: list[str] = field(default_factory=list)  # everyone holding open cases
    complete: bool = True  # False: only the most urgent rows (``first_caseload``)
    week_end: date | None = None  # the last day "this week" counts (today + WEEK_DAYS)

    def summary(self, rows: list[CaseloadRow] | None = None) -> str:
        """Counts of cases, saying what each includes: a case both overdue and due this week
        counts in both."""
        if not self.complete:
            return f"The {len(self.rows)} most urgent cases · reading the rest of the caseload…"
        rows = self.rows if rows is None else rows
        overdue = sum(1 for row in rows if row.overdue)
        week = sum(1 for row in rows if row.due_this_week)
        by = f" (today to {self.week_end:%a %d %b})" if self.week_end else ""
        return f"{overdue} overdue · {week} due this week{by} · {len(rows)} open"


def urgency_of(due_on: date, today: date) -> int:
    if due_on < today:
        return OVERDUE
    if due_on == today:
        return TODAY
    if due_on <= today + timedelta(days=WEEK_DAYS):
        return THIS_WEEK
    return LATER


# --- reading from either kind of connection ------------------------------------------------


def _fetch(conn, sql: str, params: dict) -> list[tuple]:
    if isinstance(conn, sqlite3.Connection):
        return conn.execute(sql, params).fetchall()
    from sqlalchemy import text

    return [tuple(row) for row in conn.execute(text(sql), params)]


def _day(value, _parse=date.fromisoformat) -> date | None:
    """SQLite hands dates back as ISO text, PostgreSQL as dates."""
    if value.__class__ is str:
        return _parse(value[:10])
    return value


def _in(values) -> str:
    # Our own vocabulary codes, never user input: safe to write into the statement.
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def _valid(entity: str, alias: str) -> str:
    """Not marked entered in error: ``corrections.SQL_VALID`` (that module imports sqlmodel)."""
    return f"NOT EXISTS (SELECT 1 FROM correction x WHERE x.entity = '{entity}' AND x.entity_id = {alias}.id)"


_OPEN_CASES = """
    SELECT c.id, c.client_id, c.stage, c.worker, c.program, c.opened_on, c.next_review_on,
           c.safety_flag, c.safety_flag_reason, cl.first_name, cl.preferred_name, cl.last_name
    FROM case_file c JOIN client cl ON cl.id = c.client_id
    WHERE c.closed_on IS NULL {worker}
"""
_GOAL_COUNTS = f"""
    SELECT g.case_id, COUNT(*)
    FROM goal g JOIN case_file c ON c.id = g.case_id
    WHERE c.closed_on IS NULL {{worker}} AND g.lifecycle_status IN {_in(vocab.GOAL_LIFECYCLE_OPEN)}
      AND {_valid("goal", "g")}
    GROUP BY g.case_id
"""
# Everything due that the tables say directly: (case_id, due_on, kind, subject).
_DUE = f"""
    SELECT c.id AS case_id, c.next_review_on AS due_on, 'review' AS kind, '' AS subject
    FROM case_file c WHERE c.closed_on IS NULL {{worker}} AND c.next_review_on IS NOT NULL
    UNION ALL
    SELECT g.case_id, g.due_on, 'goal', g.statement
    FROM goal g JOIN case_file c ON c.id = g.case_id
    WHERE c.closed_on IS NULL {{worker}} AND g.lifecycle_status IN {_in(vocab.GOAL_LIFECYCLE_OPEN)}
      AND {_valid("goal", "g")}
    UNION ALL
    SELECT g.case_id, o.due_on, 'objective', o.text
    FROM objective o JOIN goal g ON g.id = o.goal_id JOIN case_file c ON c.id = g.case_id
    WHERE c.closed_on IS NULL {{worker}} AND g.lifecycle_status IN {_in(vocab.GOAL_LIFECYCLE_OPEN)}
      AND o.done_on IS NULL AND o.due_on IS NOT NULL AND {_valid("goal", "g")}
    UNION ALL
    SELECT r.case_id, r.follow_up_on, 'referral', r.service_name
    FROM referral r JOIN case_file c ON c.id = r.case_id
    WHERE c.closed_on IS NULL {{worker}} AND r.follow_up_on IS NOT NULL
      AND r.status NOT IN {_in(vocab.REFERRAL_CLOSED)} AND {_valid("referral", "r")}
"""
# Per case: the most urgent of those, and how many are overdue or due within the week. The
# database does the counting, so thousands of items never become Python objects. The first
# item is the least "date|kind|subject" text: ISO dates sort as text, in SQLite and PostgreSQL.
_FIRST_DUE = """
    SELECT case_id, MIN(CAST(due_on AS VARCHAR(10)) || '|' || kind || '|' || subject),
           SUM(CASE WHEN due_on < :today THEN 1 ELSE 0 END),
           SUM(CASE WHEN due_on >= :today AND due_on <= :week_end THEN 1 ELSE 0 END)
    FROM ({due}) AS due
    GROUP BY case_id
"""
_CONSENTS = f"""
    SELECT s.client_id, s.id, s.recipient, s.signed_on, s.expires_on, s.revoked_on
    FROM consent s
    WHERE s.client_id IN (SELECT c.client_id FROM case_file c WHERE c.closed_on IS NULL {{worker}})
      AND {_valid("consent", "s")}
"""
# A contact is a note of any kind but a plain case note (not entered in error), or an appointment attended.
_CONTACTS = f"""
    SELECT n.case_id, n.occurred_on AS contact_on
    FROM note n JOIN case_file c ON c.id = n.case_id
    WHERE c.closed_on IS NULL {{worker}} AND n.kind <> 'note' AND {_valid("note", "n")}
    UNION ALL
    SELECT a.case_id, a.starts_on
    FROM appointment a JOIN case_file c ON c.id = a.case_id
    WHERE c.closed_on IS NULL {{worker}} AND a.status = 'attended'
"""
_LAST_CONTACTS = f"""
    SELECT case_id, MAX(contact_on) FROM ({_CONTACTS}) AS contact GROUP BY case_id
"""
_SETTINGS = "SELECT key, value FROM setting WHERE key IN ('no_contact_days', 'consent_warning_days')"


def _query(
    conn, sql: str, worker: str | None, params: dict | None = None, cases: list[int] | None = None
) -> list[tuple]:
    where = "AND c.worker = :worker" if worker else ""
    if cases is not None:  # ids this module read itself: safe to write into the statement
        where += f" AND c.id IN ({', '.join(str(int(case_id)) for case_id in cases)})"
    statement = sql.format(worker=where, due=_DUE.format(worker=where))
    return _fetch(conn, statement, {**({"worker": worker} if worker else {}), **(params or {})})


def _is_sqlite(conn) -> bool:
    return isinstance(conn, sqlite3.Connection) or conn.get_bind().dialect.name == "sqlite"


def _settings(conn) -> dict[str, int]:
    values = dict(_SETTING_DEFAULTS)
    for key, value in _fetch(conn, _SETTINGS, {}):
        try:
            values[key] = int(value)
        except ValueError:
            pass  # a bad stored value: keep the default rather than hide the caseload
    return values


def _short(text: str, width: int = 48) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def consent_state(
    signed_on: date, expires_on: date | None, revoked_on: date | None, today: date, warning_days: int
) -> str:
    """current | expiring | expired | revoked | not_yet, as ``consent.status`` computes it."""
    if revoked_on and revoked_on <= today:
        return "revoked"
    if signed_on > today:
        return "not_yet"
    if expires_on and expires_on < today:
        return "expired"
    if expires_on and expires_on <= today + timedelta(days=warning_days):
        return "expiring"
    return "current"


_CONSENT_RANK = {"expired": 0, "expiring": 1, "current": 2, "not_yet": 3, "revoked": 4}


def load_caseload(
    conn: Session | sqlite3.Connection,
    today: date,
    *,
    worker: str | None = None,
    with_items: bool = False,
    limit: int | None = None,
) -> Caseload:
    """Every open case (of ``worker``, or everyone's) with its most urgent item and counts, in
    seven queries; ``with_items`` also lists every item due (one query more).

    ``limit`` (on a stdlib ``sqlite3`` connection: the first paint) reads only the ``limit``
    most urgent cases, found by one more query that ranks them all in SQLite; the rows are
    those of the whole caseload, and ``complete`` says whether there are more."""
    config = _settings(conn)
    cases = None
    if limit is not None:
        cases = _most_urgent(conn, today, worker, config, limit + 1)
        if len(cases) <= limit:
            limit = None  # that is every case: the caseload is complete
        cases = cases[:limit]

    def query(sql: str, params: dict | None = None) -> list[tuple]:
        return _query(conn, sql, worker, params, cases)

    rows: dict[int, CaseloadRow] = {}
    items: list[DueItem] = []
    week_end = today + timedelta(days=WEEK_DAYS)

    def urgency(due_on: date) -> int:
        return OVERDUE if due_on < today else TODAY if due_on == today else THIS_WEEK if due_on <= week_end else LATER

    def add(case_id: int, kind: str, due_on: date, subject: str) -> None:
        """An item worked out here rather than in SQL (safety, no contact, consents)."""
        row = rows.get(case_id)
        if row is not None:
            item = DueItem(
                SAFETY if kind == "safety" else urgency(due_on), due_on, case_id, row.client_id, kind, subject
            )
            row.count(item)
            if with_items:
                items.append(item)

    for (
        case_id,
        client_id,
        stage,
        case_worker,
        program,
        opened_on,
        _review_on,
        safety,
        safety_reason,
        first,
        preferred,
        last,
    ) in query(_OPEN_CASES):
        rows[case_id] = CaseloadRow(
            case_id=case_id,
            client_id=client_id,
            client_name=f"{last}, {preferred or first}",
            search_text=" ".join(filter(None, (first, preferred, last))).lower(),
            stage=stage,
            worker=case_worker,
            program=program,
            opened_on=_day(opened_on),
            safety_flag=bool(safety),
        )
        if safety:
            add(case_id, "safety", today, safety_reason or "")
    for case_id, count in query(_GOAL_COUNTS):
        if case_id in rows:
            rows[case_id].open_goals = int(count)

    # SQLite compares ISO text, PostgreSQL dates.
    bounds = {"today": today, "week_end": week_end}
    if _is_sqlite(conn):
        bounds = {key: value.isoformat() for key, value in bounds.items()}
    for case_id, first_due, overdue_n, week_n in query(_FIRST_DUE, bounds):
        row = rows.get(case_id)
        if row is not None and first_due:
            due_on, kind, subject = first_due.split("|", 2)
            due_on = _day(due_on)
            item = DueItem(urgency(due_on), due_on, case_id, row.client_id, kind, subject)
            if row.next_item is None or item < row.next_item:
                row.next_item = item
            row.overdue_count += int(overdue_n or 0)
            row.week_count += int(week_n or 0)
    if with_items:
        for case_id, due_on, kind, subject in query(_DUE):
            if case_id in rows:
                due_on = _day(due_on)
                items.append(DueItem(urgency(due_on), due_on, case_id, rows[case_id].client_id, kind, subject))

    last_contacts = {case_id: _day(when) for case_id, when in query(_LAST_CONTACTS)}
    no_contact_days = config["no_contact_days"]
    for row in rows.values():
        row.last_contact_on = last_contacts.get(row.case_id)
        since = row.last_contact_on or row.opened_on
        row.days_since_contact = (today - since).days
        if row.days_since_contact > no_contact_days:
            what = "contact" if row.last_contact_on else "contact since the case opened"
            add(
                row.case_id,
                "no_contact",
                since + timedelta(days=no_contact_days + 1),
                f"No {what} for {row.days_since_contact} days",
            )

    _add_consents(query, today, config["consent_warning_days"], rows, add)

    items.sort()  # tuples: urgency, date, then case
    ordered = sorted(rows.values(), key=lambda row: row.sort_key)
    return Caseload(ordered, items, workers(conn), complete=limit is None, week_end=week_end)


def _add_consents(query, today: date, warning_days: int, rows: dict[int, CaseloadRow], add) -> None:
    """Per client, the latest consent for each recipient decides; it shows when it is expiring or
    expired (a newer consent to the same recipient replaces an expired one)."""
    latest: dict[tuple[int, str], tuple] = {}
    for client_id, consent_id, recipient, signed_on, expires_on, revoked_on in query(_CONSENTS):
        key = (client_id, _recipient_key(recipient))
        signed = _day(signed_on)
        if key not in latest or (signed, consent_id) > (latest[key][0], latest[key][1]):
            latest[key] = (signed, consent_id, recipient, _day(expires_on), _day(revoked_on))
    by_client: dict[int, list[CaseloadRow]] = {}
    for row in rows.values():
        by_client.setdefault(row.client_id, []).append(row)
    for (client_id, _name), (signed, _id, recipient, expires_on, revoked_on) in latest.items():
        state = consent_state(signed, expires_on, revoked_on, today, warning_days)
        for row in by_client.get(client_id, []):
            if row.consent == "none" or _CONSENT_RANK[state] < _CONSENT_RANK.get(row.consent, 9):
                row.consent = state
            if state == "expiring":
                add(row.case_id, "consent", expires_on, f"Consent to {_short(recipient, 36)} expires")
            elif state == "expired":
                add(row.case_id, "consent", expires_on, f"Consent to {_short(recipient, 36)} expired")


def due_items(session: Session | sqlite3.Connection, today: date, *, worker: str | None = None) -> list[DueItem]:
    """Everything due on open cases, most urgent first (overdue, today, this week, later)."""
    return load_caseload(session, today, worker=worker, with_items=True).items


def caseload_rows(
    session: Session | sqlite3.Connection, today: date, *, worker: str | None = None
) -> list[CaseloadRow]:
    """One row per open case with its next action, most urgent first."""
    return load_caseload(session, today, worker=worker).rows


def workers(session: Session | sqlite3.Connection) -> list[str]:
    """Workers holding open cases, for the caseload's worker filter."""
    found = _fetch(session, "SELECT DISTINCT worker FROM case_file WHERE closed_on IS NULL", {})
    return sorted(name for (name,) in found if name)


# --- sorting -------------------------------------------------------------------------------


def _last_if_none(value) -> tuple:
    return (value is None, value if value is not None else 0)


# Per column of the caseload table (the screen's column keys): what sorting by it compares.
# Ties keep the caseload's own order (urgency, date, name).
CASELOAD_SORTS: dict[str, Callable[[CaseloadRow], object]] = {
    "client": lambda row: row.client_name.casefold(),
    "safety": lambda row: not row.safety_flag,  # flagged cases first
    "due": lambda row: row.sort_key,
    "when": lambda row: row.sort_key[0],
    "action": lambda row: _last_if_none(row.next_item and row.next_item.label.casefold()),
    "stage": lambda row: list(vocab.STAGES).index(row.stage) if row.stage in vocab.STAGES else len(vocab.STAGES),
    "goals": lambda row: row.open_goals,
    "contact": lambda row: row.days_since_contact,
    "consent": lambda row: _CONSENT_RANK.get(row.consent, len(_CONSENT_RANK)),
    "worker": lambda row: row.worker.casefold(),
}


def sort_rows(rows: list, sorts: dict[str, Callable], column: str, descending: bool = False) -> list:
    """``rows`` (in their default order) sorted by ``column``; equal rows keep their order, in
    either direction."""
    return sorted(rows, key=sorts[column], reverse=descending)


# --- closed cases and intake drafts -----------------------------------------------------------


@dataclass
class ClosedCase:
    """A closed case as the caseload's closed view lists it."""

    case_id: int
    client_id: int
    client_name: str
    search_text: str
    worker: str
    program: str
    opened_on: date
    closed_on: date
    reason: str  # the discharge reason as worded for people; "" when none was recorded


CLOSED_SORTS: dict[str, Callable[[ClosedCase], object]] = {
    "client": lambda row: row.client_name.casefold(),
    "closed": lambda row: row.closed_on,
    "reason": lambda row: row.reason.casefold(),
    "opened": lambda row: row.opened_on,
    "program": lambda row: row.program.casefold(),
    "worker": lambda row: row.worker.casefold(),
}


def _name(first: str | None, preferred: str | None, last: str | None) -> tuple[str, str]:
    """("Last, First" with the preferred name first if any, the lower-case words to filter on)."""
    return f"{last or ''}, {preferred or first or ''}", " ".join(filter(None, (first, preferred, last))).lower()


def closed_cases(session: Session, *, worker: str | None = None) -> list[ClosedCase]:
    """Closed cases (of ``worker``, or everyone's), the most recently closed first, each with the
    reason of the discharge that closed it."""
    from sqlmodel import select

    from casetui.data.storage.models import Case, Client, Discharge

    query = select(Case, Client).join(Client, Client.id == Case.client_id).where(Case.closed_on.is_not(None))
    if worker:
        query = query.where(Case.worker == worker)
    found = session.exec(query.order_by(Case.closed_on.desc(), Case.id.desc())).all()
    reasons: dict[int, str] = {}
    if found:
        discharges = session.exec(
            select(Discharge)
            .where(Discharge.closed_at.is_not(None), Discharge.case_id.in_([case.id for case, _client in found]))
            .order_by(Discharge.id)
        ).all()
        for discharge in discharges:  # by id: a case closed twice keeps its last discharge's reason
            if discharge.reason == "other":
                reasons[discharge.case_id] = _short(discharge.reason_other or "Other", 60)
            else:
                reasons[discharge.case_id] = vocab.DISCHARGE_REASONS.get(discharge.reason, discharge.reason or "")
    rows = []
    for case, client in found:
        name, search = _name(client.first_name, client.preferred_name, client.last_name)
        rows.append(
            ClosedCase(
                case_id=case.id,
                client_id=client.id,
                client_name=name,
                search_text=search,
                worker=case.worker,
                program=case.program,
                opened_on=case.opened_on,
                closed_on=case.closed_on,
                reason=reasons.get(case.id, ""),
            )
        )
    return rows


@dataclass
class DraftRow:
    """An unfinished intake (``case_id`` None: a new client) or reassessment, as listed."""

    draft_id: int
    case_id: int | None
    client_id: int | None
    client_name: str  # from the case's client, or what the new client's form has so far
    search_text: str
    worker: str  # whose draft: only they can resume it
    saved_at: datetime  # aware, UTC

    @property
    def what(self) -> str:
        return "Intake" if self.case_id is None else "Reassessment"


DRAFT_SORTS: dict[str, Callable[[DraftRow], object]] = {
    "client": lambda row: row.client_name.casefold(),
    "what": lambda row: row.what,
    "saved": lambda row: row.saved_at,
    "worker": lambda row: row.worker.casefold(),
}


def intake_drafts(session: Session, *, worker: str | None = None) -> list[DraftRow]:
    """Unfinished intakes and reassessments (of ``worker``, or everyone's), the latest saved
    first. A reassessment's draft on a case closed since is left out: it cannot be resumed."""
    from datetime import UTC

    from sqlmodel import select

    from casetui.data.storage.models import Case, Client, IntakeDraft

    query = (
        select(IntakeDraft, Case, Client)
        .join(Case, Case.id == IntakeDraft.case_id, isouter=True)
        .join(Client, Client.id == Case.client_id, isouter=True)
        .where((IntakeDraft.case_id.is_(None)) | (Case.closed_on.is_(None)))
    )
    if worker:
        query = query.where(IntakeDraft.worker == worker)
    rows = []
    for draft, case, client in session.exec(query.order_by(IntakeDraft.updated_at.desc(), IntakeDraft.id.desc())):
        if client is not None:
            name, search = _name(client.first_name, client.preferred_name, client.last_name)
        else:
            data = draft.data if isinstance(draft.data, dict) else {}
            first, preferred, last = (
                str(data.get(key) or "").strip() for key in ("first_name", "preferred_name", "last_name")
            )
            name, search = _name(first, preferred, last) if (first or last or preferred) else ("(no name yet)", "")
        saved = draft.updated_at if draft.updated_at.tzinfo else draft.updated_at.replace(tzinfo=UTC)
        rows.append(
            DraftRow(
                draft_id=draft.id,
                case_id=draft.case_id,
                client_id=case.client_id if case is not None else None,
                client_name=name,
                search_text=search,
                worker=draft.worker,
                saved_at=saved,
            )
        )
    return rows


# --- the first paint, before SQLAlchemy is imported ----------------------------------------

FIRST_ROWS = 50  # the caseload screen's first page: more than a 160x50 terminal shows


def _recipient_key(recipient: str) -> str:
    """Consents to one recipient, however its name was typed, are one series: the latest decides."""
    return " ".join(recipient.lower().split())


# ``_recipient_key`` in SQL: SQLite's lower() and trim() give the same for printable ASCII
# without double spaces (nearly every name typed); anything else asks Python.
_RECIPIENT_KEY = (
    "CASE WHEN s.recipient GLOB '*[^ -~]*' OR instr(s.recipient, '  ') THEN casetui_recipient(s.recipient) "
    "ELSE lower(trim(s.recipient)) END"
)
# Every open case ranked as ``load_caseload`` sorts them (CaseloadRow.sort_key), in one
# statement: SQLite does the work, not Python. Per case, the first date due of every kind of
# item: the _DUE items, no contact for too long, the latest consent to each recipient expiring
# or expired; a safety flag comes first. Dates are ISO text, which sorts as dates; '~' sorts
# after them all ("nothing due").
_RANKED = f"""
    WITH open_case AS (
        SELECT c.id, c.client_id, c.opened_on, c.safety_flag,
               cl.last_name || ', ' || COALESCE(NULLIF(cl.preferred_name, ''), cl.first_name) AS name
        FROM case_file c JOIN client cl ON cl.id = c.client_id
        WHERE c.closed_on IS NULL {{worker}}
    ),
    first_due AS (SELECT case_id, MIN(due_on) AS first_on FROM ({{due}}) AS due GROUP BY case_id),
    last_contact AS (
        SELECT case_id, MAX(contact_on) AS last_on FROM ({_CONTACTS}) AS contact GROUP BY case_id
    ),
    consent_due AS (
        SELECT client_id, MIN(expires_on) AS first_on
        FROM (
            SELECT s.client_id, s.signed_on, s.expires_on, s.revoked_on, ROW_NUMBER() OVER (
                PARTITION BY s.client_id, {_RECIPIENT_KEY} ORDER BY s.signed_on DESC, s.id DESC
            ) AS nth
            FROM consent s
            WHERE s.client_id IN (SELECT c.client_id FROM case_file c WHERE c.closed_on IS NULL {{worker}})
              AND {_valid("consent", "s")}
        ) AS latest
        WHERE nth = 1 AND signed_on <= :today AND (revoked_on IS NULL OR revoked_on > :today)
          AND expires_on <= :consent_end
        GROUP BY client_id
    )
    SELECT o.id
    FROM (
        SELECT o.id, o.name, o.safety_flag, MIN(
            COALESCE(d.first_on, '~'),
            CASE WHEN COALESCE(lc.last_on, o.opened_on) < :contact_cutoff
                 THEN date(COALESCE(lc.last_on, o.opened_on), :contact_shift) ELSE '~' END,
            COALESCE(cd.first_on, '~')
        ) AS first_on
        FROM open_case o
        LEFT JOIN first_due d ON d.case_id = o.id
        LEFT JOIN last_contact lc ON lc.case_id = o.id
        LEFT JOIN consent_due cd ON cd.client_id = o.client_id
    ) AS o
    ORDER BY o.safety_flag DESC, CASE WHEN o.safety_flag THEN '' ELSE o.first_on END, o.name, o.id
    LIMIT :limit
"""


def _most_urgent(conn, today: date, worker: str | None, config: dict[str, int], limit: int) -> list[int]:
    """The ids of the ``limit`` open cases that come first in the caseload."""
    if not isinstance(conn, sqlite3.Connection):
        raise TypeError("a limited caseload is read through a stdlib sqlite3 connection (the first paint)")
    conn.create_function("casetui_recipient", 1, _recipient_key, deterministic=True)
    no_contact = config["no_contact_days"]
    params = {
        "today": today.isoformat(),
        "consent_end": (today + timedelta(days=config["consent_warning_days"])).isoformat(),
        "contact_cutoff": (today - timedelta(days=no_contact)).isoformat(),
        "contact_shift": f"+{no_contact + 1} days",
        "limit": limit,
    }
    return [case_id for (case_id,) in _query(conn, _RANKED, worker, params)]


def first_caseload(
    path, today: date, *, worker: str, limit: int = FIRST_ROWS
) -> tuple[files.FileState, Caseload | None]:
    """The first paint's read: the file inspected (``files.reading``, the full opening's checks)
    and, only when it is a current plain casetui file, the worker's ``limit`` most urgent rows,
    read in the inspection's snapshot. Any other file gives no rows at all, only its state."""
    with files.reading(path) as (state, conn):
        if state.kind != files.Kind.CURRENT:
            return state, None
        try:
            return state, load_caseload(conn, today, worker=worker, limit=limit)
        except sqlite3.Error as exc:  # e.g. a damaged page the inspection did not read
            return files.state_of_error(state.where, exc), None
