"""The aggregates behind the security dashboard: counts, timelines and offenders per period.

Every query filters on ``audit_events.at`` together with ``event`` or ``outcome``, so each is
served by an index of migration 0007 (``(event, at)``, ``(outcome, at, ip)``,
``(outcome, at, user_id)``) rather than a scan of the whole table: bench/audit_dashboard.py
measures them with a million rows (docs/reports.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import select
from sqlalchemy import union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from munjigi.reports.period import Period
from munjigi.security.models import AuditEvent
from munjigi.security.models import AuthSession
from munjigi.security.models import User

# What each dashboard number counts: audit event names (several for "bot blocked").
METRICS: dict[str, tuple[str, ...]] = {
    "logins_ok": ("login",),
    "logins_failed": ("login_failed",),
    # A right password and a wrong code (or passkey) is a failure too, and the offender
    # tables count it: without its own number the totals and the tables disagreed.
    "second_steps_failed": ("mfa_failed", "passkey_second_factor_failed"),
    "lockouts": ("lockout",),
    "reuse_detected": ("refresh_reused",),
    "rate_limited": ("rate_limited",),
    "bot_blocked": ("bot_blocked", "honeypot", "pow_failed"),
    "signups": ("signup",),
}
LABELS = {
    "logins_ok": _l("Logins"),
    "logins_failed": _l("Failed logins"),
    "second_steps_failed": _l("Failed second steps"),
    "lockouts": _l("Lockouts"),
    "reuse_detected": _l("Refresh-token reuse"),
    "rate_limited": _l("Rate-limited requests"),
    "bot_blocked": _l("Bot-blocked requests"),
    "signups": _l("New sign-ups"),
}
# Outcomes of the events an attacker causes: who shows up most is an offender.
OFFENCES = ("failed", "blocked")
TOP = 10


@dataclass(frozen=True)
class Offender:
    """An IP or an account that failed or was blocked ``count`` times in the period."""

    key: str  # the IP, or the user id as text
    label: str  # the IP, or the username
    count: int


@dataclass(frozen=True)
class SecurityStats:
    """Everything the admin dashboard and its PDF show for one period."""

    period: Period
    totals: dict[str, int]
    timeline: dict[str, list[int]]  # metric → count per bucket
    active_sessions: int
    top_ips: list[Offender]
    top_accounts: list[Offender]


def _in_period(period: Period) -> Any:
    return (AuditEvent.at >= period.start) & (AuditEvent.at < period.end)


def _metric_of() -> dict[str, str]:
    return {event: metric for metric, events in METRICS.items() for event in events}


def timeline(session: Session, period: Period) -> dict[str, list[int]]:
    """Count of each metric per bucket of the period, zeros included.

    One statement, a ``UNION ALL`` of one grouped count per bucket: each part is a range
    scan of the ``(event, at)`` index between the bucket's bounds. Formatting every row's
    time into a bucket in SQL (strftime, to_char) instead costs a function call per row:
    750 ms for 30 days of a million-row log on SQLite, against ~100 ms this way.
    """
    events = [e for names in METRICS.values() for e in names]
    starts = period.buckets()
    ends = [*starts[1:], period.end]
    parts: list[Select[Any, str, int]] = [
        select(literal_column(str(i)).label("slot"), AuditEvent.event, func.count().label("n"))
        .where(AuditEvent.event.in_(events), AuditEvent.at >= start, AuditEvent.at < end)
        .group_by(AuditEvent.event)
        for i, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]
    found = {metric: [0] * len(starts) for metric in METRICS}
    metric_of = _metric_of()
    for slot, event, count in session.execute(union_all(*parts)):
        found[metric_of[event]][int(slot)] += int(count)
    return found


def totals(series: dict[str, list[int]]) -> dict[str, int]:
    """Each metric's count over the whole period: the sum of its buckets (no second scan)."""
    return {metric: sum(values) for metric, values in series.items()}


def active_sessions(session: Session, now: datetime) -> int:
    """Sessions that are neither revoked nor past their idle or absolute limit."""
    count = session.scalar(
        select(func.count())
        .select_from(AuthSession)
        .where(
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
            AuthSession.idle_expires_at > now,
        )
    )
    return int(count or 0)


def top_ips(session: Session, period: Period, limit: int = TOP) -> list[Offender]:
    """The IPs with the most failed or blocked events in the period (``(outcome, at, ip)``)."""
    count = func.count().label("n")
    rows = session.execute(
        select(AuditEvent.ip, count)
        .where(AuditEvent.outcome.in_(OFFENCES), _in_period(period), AuditEvent.ip.is_not(None))
        .group_by(AuditEvent.ip)
        .order_by(count.desc(), AuditEvent.ip)
        .limit(limit)
    )
    return [Offender(str(ip), str(ip), int(n)) for ip, n in rows]


def top_accounts(session: Session, period: Period, limit: int = TOP) -> list[Offender]:
    """The accounts with the most failed or blocked events (``(outcome, at, user_id)``)."""
    count = func.count().label("n")
    rows = session.execute(
        select(AuditEvent.user_id, count)
        .where(
            AuditEvent.outcome.in_(OFFENCES), _in_period(period), AuditEvent.user_id.is_not(None)
        )
        .group_by(AuditEvent.user_id)
        .order_by(count.desc(), AuditEvent.user_id)
        .limit(limit)
    ).all()
    # The WHERE clause excludes NULL user ids; the column's type still says "int | None".
    found = [(int(user_id or 0), int(n)) for user_id, n in rows]
    ids = [user_id for user_id, _ in found]
    names = (
        {
            uid: name
            for uid, name in session.execute(select(User.id, User.username).where(User.id.in_(ids)))
        }
        if ids
        else {}
    )
    return [Offender(str(uid), names.get(uid, f"#{uid}"), n) for uid, n in found]


def security_stats(session: Session, period: Period) -> SecurityStats:
    """All of the security dashboard's numbers for ``period``."""
    series = timeline(session, period)
    return SecurityStats(
        period=period,
        totals=totals(series),
        timeline=series,
        active_sessions=active_sessions(session, period.end),
        top_ips=top_ips(session, period),
        top_accounts=top_accounts(session, period),
    )
