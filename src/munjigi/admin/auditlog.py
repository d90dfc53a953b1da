"""Reading the audit log for /admin/audit: filters and keyset pages, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from munjigi.admin import keyset
from munjigi.auth import services as auth_services
from munjigi.extensions import db
from munjigi.security.models import AuditEvent
from munjigi.security.models import User

PAGE_SIZE = 50
OUTCOMES = ("ok", "failed", "blocked")
# Offered in the filter; any other event name in the URL is still accepted.
KNOWN_EVENTS = (
    "signup",
    "login",
    "login_failed",
    "logout",
    "refresh",
    "refresh_reused",
    "session_revoked",
    "sessions_revoked",
    "password_changed",
    "profile_updated",
    "role_changed",
    "user_locked",
    "user_unlocked",
    "member_deleted",
    "handoff",
    "handoff_failed",
    "rate_limited",
    "bot_blocked",
    "lockout",
)


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit page (empty: any) and a page cursor."""

    event: str = ""
    outcome: str = ""
    user: str = ""
    after: str | None = None
    before: str | None = None


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
    if query.event:
        stmt = stmt.where(AuditEvent.event == query.event[:48])
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
