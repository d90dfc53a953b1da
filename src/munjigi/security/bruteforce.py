"""Brute-force protection on login, kept in the database so every process sees the same state.

Threats: online password guessing against one account (from one IP or many), and password
spraying from one IP across accounts; and the opposite abuse, an attacker locking a victim
out on purpose. Three scopes are counted:

- **(account, IP) pair**: ``login_pair_failures`` failures within ``login_pair_window`` lock
  that pair for ``login_pair_lockout``; the account still logs in from every other IP.
- **account, from any IP**: after ``login_account_failures`` failures each attempt must wait
  1, 2, 4 … seconds after the previous failure, capped at ``login_account_max_delay``.
  Attempts refused while waiting do not count, so the delay never grows past the cap, and
  an (account, IP) pair that logged in successfully in the last ``login_trusted_pair_ttl``
  skips it: no attacker can lock a victim out of their own device.
- **IP**: ``login_ip_failures_minute`` / ``login_ip_failures_day`` failed logins, then 429
  with ``Retry-After`` until the window ends (Auth0's suspicious-IP throttling).

Unknown and wrong-password attempts get the same 400 ``login_failed`` after the same work
(one argon2 verification). While a pair lock or the account's delay holds, the answer is
429 with ``Retry-After`` and the password is not even checked: a correct password is never
answered "wrong" (SPEC §6). Unknown names are tracked exactly like accounts, so the 429
comes the same for them and nothing here tells an attacker whether an account exists.
Unlock happens by time, by an admin (:func:`unlock`), or by a password change
(:func:`install`).

Suspicious IPs and pairs meet a proof of work (``antibot``) when the client can solve one;
one that cannot is throttled instead: 1, 2, 4 … seconds after the pair's or the IP's latest
failure (:func:`_throttle_wait`), never for the account as a whole.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import and_
from sqlalchemy import delete
from sqlalchemy import event
from sqlalchemy import inspect
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.security import antibot
from munjigi.security import audit
from munjigi.security import suspicion
from munjigi.security.audit_chain import insert_ignore
from munjigi.security.exceptions import RateLimitedError
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import User
from munjigi.security.protection_models import LoginThrottle

PAIR = "pair"
ACCOUNT = "account"
IP_MINUTE = "ip_min"
IP_DAY = "ip_day"
# Lock order of the rows of one attempt (always the same: no deadlocks between attempts).
ORDER = (PAIR, ACCOUNT, IP_MINUTE, IP_DAY)
# A successful login re-marks its pair as trusted at most this often (most logins write nothing).
TRUST_REFRESH = timedelta(days=1)


@dataclass
class Attempt:
    """One login attempt as the brute-force layer sees it."""

    account: str
    user_id: int | None
    ip: str
    now: datetime
    rows: dict[str, LoginThrottle]
    blocked: str | None = None
    trusted: bool = False
    # While ``blocked``: whole seconds until the lock or delay ends (the 429's Retry-After).
    retry_after: int = 0

    def subject(self, scope: str) -> str:
        if scope == PAIR:
            return f"{self.account}|{self.ip}"
        if scope == ACCOUNT:
            return self.account
        return self.ip


def account_key(login: str, user_id: int | None) -> str:
    """``u:<id>`` for an account, ``n:<digest>`` for a name nobody holds (tracked the same)."""
    if user_id is not None:
        return f"u:{user_id}"
    folded = unicodedata.normalize("NFKC", login).strip().casefold()
    return "n:" + hashlib.sha256(folded.encode()).hexdigest()[:40]


def _settings() -> Settings:
    return gatekeeper().settings


def _load(attempt: Attempt, *, locking: bool = False) -> dict[str, LoginThrottle]:
    wanted = [
        and_(LoginThrottle.scope == s, LoginThrottle.subject == attempt.subject(s)) for s in ORDER
    ]
    query = select(LoginThrottle).where(or_(*wanted)).execution_options(populate_existing=True)
    if locking:
        # MariaDB's REPEATABLE READ: only a locking read sees what other workers committed
        # after this transaction's first read (the rows are locked by _lock_rows already).
        query = query.with_for_update()
    found = db.session.scalars(query)
    return {row.scope: row for row in found if row.subject == attempt.subject(row.scope)}


def _count(row: LoginThrottle | None, window: int, now: datetime) -> int:
    if row is None or now - row.window_start >= timedelta(seconds=window):
        return 0
    return row.count


def _account_failures(row: LoginThrottle | None, settings: Settings, now: datetime) -> int:
    if row is None or row.last_failure_at is None:
        return 0
    if now - row.last_failure_at > timedelta(seconds=settings.login_failure_reset):
        return 0
    return row.count


def account_delay(failures: int, settings: Settings) -> int:
    """Seconds an account must rest after its latest failure (0 below the threshold)."""
    over = failures - settings.login_account_failures
    if over < 0:
        return 0
    return int(min(settings.login_account_max_delay, 2 ** min(over, 30)))


def begin(login: str, user: User | None) -> Attempt:
    """Before the password is checked: refuse an over-budget IP, ask suspicious clients for a
    proof of work, and say whether this attempt is blocked (pair locked, account resting).

    :raises RateLimitedError: (429) the IP used up its failed-login budget.
    :raises ChallengeRequiredError: (428) suspicious, and no valid proof of work was sent.
    """
    settings = _settings()
    gk = gatekeeper()
    attempt = Attempt(
        account=account_key(login, user.id if user else None),
        user_id=user.id if user else None,
        ip=audit.client_ip() or "unknown",
        now=gk.now(),
        rows={},
    )
    if not settings.bruteforce_enabled:
        return attempt
    attempt.rows = rows = _load(attempt)
    now = attempt.now
    pair, account = rows.get(PAIR), rows.get(ACCOUNT)
    minute = _count(rows.get(IP_MINUTE), 60, now)
    day = _count(rows.get(IP_DAY), 86400, now)
    for count, limit, scope, window in (
        (minute, settings.login_ip_failures_minute, IP_MINUTE, 60),
        (day, settings.login_ip_failures_day, IP_DAY, 86400),
    ):
        if count >= limit:
            start = rows[scope].window_start
            retry = math.ceil((start + timedelta(seconds=window) - now).total_seconds())
            raise RateLimitedError(retry_after=retry)
    attempt.trusted = bool(
        pair is not None
        and pair.last_success_at is not None
        and now - pair.last_success_at <= timedelta(seconds=settings.login_trusted_pair_ttl)
    )
    pair_failures = _count(pair, settings.login_pair_window, now)
    failures = _account_failures(account, settings, now)
    level = suspicion.level_from_failures(day, pair_failures)
    antibot.require(
        "login", level, wait=lambda: _throttle_wait(attempt, day, pair_failures, settings)
    )
    if pair is not None and pair.locked_until is not None and pair.locked_until > now:
        attempt.blocked = "pair_locked"
        attempt.retry_after = _seconds_until(pair.locked_until, now)
    elif not attempt.trusted and account is not None and account.last_failure_at is not None:
        rest = account_delay(failures, settings)
        if rest and now < account.last_failure_at + timedelta(seconds=rest):
            attempt.blocked = "account_delay"
            attempt.retry_after = _seconds_until(
                account.last_failure_at + timedelta(seconds=rest), now
            )
    return attempt


def throttled(attempt: Attempt) -> RateLimitedError:
    """The answer to a blocked attempt: 429 until the lock or delay ends (SPEC §6)."""
    return RateLimitedError(retry_after=attempt.retry_after)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _throttle_wait(attempt: Attempt, day: int, pair_failures: int, settings: Settings) -> int:
    """Seconds a client that cannot solve a proof of work must still wait (0: go ahead).

    The pair's and the IP's own failures only: each beyond the suspicious threshold doubles
    the wait after that scope's latest failure. Refused attempts are not failures, so
    waiting it out always works.
    """
    waits = [0]
    for row, failures, threshold in (
        (attempt.rows.get(PAIR), pair_failures, settings.antibot_suspicious_account_failures),
        (attempt.rows.get(IP_DAY), day, settings.antibot_suspicious_ip_failures),
    ):
        if row is not None and row.last_failure_at is not None and failures >= threshold:
            waits.append(
                suspicion.wait_after(row.last_failure_at, failures - threshold, attempt.now)
            )
    return max(waits)


def _lock_rows(attempt: Attempt, scopes: tuple[str, ...]) -> dict[str, LoginThrottle]:
    """Lock (creating them if needed) the rows of ``scopes``, in ``ORDER``."""
    connection = db.session.connection()
    for scope in scopes:
        subject = attempt.subject(scope)
        where = (LoginThrottle.scope == scope, LoginThrottle.subject == subject)
        touch = update(LoginThrottle).where(*where).values(count=LoginThrottle.count)
        if connection.execute(touch).rowcount == 0:
            values = {
                "scope": scope,
                "subject": subject,
                "user_id": attempt.user_id if scope in (PAIR, ACCOUNT) else None,
                "count": 0,
                "window_start": attempt.now,
            }
            connection.execute(insert_ignore(connection, LoginThrottle, values))
            connection.execute(touch)
    attempt.rows = _load(attempt, locking=True)
    return attempt.rows


def failed(attempt: Attempt) -> None:
    """Count a failed attempt (the caller has audited it and commits)."""
    settings = _settings()
    if not settings.bruteforce_enabled:
        return
    db.session.flush()
    now = attempt.now
    # A blocked attempt counts against its IP only: it must not extend the victim's lock.
    scopes = (IP_MINUTE, IP_DAY) if attempt.blocked else ORDER
    rows = _lock_rows(attempt, scopes)
    for scope, window, limit in (
        (IP_MINUTE, 60, settings.login_ip_failures_minute),
        (IP_DAY, 86400, settings.login_ip_failures_day),
    ):
        if _bump(rows[scope], window, now) == limit:
            _audit_lockout(
                attempt, "ip_throttled", rows[scope].window_start + timedelta(seconds=window)
            )
    if attempt.blocked:
        return
    pair = rows[PAIR]
    if _bump(pair, settings.login_pair_window, now) >= settings.login_pair_failures:
        pair.locked_until = now + timedelta(seconds=settings.login_pair_lockout)
        pair.count = 0
        _audit_lockout(attempt, "pair_locked", pair.locked_until)
    account = rows[ACCOUNT]
    if _account_failures(account, settings, now) == 0:
        account.count = 0
        account.window_start = now
    account.count += 1
    account.last_failure_at = now
    if account.count == settings.login_account_failures:
        rest = account_delay(account.count, settings)
        _audit_lockout(attempt, "account_throttled", now + timedelta(seconds=rest))


def _bump(row: LoginThrottle, window: int, now: datetime) -> int:
    if now - row.window_start >= timedelta(seconds=window):
        row.window_start = now
        row.count = 0
    row.count += 1
    row.last_failure_at = now
    return row.count


def _audit_lockout(attempt: Attempt, reason: str, until: datetime) -> None:
    audit.record(
        "lockout",
        outcome="blocked",
        user_id=attempt.user_id,
        reason=reason,
        detail={
            "until": until.isoformat(),
            "scope_ip": attempt.ip if reason != "account_throttled" else None,
        },
    )


def succeeded(attempt: Attempt) -> None:
    """A good login: its pair becomes trusted and the account's failures are forgiven."""
    if not _settings().bruteforce_enabled:
        return
    pair, account = attempt.rows.get(PAIR), attempt.rows.get(ACCOUNT)
    fresh = (
        pair is not None
        and pair.count == 0
        and pair.locked_until is None
        and pair.last_success_at is not None
        and attempt.now - pair.last_success_at < TRUST_REFRESH
    )
    if fresh and (account is None or account.count == 0):
        return  # the common case: nothing to write
    rows = _lock_rows(attempt, (PAIR, ACCOUNT))
    rows[PAIR].count = 0
    rows[PAIR].locked_until = None
    rows[PAIR].last_success_at = attempt.now
    rows[ACCOUNT].count = 0


