"""Writing the audit trail: who did what to which record and fields, never the values themselves.
Every layer writes events; reading and exporting the trail is ``services/audit.py``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from casetui.data.storage.models import AuditEvent


def worker_of(session: Session) -> str:
    return session.info.get("worker") or "unknown"


def record(
    session: Session,
    action: str,
    entity: str,
    entity_id=None,
    *,
    client_id: int | None = None,
    fields: Iterable[str] = (),
) -> AuditEvent:
    """Add an audit row to the session's open transaction (it commits with the change)."""
    event = AuditEvent(
        worker=worker_of(session),
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        client_id=client_id,
        fields=sorted(set(fields)),
    )
    session.add(event)
    return event


def changed_fields(obj, values: dict) -> list[str]:
    """Set each value on ``obj``; return the names whose value actually changed."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed
