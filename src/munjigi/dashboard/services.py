"""What the landing page shows: this session, my other sessions, my recent security events."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from munjigi.extensions import db
from munjigi.security import sessions
from munjigi.security.models import AuditEvent
from munjigi.security.models import AuthSession
from munjigi.security.sessions import Principal

RECENT_EVENTS = 8


@dataclass(frozen=True)
class Overview:
    """The dashboard's facts about the signed-in user."""

    this_session: AuthSession | None
    live_sessions: int
    recent: list[AuditEvent]


def overview(principal: Principal) -> Overview:
    """This session, how many sessions are live, and the latest events about me."""
    live = sessions.list_active(principal.user_id)
    this = next((s for s in live if s.id == principal.session_id), None)
    recent = list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.user_id == principal.user_id)
            .order_by(AuditEvent.id.desc())
            .limit(RECENT_EVENTS)
        )
    )
    return Overview(this, len(live), recent)
