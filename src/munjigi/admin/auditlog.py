"""Reading the audit log for /admin/audit: filters and keyset pages, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from sqlalchemy import select

from munjigi import wording
from munjigi.admin import keyset
from munjigi.auth import services as auth_services
from munjigi.extensions import db
from munjigi.security.models import AuditEvent
from munjigi.security.models import User

PAGE_SIZE = 50
OUTCOMES = ("ok", "failed", "blocked", "ignored")
# Offered in the filter: every event the application records (tests/web/test_event_labels.py
# keeps the wording in step with the code); any other name in the URL is still accepted.
KNOWN_EVENTS = tuple(wording.EVENT_LABELS)


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit page (empty: any) and a page cursor."""

    event: str = ""
    outcome: str = ""
    user: str = ""
    after: str | None = None
    before: str | None = None
    # The dashboards' links: a period (ISO 8601, UTC) and an IP; ``event`` may list several.
    ip: str = ""
    since: str = ""
    until: str = ""

    @property
    def filtered(self) -> bool:
        """Whether any filter is set (the page then offers to clear them)."""
        return any((self.event, self.outcome, self.user, self.ip, self.since, self.until))


@dataclass(frozen=True)
class AuditPage:
    """A page of events, the names of the users they mention, and whether the user exists."""

    page: keyset.Page[AuditEvent]
    names: dict[int, str]
    unknown_user: bool = False


def find_events(query: AuditQuery, limit: int = PAGE_SIZE) -> AuditPage:
    """One page of audit events matching every filter given.

    Filtering by event or user and paging by id is served by the (event, id) and
    (user_id, id) indexes of migration 0004.
    """
    stmt = select(AuditEvent)
    events = [e.strip()[:48] for e in query.event.split(",") if e.strip()][:8]
    if len(events) == 1:
        stmt = stmt.where(AuditEvent.event == events[0])
    elif events:
        stmt = stmt.where(AuditEvent.event.in_(events))
    if query.ip:
        stmt = stmt.where(AuditEvent.ip == query.ip[:45])
    since, until = parse_time(query.since), parse_time(query.until)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    if query.outcome in OUTCOMES:
        stmt = stmt.where(AuditEvent.outcome == query.outcome)
    if query.user:
        user_id = resolve_user(query.user)
        if user_id is None:
            return AuditPage(keyset.Page([]), {}, unknown_user=True)
        stmt = stmt.where(AuditEvent.user_id == user_id)
    page: keyset.Page[AuditEvent] = keyset.fetch(
        stmt,
        AuditEvent.id,
        lambda event: event.id,
        descending=True,
        after=_int(query.after),
        before=_int(query.before),
        limit=limit,
    )
    return AuditPage(page, _names(page.items))


def resolve_user(text: str) -> int | None:
    """A user id from ``#12`` / ``12`` or a username / email; None when nobody matches."""
    value = text.strip().removeprefix("#")
    if value.isdigit() and len(value) <= 18:
        return int(value)
    user = auth_services.find_by_login(value)
    return user.id if user else None


def parse_time(value: str) -> datetime | None:
    """An ISO 8601 time (naive means UTC); None when empty or malformed (the filter is ignored)."""
    if not value or len(value) > 40:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found


def _names(events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.user_id for e in events if e.user_id} | {e.actor_id for e in events if e.actor_id}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {row.id: row.username for row in rows}


def _int(value: str | None) -> int | None:
    if value is None or not value.isdigit() or len(value) > 18:
        return None
    return int(value)
