"""The audit view (filters, CSV) and the idle lock, driven from the keyboard."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime

import pytest
from sqlmodel import select
from textual.widgets import DataTable

from casetui import config
from casetui.cli import make_app
from casetui.data.services import lock, settings
from casetui.data.storage import backup
from casetui.data.storage import sqlcipher as crypto
from casetui.data.storage.models import AuditEvent, Client
from casetui.screens import lock as lock_screens
from casetui.screens.audit import AuditScreen
from casetui.screens.lock import FirstRunLockDialog, LockScreen, LockSettingsDialog
from tests.conftest import TODAY
from tests.helpers import calm, field_error, settle

PIN = "2468"


def add_fixed_events(database) -> int:
    """Audit rows at fixed times (stable snapshots); returns their client's id."""
    with database.transaction() as session:
        client_id = session.exec(select(Client.id).order_by(Client.id)).first()
        for minute, (worker, action, fields) in enumerate(
            [
                ("J. Rivera", "open", []),
                ("J. Rivera", "update", ["phone", "city"]),
                ("A. Okafor", "create", ["text", "kind"]),
            ]
        ):
            session.add(
                AuditEvent(
                    at=datetime(2026, 1, 14, 9, minute, tzinfo=UTC),
                    worker=worker,
                    action=action,
                    entity="note" if action == "create" else "client",
                    entity_id=str(client_id),
                    client_id=client_id,
                    fields=fields,
                )
            )
        session.commit()
    return client_id


async def test_audit_view_filters_and_exports_csv(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    client_id = add_fixed_events(app.database)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_audit()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one("#audit-rows", DataTable)
        everything = table.row_count
        assert everything >= 4
        await pilot.press(*str(client_id))
        await settle(pilot)
        assert table.row_count == 3
        screen.query_one("#until").focus()
        await pilot.press(*"2026-01-13", "enter")
        await settle(pilot)
        assert table.row_count == 0
        await pilot.press(*"x", "enter")
        await settle(pilot)
        assert "not a date" in field_error(screen, "until")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert table.row_count == everything
        await pilot.press("ctrl+o")  # export
        await settle(pilot)
        exported = list(config.documents_dir().glob("audit-*.csv"))
        assert len(exported) == 1 and os.stat(exported[0]).st_mode & 0o777 == 0o600
        assert len(exported[0].read_text().splitlines()) == everything + 1
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, AuditScreen)
    app.database.dispose()


def test_audit_view_snapshot_80x24(snap_compare, demo_path):
    app = make_app(str(demo_path), today=TODAY)
    client_id = add_fixed_events(app.database)

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.open_audit(client_id)
        await settle(pilot)
        calm(pilot.app)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def lock_setup(database, minutes="5"):
    with database.transaction() as session:
        lock.set_lock_secret(session, PIN)
        settings.set_value(session, "idle_lock_minutes", minutes)
        return [c.last_name for c in session.exec(select(Client))]


