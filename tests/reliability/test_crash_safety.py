"""Crash safety: writers killed with SIGKILL at random moments never damage the file or lose
an acknowledged write.

Writers are forked children (no re-import per run, so 30 kills stay well under a minute) that
make real service calls and report each committed id through a pipe; the parent kills them
at a random moment, reopens the file, and checks integrity and every acknowledged id.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from contextlib import closing

import pytest
from sqlmodel import select as sql_select

from casetui.data.services import cases, clients, notes
from casetui.data.storage.database import open_database
from casetui.data.storage.models import AuditEvent, Client, Note
from tests.conftest import TODAY
from tests.helpers.children import kill_child

KILLS = 30


def _writer(path: str, out_fd: int, seed: int) -> None:
    """Child process: write forever, announcing each committed write as 'kind id'."""
    rng = random.Random(seed)
    database = open_database(path, worker=f"writer-{seed}")
    with database.transaction() as session:
        case_id = cases.open_cases(session)[0][0].id
    while True:
        with database.transaction() as session:
            if rng.random() < 0.7:
                note = notes.add_note(
                    session,
                    case_id,
                    occurred_on=TODAY,
                    kind="phone",
                    text=f"Synthetic note {seed}-{rng.random()}" * rng.randint(1, 50),
                    today=TODAY,
                )
                message = f"note {note.id}\n"
            else:  # a bigger transaction: a client and a case in one commit
                client = clients.create_client(
                    session, {"first_name": "Crash", "last_name": f"Testperson{seed}"}, TODAY
                )
                cases.open_case(session, client.id, TODAY)
                message = f"client {client.id}\n"
        os.write(out_fd, message.encode())


def _run_and_kill(path: str, rng: random.Random) -> list[tuple[str, int]]:
    children = []
    for _ in range(2):  # two writers contend for the lock, as two app windows would
        read_fd, write_fd = os.pipe()
        seed = rng.randrange(1_000_000)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os.close(read_fd)
            try:
                _writer(path, write_fd, seed)
            finally:
                os._exit(1)
        os.close(write_fd)
        children.append((pid, read_fd))
    time.sleep(rng.uniform(0.05, 0.6))
    acknowledged = []
    for pid, read_fd in children:
        for line in kill_child(pid, read_fd):  # fails if a writer died before the kill
            kind, number = line.split()
            acknowledged.append((kind, int(number)))
    return acknowledged


@pytest.mark.slow  # fault injection: 30 kill rounds
def test_sigkilled_writers_never_lose_an_acknowledged_write(demo_path):
    rng = random.Random(20260115)
    with closing(sqlite3.connect(demo_path)) as conn:
        demo_notes = conn.execute("SELECT max(id) FROM note").fetchone()[0]
    acknowledged: list[tuple[str, int]] = []
    started = time.monotonic()
    for _ in range(KILLS):
        acknowledged += _run_and_kill(str(demo_path), rng)
        with closing(sqlite3.connect(demo_path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"the crash test took {elapsed:.0f} s"
    assert len(acknowledged) > KILLS, "the writers hardly wrote: the test proves nothing"

    database = open_database(str(demo_path), worker="checker")  # recovers the WAL like the app would
    try:
        with database.transaction() as session:
            note_ids = set(session.exec(sql_select(Note.id)).all())
            client_ids = set(session.exec(sql_select(Client.id)).all())
            for kind, number in acknowledged:
                assert number in (note_ids if kind == "note" else client_ids), f"acknowledged {kind} {number} was lost"
            # Atomicity: each note written here exists together with its audit row, or not at all
            written = {i for i in note_ids if i > demo_notes}
            audited = {
                int(i)
                for i in session.exec(
                    sql_select(AuditEvent.entity_id).where(AuditEvent.entity == "note", AuditEvent.action == "create")
                ).all()
            }
            assert written == {i for i in audited if i > demo_notes}
            for client in session.exec(sql_select(Client).where(Client.first_name == "Crash")):
                assert clients.cases_of(session, client.id), "a client was committed without its case"
    finally:
        database.dispose()
    print(f"\ncrash safety: {KILLS} kill rounds, {len(acknowledged)} acknowledged writes, all present, {elapsed:.1f} s")
