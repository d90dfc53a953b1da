"""Prometheus metrics: request latency per route, and counters of security events.

Security events are counted from the audit log as it commits: the security core writes one
``AuditEvent`` per event (``munjigi.security.audit.record``), and a session listener here
turns the rows of each *committed* transaction into counter increments, so a rolled-back
login is never counted and the core needs no knowledge of Prometheus.

Under gunicorn each worker is a process with its own counters. When the environment names
``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, wiped at start by ``gunicorn.conf.py``),
prometheus_client keeps the values in files there and ``/metrics`` adds up every worker's.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess
from prometheus_client import values
from sqlalchemy import event
from sqlalchemy.orm import Session

from munjigi.security.models import AuditEvent

# Auth requests take a few ms; logins with argon2 tens of ms; anything past 1 s is a problem.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED_ROUTE = "<unmatched>"
TOO_MANY_REQUESTS = 429

REQUEST_LATENCY = Histogram(
    "munjigi_http_request_duration_seconds",
    "Time to answer a request, by route template (never the raw path).",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "munjigi_http_requests",
    "Requests answered, by route template and status code.",
    ["method", "route", "status"],
)
LOGINS = Counter("munjigi_logins", "Login attempts by outcome (ok, failed).", ["outcome"])
REFRESHES = Counter("munjigi_token_refreshes", "Refresh tokens rotated successfully.")
REUSE_DETECTIONS = Counter(
    "munjigi_refresh_reuse_detections",
    "Refresh tokens replayed after the grace window (the session was revoked).",
)
REVOCATIONS = Counter("munjigi_session_revocations", "Sessions revoked, by reason.", ["reason"])
RATE_LIMITED = Counter("munjigi_rate_limited", "Requests refused with 429 by a rate limit.")
BOT_BLOCKED = Counter("munjigi_bot_blocked", "Requests refused by the anti-bot checks.")
AUDIT_EVENTS = Counter(
    "munjigi_audit_events",
    "Every committed audit event, by event and outcome.",
    ["event", "outcome"],
)

# Series that exist from the start read 0 instead of missing (rate() needs them).
for _outcome in ("ok", "failed"):
    LOGINS.labels(_outcome)

_PENDING = "munjigi.ops.pending_audit"
BOT_EVENTS = frozenset({"bot_blocked", "honeypot", "pow_failed"})
_LABEL_MAX = 48


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    """Record one answered request under its route template."""
    label = route or UNMATCHED_ROUTE
    REQUEST_LATENCY.labels(method, label).observe(seconds)
    REQUESTS.labels(method, label, str(status)).inc()
    if status == TOO_MANY_REQUESTS:  # the rate limiter or the failed-login budget refused it
        RATE_LIMITED.inc()


def count_audit_event(
    name: str, outcome: str, reason: str | None, detail: dict[str, Any] | None
) -> None:
    """Turn one committed audit event into the counters it stands for."""
    AUDIT_EVENTS.labels(name[:_LABEL_MAX], (outcome or "")[:_LABEL_MAX]).inc()
    # Rate-limited requests are counted from their 429 answers (observe_request): the
    # limiter audits only the first breach of each key per window, so rows would undercount.
    if name in BOT_EVENTS or outcome == "bot_blocked":
        BOT_BLOCKED.inc()
    elif name == "login":
        LOGINS.labels("ok").inc()
    elif name == "login_failed":
        LOGINS.labels("failed").inc()
    elif name == "refresh":
        REFRESHES.inc()
    elif name == "refresh_reused":
        REUSE_DETECTIONS.inc()
        REVOCATIONS.labels("refresh_reused").inc()  # the core revokes the session with it
    elif name == "session_revoked":
        REVOCATIONS.labels((reason or "unknown")[:_LABEL_MAX]).inc()
    elif name == "sessions_revoked":
        count = (detail or {}).get("count", 1)
        amount = count if isinstance(count, int) and count > 0 else 1
        REVOCATIONS.labels((reason or "unknown")[:_LABEL_MAX]).inc(amount)


def _collect_audit_rows(session: Session, flush_context: Any) -> None:
    # After a flush, session.new still lists what the flush inserted.
    found = [
        (row.event, row.outcome, row.reason, row.detail)
        for row in session.new
        if isinstance(row, AuditEvent)
    ]
    if found:
        session.info.setdefault(_PENDING, []).extend(found)


def _count_committed(session: Session) -> None:
    for name, outcome, reason, detail in session.info.pop(_PENDING, ()):
        count_audit_event(name, outcome, reason, detail)


def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def install_audit_listener() -> None:
    """Count audit events of every SQLAlchemy session when they commit (once per process)."""
    if event.contains(Session, "after_flush", _collect_audit_rows):
        return
    event.listen(Session, "after_flush", _collect_audit_rows)
    event.listen(Session, "after_commit", _count_committed)
    event.listen(Session, "after_rollback", _forget_rolled_back)


def multiprocess_mode() -> bool:
    """Whether prometheus_client keeps values in PROMETHEUS_MULTIPROC_DIR (decided at import)."""
    return values.ValueClass is not values.MutexValue


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric: all workers' when in multiprocess mode."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
