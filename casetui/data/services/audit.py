"""Reading the audit trail: the audit view's rows and its CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, select

from casetui.data.domain import csv_safe
from casetui.data.services import clients
from casetui.data.storage import files
from casetui.data.storage.audit_log import record
from casetui.data.storage.models import AuditEvent, Client

CSV_COLUMNS = ["at", "worker", "action", "entity", "entity_id", "client_id", "client", "fields"]


def query(
    session: Session,
    *,
    client_ids: Iterable[int] | None = None,
    worker: str | None = None,
    action: str | None = None,
    since=None,
    until=None,
    limit: int | None = 500,
) -> list[tuple[AuditEvent, str | None]]:
    """Audit rows, newest first, each with the client's display name (None for no client).

    ``since``/``until`` are dates, both included; ``client_ids`` None means every client;
    ``action`` one of ``audit_words.ACTION_LABELS``.
    """
    statement = select(AuditEvent, Client).outerjoin(Client, Client.id == AuditEvent.client_id)
    if client_ids is not None:
        statement = statement.where(AuditEvent.client_id.in_(list(client_ids)))
    if worker:
        statement = statement.where(AuditEvent.worker == worker)
    if action:
        statement = statement.where(AuditEvent.action == action)
    if since:
        statement = statement.where(AuditEvent.at >= datetime.combine(since, time.min, UTC))
    if until:
        statement = statement.where(AuditEvent.at < datetime.combine(until + timedelta(days=1), time.min, UTC))
    statement = statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if limit:
        statement = statement.limit(limit)
    return [(event, client.display_name if client else None) for event, client in session.exec(statement)]


def client_ids_matching(session: Session, text: str) -> list[int]:
    """A client number, or the clients whose names start with each word of ``text``."""
    text = (text or "").strip()
    if text.isdigit():
        return [int(text)]
    return [client.id for client in clients.search_clients(session, text, limit=1000)]


def workers(session: Session) -> list[str]:
    return sorted(session.exec(select(AuditEvent.worker).distinct()).all())


def export_csv(session: Session, path, **filters) -> int:
    """Write the filtered trail (every matching row) to ``path`` owner-only; the export is audited.

    Cells are spreadsheet-safe (``csv_safe``): a worker or client name such as ``=HYPERLINK(...)``
    is written as text, not as a formula.

    Returns the number of rows written.
    """
    path = Path(path)
    rows = query(session, **{**filters, "limit": None})
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(CSV_COLUMNS)
    for event, client_name in rows:
        writer.writerow(
            csv_safe.row(
                [
                    event.at.isoformat(),
                    event.worker,
                    event.action,
                    event.entity,
                    event.entity_id,
                    event.client_id,
                    client_name,
                    " ".join(event.fields),
                ]
            )
        )
    files.private_write(path, text.getvalue())
    record(session, "export", "audit_event", None, fields=["csv"])
    session.flush()
    return len(rows)
