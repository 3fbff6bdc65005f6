"""Two workers saving the same record: the second is told, and nothing is lost (both databases)."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from casetui.data.domain.errors import ConflictError
from casetui.data.services import cases, clients
from casetui.data.storage.models import AuditEvent, Case, Client, StageChange


@pytest.fixture
def shared_client(session, today) -> tuple[int, int]:
    """A client with an open case, as both workers find it on their screens."""
    client = clients.create_client(session, {"first_name": "Nova", "last_name": "Testwood"}, today)
    case = cases.open_case(session, client.id, today)
    session.commit()  # the fixture owns this transaction; each worker below opens their own
    return client.id, case.id


def test_the_second_save_of_a_client_gets_a_conflict_and_the_first_stands(database, shared_client, today):
    client_id, _case_id = shared_client
    # Both open the client; Alice saves first (her transaction commits), then Bob saves what he saw.
    with database.transaction() as alice, database.transaction() as bob:
        seen_by_alice = clients.get_client(alice, client_id).version
        seen_by_bob = clients.get_client(bob, client_id).version
    assert seen_by_alice == seen_by_bob
    with database.transaction() as alice:
        alice.info["worker"] = "alice"
        clients.update_client(alice, client_id, {"phone": "555-0101"}, today, expected_version=seen_by_alice)
    with pytest.raises(ConflictError) as conflict, database.transaction() as bob:
        bob.info["worker"] = "bob"
        clients.update_client(
            bob, client_id, {"phone": "555-0199", "city": "Springfield"}, today, expected_version=seen_by_bob
        )
    assert "Someone else saved this client record after you opened it" in str(conflict.value)
    assert "Nothing of yours was written" in str(conflict.value)

    with database.transaction() as check:
        saved = check.get(Client, client_id)
        assert (saved.phone, saved.city) == ("555-0101", None)  # Alice's save stands, Bob's is not merged in
        assert saved.version == seen_by_alice + 1
        updates = check.exec(
            select(AuditEvent.worker).where(AuditEvent.entity == "client", AuditEvent.action == "update")
        ).all()
        assert updates == ["alice"]

    with database.transaction() as bob_again:  # Bob reloads, sees Alice's phone, and saves his city
        fresh = clients.get_client(bob_again, client_id)
        clients.update_client(bob_again, client_id, {"city": "Springfield"}, today, expected_version=fresh.version)
    with database.transaction() as check:
        saved = check.get(Client, client_id)
        assert (saved.phone, saved.city, saved.version) == ("555-0101", "Springfield", seen_by_alice + 2)


def test_the_second_stage_change_of_a_case_gets_a_conflict(database, shared_client, today):
    _client_id, case_id = shared_client
    with database.transaction() as alice, database.transaction() as bob:
        seen = cases.get_case(alice, case_id).version
        assert cases.get_case(bob, case_id).version == seen
    with database.transaction() as alice:
        cases.change_stage(alice, case_id, "assessment", "Ready for intake", today, expected_version=seen)
    with pytest.raises(ConflictError, match="Someone else saved this case"), database.transaction() as bob:
        cases.change_stage(bob, case_id, "planning", "Skipping ahead", today, expected_version=seen)
    with pytest.raises(ConflictError), database.transaction() as bob:
        cases.set_next_review(bob, case_id, "2026-03-01", today, expected_version=seen)
    with database.transaction() as check:
        case = check.get(Case, case_id)
        assert (case.stage, case.version) == ("assessment", seen + 1)
        stages = check.exec(
            select(StageChange.to_stage).where(StageChange.case_id == case_id).order_by(StageChange.id)
        ).all()
        assert stages == ["engagement", "assessment"]


def test_every_case_write_moves_the_version_on(session, shared_client, today):
    _client_id, case_id = shared_client
    versions = [cases.get_case(session, case_id).version]
    cases.change_stage(session, case_id, "assessment", "Ready", today)
    versions.append(cases.get_case(session, case_id).version)
    cases.set_next_review(session, case_id, "2026-02-01", today)
    versions.append(cases.get_case(session, case_id).version)
    cases.raise_safety_flag(session, case_id, "Said they feel unsafe at home")
    session.commit()
    versions.append(cases.get_case(session, case_id).version)
    cases.record_safety_followup(session, case_id, today, "Safety plan made", today)
    versions.append(cases.get_case(session, case_id).version)
    assert versions == list(range(versions[0], versions[0] + 5))


def test_saves_racing_in_two_threads_never_lose_an_update(database, shared_client, today):
    """Both workers press save at the same moment: exactly one wins, the other is told."""
    client_id, _case_id = shared_client
    with database.transaction() as setup:
        seen = clients.get_client(setup, client_id).version
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(worker: str, phone: str) -> None:
        try:
            with database.transaction() as session:
                session.info["worker"] = worker
                start.wait()
                clients.update_client(session, client_id, {"phone": phone}, today, expected_version=seen)
            outcomes[worker] = "saved"
        except ConflictError:
            outcomes[worker] = "conflict"

    threads = [threading.Thread(target=save, args=(w, p)) for w, p in (("alice", "555-0101"), ("bob", "555-0199"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(w for w, outcome in outcomes.items() if outcome == "saved")
    with database.transaction() as check:
        saved = check.get(Client, client_id)
        assert saved.phone == {"alice": "555-0101", "bob": "555-0199"}[winner]
        assert saved.version == seen + 1


GOAL = {
    "statement": "I want a steady place to live.",
    "domains": ["housing"],
    "measure": "Rent paid on time",
    "unit": "months",
    "direction": "increase",
    "baseline": "0",
    "target": "6",
    "start_on": "2026-01-15",
    "due_on": "2026-07-15",
}


def test_the_second_revision_of_a_goal_gets_a_conflict(database, shared_client, today):
    from casetui.data.services import goals
    from casetui.data.storage.models import Goal

    _client_id, case_id = shared_client
    with database.transaction() as setup:
        goal_id = goals.create_goal(setup, case_id, GOAL).id
    with database.transaction() as alice, database.transaction() as bob:
        seen = goals.get_goal(alice, goal_id).version
        assert goals.get_goal(bob, goal_id).version == seen
    with database.transaction() as alice:
        goals.revise_goal(alice, goal_id, {"target": "8"}, "More months", expected_version=seen)
    with pytest.raises(ConflictError, match="Someone else saved this goal"), database.transaction() as bob:
        goals.change_status(
            bob,
            goal_id,
            lifecycle_status="on-hold",
            achievement_status="in-progress",
            reason="Client moved away",
            expected_version=seen,
        )
    with database.transaction() as check:
        goal = check.get(Goal, goal_id)
        assert (goal.target, goal.lifecycle_status, goal.version) == (8.0, "active", seen + 1)


def test_the_second_outcome_of_a_referral_gets_a_conflict(database, shared_client, today):
    from casetui.data.services import referrals
    from casetui.data.storage.models import Referral

    _client_id, case_id = shared_client
    with database.transaction() as setup:
        referral_id = referrals.create_referral(
            setup,
            case_id,
            service_id=None,
            referred_on=today,
            follow_up_on=None,
            consent_signed_on=today,
            today=today,
            provider_name="Fictional Food Bank",
        ).id
    with database.transaction() as alice, database.transaction() as bob:
        seen = alice.get(Referral, referral_id).version
        assert bob.get(Referral, referral_id).version == seen
    with database.transaction() as alice:
        referrals.record_outcome(
            alice, referral_id, status="accepted", outcome_on=today, today=today, expected_version=seen
        )
    with pytest.raises(ConflictError, match="Someone else saved this referral"), database.transaction() as bob:
        referrals.record_outcome(
            bob,
            referral_id,
            status="provider_declined",
            outcome_on=today,
            reason="Full",
            today=today,
            expected_version=seen,
        )
    with database.transaction() as check:
        referral = check.get(Referral, referral_id)
        assert (referral.status, referral.version) == ("accepted", seen + 1)
