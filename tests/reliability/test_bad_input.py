"""Property tests: whatever a form or an import sends, services answer with a ValidationError
(never another exception) and write nothing when they refuse."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlmodel import select

from casetui.data.domain import vocab
from casetui.data.domain.errors import ValidationError
from casetui.data.services import (
    assessments,
    cases,
    clients,
    consent,
    goals,
    notes,
    portability,
    referrals,
    settings,
)
from casetui.data.storage.models import Case, Goal
from tests.conftest import TODAY

EXAMPLES = 120
EDGE_STRINGS = [
    "",
    " ",
    "\x00",
    "\n\t",
    "2026-13-45",
    "31/02/2026",
    "0000-00-00",
    "9" * 40,
    "-1",
    "1e309",
    "nan",
    "inf",
    "１２",
    "٣",
    "2026-01-16",
    "1900-01-01",
    "é" * 300,
    "<script>",
    "'; DROP TABLE client; --",
    "\ud7ff",
    "x" * 20001,
]
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True),
    st.text(max_size=60),
    st.sampled_from(EDGE_STRINGS),
    st.dates(min_value=date(1, 1, 1)),
    st.lists(st.one_of(st.text(max_size=8), st.sampled_from(list(vocab.POPULATIONS))), max_size=3),
    st.sampled_from(list(vocab.DOMAINS) + list(vocab.NOTE_KINDS) + list(vocab.CONSENT_SCOPES) + list(vocab.STAGES)),
)
PROPERTY = hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CLIENT_KEYS = list(assessments.CLIENT_FIELDS)


def row_counts(path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' "
                "AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE '%VIRTUAL%'"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


class Target:
    """The demo database with an open case and goal to aim calls at."""

    def __init__(self, database):
        self.database = database
        with database.transaction() as session:
            case = session.exec(select(Case).where(Case.closed_on.is_(None))).first()
            self.case_id, self.client_id = case.id, case.client_id
            self.goal_id = session.exec(
                select(Goal.id).where(
                    Goal.case_id.in_(select(Case.id).where(Case.closed_on.is_(None))), Goal.lifecycle_status == "active"
                )
            ).first()

    def call(self, service):
        """Run ``service(session)``; only a ValidationError may escape, and then nothing is written."""
        before = row_counts(self.database.path)
        try:
            with self.database.transaction() as session:
                service(session)
        except ValidationError as exc:  # the transaction rolled back
            assert exc.errors and all(isinstance(m, str) and m for m in exc.errors.values())
            after = row_counts(self.database.path)
            assert after == before, f"a refused call wrote rows: {set(after.items()) ^ set(before.items())}"
            return False
        return True


@pytest.fixture
def target(demo_db):
    return Target(demo_db)


@PROPERTY
@given(data=st.dictionaries(st.sampled_from(CLIENT_KEYS), anything, max_size=10), partial=st.booleans())
def test_client_fields(target, data, partial):
    try:
        clients.clean_client_fields(data, TODAY, partial=partial)
    except ValidationError:
        pass
    target.call(lambda s: clients.create_client(s, data, TODAY))
    target.call(lambda s: clients.update_client(s, target.client_id, data, TODAY))


@PROPERTY
@given(occurred_on=anything, kind=anything, text=anything, minutes=anything)
def test_notes(target, occurred_on, kind, text, minutes):
    target.call(
        lambda s: notes.add_note(
            s, target.case_id, occurred_on=occurred_on, kind=kind, text=text, duration_minutes=minutes, today=TODAY
        )
    )


@PROPERTY
@given(recipient=anything, scope=anything, signed_on=anything, expires_on=anything)
def test_consent(target, recipient, scope, signed_on, expires_on):
    target.call(
        lambda s: consent.record_consent(
            s,
            target.client_id,
            recipient=recipient,
            scope=scope,
            signed_on=signed_on,
            expires_on=expires_on,
            today=TODAY,
        )
    )


@PROPERTY
@given(stage=anything, reason=anything, review_on=anything, program=anything)
def test_cases(target, stage, reason, review_on, program):
    target.call(lambda s: cases.change_stage(s, target.case_id, stage, reason, TODAY) and s.rollback())
    target.call(lambda s: cases.set_next_review(s, target.case_id, review_on, TODAY))
    target.call(lambda s: cases.open_case(s, target.client_id, TODAY, program=program, stage=stage) and s.rollback())


@PROPERTY
@given(
    values=st.dictionaries(
        st.sampled_from(
            [
                "statement",
                "domains",
                "measure",
                "unit",
                "direction",
                "baseline",
                "target",
                "start_on",
                "due_on",
                "actor",
                "lifecycle_status",
            ]
        ),
        anything,
        max_size=11,
    ),
    recorded_on=anything,
    value=anything,
    note=anything,
)
def test_goals(target, values, recorded_on, value, note):
    target.call(lambda s: goals.create_goal(s, target.case_id, values))
    if target.goal_id:
        target.call(
            lambda s: goals.add_progress(
                s, target.goal_id, recorded_on=recorded_on, value=value, note=note, today=TODAY
            )
        )


@PROPERTY
@given(referred_on=anything, follow_up_on=anything, provider=anything, service=anything, domain=anything, note=anything)
def test_referrals(target, referred_on, follow_up_on, provider, service, domain, note):
    target.call(
        lambda s: referrals.create_referral(
            s,
            target.case_id,
            service_id=None,
            referred_on=referred_on,
            follow_up_on=follow_up_on,
            today=TODAY,
            note=note,
            domain=domain,
            provider_name=provider,
            service_name=service,
        )
    )


@PROPERTY
@given(key=st.sampled_from(list(settings.DEFAULTS)), value=anything)
def test_settings(target, key, value):
    target.call(lambda s: settings.set_value(s, key, value))


@PROPERTY
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "assessed_on",
                "program",
                "consent_to_services",
                "phq9_1",
                "gad7_3",
                "gad7_difficulty",
                *assessments.TEXT_FIELDS,
                *(assessments.need_field(d, p) for d in list(vocab.DOMAINS)[:3] for p in ("score", "note", "goal")),
            ]
        ),
        anything,
        max_size=12,
    ),
    require_consent=st.booleans(),
)
def test_assessment_fields(data, require_consent):
    try:
        assessments.clean_assessment(data, TODAY, require_consent=require_consent)
    except ValidationError:
        pass


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=20),
        st.sampled_from(EDGE_STRINGS[:12]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "first_name",
                    "last_name",
                    "cases",
                    "notes",
                    "goals",
                    "opened_on",
                    "occurred_on",
                    "text",
                    "kind",
                    "consents",
                    "id",
                    "consent_id",
                ]
            ),
            children,
            max_size=6,
        ),
    ),
    max_leaves=20,
)


@PROPERTY
@given(clients_list=st.lists(json_values, max_size=3))
def test_import_files(target, clients_list):
    data = {"format": portability.FORMAT, "format_version": 1, "clients": clients_list}
    target.call(lambda s: portability.import_data(s, data, TODAY))