class FakeClock:
    """The lock's back-off clock, moved by the test instead of waited on."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def lock_clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(lock_screens, "clock", fake)
    return fake


async def test_idle_lock_hides_clients_until_the_pin(demo_path, lock_clock):
    app = make_app(str(demo_path), today=TODAY)
    names = lock_setup(app.database)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.check_idle_lock()
        assert not isinstance(app.screen, LockScreen), "locked before the idle minutes passed"
        app._last_input -= 5 * 60 + 1  # five idle minutes pass
        app.check_idle_lock()
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert not [n for n in names if n in app.export_screenshot()], "client names visible while locked"
        for key in ("escape", "ctrl+p", "question_mark", "f1"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, LockScreen), f"{key} got past the lock"
        await pilot.press(*"1111", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert "not it" in str(app.screen.query_one("#lock-error").render())
        lock_clock.now += 1  # the back-off after one wrong PIN
        await pilot.press(*PIN, "enter")
        await settle(pilot)
        assert not isinstance(app.screen, LockScreen) and not app.locked
        await pilot.press("ctrl+l")  # lock now, by hand
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
    app.database.dispose()


async def test_no_lock_without_a_pin_and_the_pin_is_only_a_hash(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    with app.database.transaction() as session:
        settings.set_value(session, "idle_lock_minutes", "1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app._last_input -= 3600
        app.check_idle_lock()
        await settle(pilot)
        assert not isinstance(app.screen, LockScreen)  # it could never be unlocked
        app.action_lock_settings()
        await settle(pilot)
        await pilot.press("tab", *PIN, "tab", *PIN, "enter")
        await settle(pilot)
    with app.database.transaction() as session:
        stored = settings.get(session, lock.LOCK_SECRET_KEY)
        assert PIN not in stored and stored.startswith("scrypt$")
        assert lock.check_lock_secret(session, PIN) and not lock.check_lock_secret(session, "2469")
    app.database.dispose()


@pytest.mark.skipif(not crypto.available(), reason="sqlcipher3 is not installed (casetui[encryption])")
async def test_encrypted_file_unlocks_with_its_passphrase(demo_path, lock_clock):
    backup.encrypt_file(demo_path, "long passphrase")
    app = make_app(str(demo_path), today=TODAY, passphrase="long passphrase")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_lock()
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*"wrong passphrase", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        lock_clock.now += app.screen.retry_at - lock_clock.now  # the back-off after one wrong try
        await pilot.press(*"long passphrase", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, LockScreen)
    app.database.dispose()


def lock_text(app) -> str:
    return str(app.screen.query_one("#lock-error").render())


async def test_wrong_pins_back_off_and_are_audited_without_the_pin(demo_path, lock_clock):
    app = make_app(str(demo_path), today=TODAY)
    lock_setup(app.database)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_lock()
        await settle(pilot)
        delays = []
        for _ in range(4):
            await pilot.press(*"9999", "enter")
            await settle(pilot)
            assert "not it" in lock_text(app)
            delays.append(app.screen.retry_at - lock_clock.now)
            await pilot.press(*PIN, "enter")  # too soon: not even checked
            await settle(pilot)
            assert isinstance(app.screen, LockScreen) and "Wait" in lock_text(app)
            lock_clock.now += delays[-1]
        assert delays == [1, 2, 4, 8]  # growing
        await pilot.press(*PIN, "enter")
        await settle(pilot)
        assert not app.locked
    with app.database.transaction() as session:
        failed = session.exec(select(AuditEvent).where(AuditEvent.action == "unlock failed")).all()
        assert len(failed) == 4 and all(PIN not in str(e.fields) and "9999" not in str(e.fields) for e in failed)
        assert {e.entity for e in failed} == {"lock"}
    app.database.dispose()


def forget_lock_choice(path) -> None:
    """The file as a first run finds it: no lock PIN and no lock setting."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("DELETE FROM setting WHERE key = 'idle_lock_minutes'")
        conn.commit()


async def test_the_first_run_asks_for_a_lock_pin_and_the_lock_is_on(demo_path, lock_clock):
    forget_lock_choice(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunLockDialog)
        await pilot.press("escape")  # no way around the choice
        await settle(pilot)
        assert isinstance(app.screen, FirstRunLockDialog)
        await pilot.press(*PIN, "tab", *"1357", "ctrl+s")
        await settle(pilot)
        assert "differ" in str(app.screen.query_one("#first-lock-error").render())
        app.screen.query_one("#again").value = ""
        app.screen.query_one("#again").focus()
        await pilot.press(*PIN, "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FirstRunLockDialog)
        assert app.lock_policy == (10, True)
        app._last_input -= 10 * 60 + 1
        app.check_idle_lock()
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
    app.database.dispose()
    again = make_app(str(demo_path), today=TODAY)  # the second run does not ask
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not isinstance(again.screen, FirstRunLockDialog)
    again.database.dispose()


async def test_the_first_run_turns_the_lock_off_only_after_a_warning(demo_path):
    forget_lock_choice(demo_path)
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#off").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FirstRunLockDialog)
        assert "anyone at this computer" in str(app.screen.query_one("#first-lock-error").render())
        # The press's 0.2 s highlight (Textual ignores presses during it) is over, as it is for a person.
        app.screen.query_one("#off").remove_class("-active")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, FirstRunLockDialog), str(app.screen.query_one("#first-lock-error").render())
        assert app.lock_policy == (0, False)
    with app.database.transaction() as session:
        assert settings.get(session, "idle_lock_minutes") == "0"
        assert not lock.needs_lock_choice(session, encrypted=False)
    app.database.dispose()


def test_the_idle_lock_is_ten_minutes_by_default(database):
    with database.transaction() as session:
        assert settings.get_int(session, "idle_lock_minutes") == 10
        assert lock.needs_lock_choice(session, encrypted=False)
        assert not lock.needs_lock_choice(session, encrypted=True)  # its passphrase unlocks it


async def test_the_lock_settings_dialog_saves_with_ctrl_s(demo_path):
    app = make_app(str(demo_path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_lock_settings()
        await settle(pilot)
        assert isinstance(app.screen, LockSettingsDialog)
        app.screen.query_one("#idle_lock_minutes").value = "3"
        await pilot.press("tab", *PIN, "tab", *PIN, "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, LockSettingsDialog)
        assert app.lock_policy == (3, True)
    app.database.dispose()
