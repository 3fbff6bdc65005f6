"""Optimistic concurrency: several workers may edit the same client, case, goal or referral.

Every editable row carries a ``version``. A screen remembers the version it showed and passes it
to the service as ``expected_version``; the service calls ``claim_version`` before it writes. The
claim is one ``UPDATE ... SET version = version + 1 WHERE id = :id AND version = :expected``, so
of two workers saving the same record only the first succeeds, on SQLite and on PostgreSQL
(where the second UPDATE waits for the first transaction and then finds the version moved on).
The second worker gets a ``ConflictError`` saying so, and nothing of theirs is written.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from casetui.data.domain.errors import ConflictError


def claim_version(session: Session, obj, expected_version: int | None = None, what: str = "record") -> int:
    """Move ``obj``'s row to its next version in the session's transaction; return the new version.

    With ``expected_version`` (the version the user was shown), raise ``ConflictError`` when
    someone else saved the row since; the caller's transaction then rolls back. Without it, only bump the
    version, so that other workers holding the old one are told about this change.
    """
    table = type(obj).__table__
    statement = update(table).where(table.c.id == obj.id)
    if expected_version is not None:
        statement = statement.where(table.c.version == expected_version)
    statement = statement.values(version=table.c.version + 1).returning(table.c.version)
    new_version = session.exec(statement).scalar_one_or_none()
    if new_version is None:
        raise ConflictError(what)
    # The row is already at new_version; the ORM must not write the attribute again.
    set_committed_value(obj, "version", new_version)
    return new_version
