"""Protection services: audit search (keyset), password-strength hints, admin login unlock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy import select

from munjigi.errors import NotFoundError
from munjigi.extensions import db
from munjigi.security import antibot
from munjigi.security import breached
from munjigi.security import bruteforce
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuditEvent
from munjigi.security.models import User
from munjigi.security.sessions import Principal

FILTERS = ("event", "outcome", "user_id", "ip")


@dataclass(frozen=True)
class AuditPage:
    """One page of audit events, newest first, and the cursor of the next page."""

    events: list[AuditEvent]
    next_before_id: int | None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def search_audit(query: dict[str, Any]) -> AuditPage:
    """Audit events matching ``query`` (event, outcome, user_id, ip, since, until), newest
    first, ``limit`` at a time; ``before_id`` continues after the previous page (keyset)."""
    statement = select(AuditEvent)
    for name in FILTERS:
        if query.get(name) is not None:
            statement = statement.where(getattr(AuditEvent, name) == query[name])
    if query.get("since") is not None:
        statement = statement.where(AuditEvent.at >= _utc(query["since"]))
    if query.get("until") is not None:
        statement = statement.where(AuditEvent.at < _utc(query["until"]))
    if query.get("before_id") is not None:
        statement = statement.where(AuditEvent.id < query["before_id"])
    limit = int(query.get("limit") or 50)
    found = list(db.session.scalars(statement.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(found) > limit
    events = found[:limit]
    return AuditPage(events, events[-1].id if more and events else None)


def password_strength(password: str, username: str = "", email: str = "") -> dict[str, Any]:
    """What sign-up would say about ``password``, and zxcvbn's score and hint (0–4)."""
    problems = gatekeeper().password_policy.problems(password, username=username, email=email)
    estimate = breached.strength(password, [username, email.split("@", 1)[0]])
    hint = problems[0] if problems else estimate["warning"]
    return {
        "score": 0 if problems else estimate["score"],
        "acceptable": not problems,
        "problems": problems,
        "hint": hint,
        "suggestions": estimate["suggestions"],
    }


def challenge_for(purpose: str, ip: str | None) -> dict[str, Any]:
    """A PoW challenge at the level the caller's IP currently needs (at least the easiest)."""
    if purpose == "signup":
        level = antibot.signup_level(ip)
    else:
        level = bruteforce.ip_level(ip or "")
    return antibot.challenge(purpose, max(1, level))


def unlock_login(principal: Principal, user_id: int) -> int:
    """Admin action: lift every brute-force lock and delay on an account.

    :raises NotFoundError: no such user.
    """
    if db.session.get(User, user_id) is None:
        raise NotFoundError()
    cleared = bruteforce.unlock(user_id, actor_id=principal.user_id)
    db.session.commit()
    return cleared
