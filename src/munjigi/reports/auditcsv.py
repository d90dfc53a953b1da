"""The audit rows of a period as CSV, safe to open in a spreadsheet.

Threat: CSV/formula injection (OWASP). Usernames, reasons, user agents and logins typed
into the login form are attacker-chosen; a cell such as ``=HYPERLINK(…)`` or ``@SUM(…)``
would run as a formula when an admin opens the export. Every text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``, which
spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from munjigi.reports.period import Period
from munjigi.security.models import AuditEvent
from munjigi.security.models import User

HEADER = (
    "id",
    "at_utc",
    "event",
    "outcome",
    "user_id",
    "username",
    "actor_id",
    "ip",
    "reason",
    "user_agent",
    "detail",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, made plain text; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _row(event: AuditEvent, names: dict[int, str]) -> list[object]:
    cells: list[Any] = [
        event.id,
        event.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        event.event,
        event.outcome,
        event.user_id if event.user_id is not None else "",
        names.get(event.user_id, "") if event.user_id is not None else "",
        event.actor_id if event.actor_id is not None else "",
        event.ip or "",
        event.reason or "",
        event.user_agent or "",
        json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else "",
    ]
    return [neutralise(cell) for cell in cells]


def _batches(session: Session, period: Period) -> Iterator[list[AuditEvent]]:
    """The period's rows in id order, a batch at a time (keyset: no cursor held open)."""
    # Start just before the period's first row (index on ``at``): ids grow with time, so the
    # keyset walk never reads the older rows.
    first = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.at >= period.start))
    if first is None:
        return
    last = first - 1
    while True:
        batch = list(
            session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.at >= period.start, AuditEvent.at < period.end, AuditEvent.id > last
                )
                .order_by(AuditEvent.id)
                .limit(BATCH)
            )
        )
        if not batch:
            return
        yield batch
        last = batch[-1].id
        session.expunge_all()


def lines(session: Session, period: Period) -> Iterator[str]:
    """The CSV text, header first, one chunk per batch of rows (streamed to the client)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield "\ufeff" + buffer.getvalue()  # BOM: spreadsheets then read the Hangul as UTF-8
    for batch in _batches(session, period):
        ids = {e.user_id for e in batch if e.user_id is not None}
        names = (
            {
                uid: name
                for uid, name in session.execute(
                    select(User.id, User.username).where(User.id.in_(ids))
                )
            }
            if ids
            else {}
        )
        buffer.seek(0)
        buffer.truncate()
        for event in batch:
            writer.writerow(_row(event, names))
        yield buffer.getvalue()