def ip_level(ip: str) -> int:
    """The PoW level an IP's failed logins call for (what the login page embeds)."""
    if not _settings().bruteforce_enabled or not ip:
        return 0
    now = gatekeeper().now()
    row = db.session.get(LoginThrottle, (IP_DAY, ip))
    return suspicion.level_from_failures(_count(row, 86400, now), 0)


def unlock(user_id: int, *, actor_id: int | None = None, reason: str = "admin") -> int:
    """Forget every lock and failure of an account (admin action); the caller commits."""
    result = db.session.connection().execute(
        delete(LoginThrottle).where(LoginThrottle.user_id == user_id)
    )
    count = result.rowcount
    audit.record(
        "login_unlocked",
        user_id=user_id,
        actor_id=actor_id,
        reason=reason,
        detail={"rows": int(count or 0)},
    )
    return int(count or 0)


def status(user_id: int) -> dict[str, Any]:
    """What throttles an account now: locked pairs and the account's rest, for admin pages."""
    settings = _settings()
    now = gatekeeper().now()
    rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.user_id == user_id)).all()
    locked = [
        {"ip": r.subject.partition("|")[2], "until": r.locked_until}
        for r in rows
        if r.scope == PAIR and r.locked_until is not None and r.locked_until > now
    ]
    account = next((r for r in rows if r.scope == ACCOUNT), None)
    failures = _account_failures(account, settings, now)
    rest_until = None
    if account is not None and account.last_failure_at is not None:
        rest = account_delay(failures, settings)
        if rest and account.last_failure_at + timedelta(seconds=rest) > now:
            rest_until = account.last_failure_at + timedelta(seconds=rest)
    return {"failures": failures, "locked_pairs": locked, "delayed_until": rest_until}


def _forget_on_password_change(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty):
        if isinstance(obj, User) and obj.id is not None:
            if inspect(obj).attrs.password_changed_at.history.has_changes():
                session.connection().execute(
                    delete(LoginThrottle).where(LoginThrottle.user_id == obj.id)
                )


def install() -> None:
    """A password change (``password_changed_at`` moves) clears that account's locks."""
    if not event.contains(Session, "before_flush", _forget_on_password_change):
        event.listen(Session, "before_flush", _forget_on_password_change)
