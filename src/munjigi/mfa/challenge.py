"""The pending second-factor login: after a right password, a challenge instead of a session.

Threat: a stolen or guessed password alone must not open a session of an account with a
second factor, and the step between password and second factor must not become a way
around brute-force protection. So, after the password is right:

- no session is opened; :func:`issue` creates a random challenge token (256 bits) that
  lives ``MUNJIGI_MFA_CHALLENGE_TTL`` seconds (5 min). Only its SHA-256 is stored, bound to
  the user, so a database reader cannot finish anyone's login;
- every wrong code calls :func:`fail`: the challenge counts it (after
  ``MUNJIGI_MFA_CHALLENGE_ATTEMPTS`` it is dead) and so does the login brute-force layer
  (security/bruteforce.py, per account+IP pair, account and IP), which is told of a success
  only when the second factor is right — a right password never forgives failures;
- :func:`complete` spends the challenge atomically (one UPDATE … WHERE used_at IS NULL:
  two concurrent completions cannot both win), opens the session
  (``sessions.open_session``), marks it freshly authenticated (step-up) and audits the
  method.

Functions for other second factors (helper G's passkeys call these):

``issue(user) -> Pending``
    Create a challenge for ``user`` (the caller has checked the password). Caller commits.
``peek(token) -> int``
    The user id of a live challenge, without spending it (e.g. to build the WebAuthn
    options with that user's credentials). Raises :class:`ChallengeInvalidError`.
``fail(token, method, reason) -> None``
    A wrong second factor: counts it on the challenge and in brute force, audits, commits,
    then raises :class:`CodeInvalidError` (or :class:`ChallengeInvalidError` once used up).
``complete(token, method) -> (User, IssuedTokens)``
    The second factor was right: spend, open the session, audit, commit.
``enrolled_methods(user_id) -> list[str]``
    ``totp``, ``recovery_code``, ``passkey`` — the factors a login may finish with; empty
    means no second step.
"""

from __future__ import annotations

import hashlib
import importlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import cast

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlalchemy.engine import Result

from munjigi.extensions import db
from munjigi.mfa.exceptions import ChallengeInvalidError
from munjigi.mfa.exceptions import CodeInvalidError
from munjigi.mfa.models import MfaChallenge
from munjigi.mfa.models import RecoveryCode
from munjigi.mfa.models import TotpFactor
from munjigi.security import audit
from munjigi.security import bruteforce
from munjigi.security import sessions
from munjigi.security import stepup
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import User
from munjigi.security.models import UserStatus
from munjigi.security.sessions import IssuedTokens

# Longest token we look up: anything longer is not ours (and never reaches the hash).
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class Pending:
    """A login waiting for its second factor: what the client needs for the second step."""

    token: str
    user_id: int
    methods: list[str]
    expires_at: datetime


def _rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE (DML results are cursor results on every driver)."""
    return int(cast(CursorResult[Any], result).rowcount)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enrolled_methods(user_id: int) -> list[str]:
    """The second factors ``user_id`` can finish a login with (empty: none enrolled)."""
    methods: list[str] = []
    confirmed = db.session.scalar(
        select(TotpFactor.user_id).where(
            TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_not(None)
        )
    )
    if confirmed is not None:
        methods.append("totp")
    if _passkey_count(user_id):
        methods.append("passkey")
    if methods:
        spare = db.session.scalar(
            select(RecoveryCode.id)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
            .limit(1)
        )
        if spare is not None:
            methods.append("recovery_code")
    return methods


def _passkey_count(user_id: int) -> int:
    """Passkeys of ``user_id`` (munjigi.passkeys, when that package is present)."""
    # Imported by name at run time: the passkeys package is optional here (helper G's).
    try:
        module = importlib.import_module("munjigi.passkeys.services")
    except ImportError:
        return 0
    count_for_user = getattr(module, "count_for_user", None)
    return int(count_for_user(user_id)) if count_for_user is not None else 0


def issue(user: User, methods: list[str] | None = None) -> Pending:
    """Create a challenge for ``user`` whose password was just verified. The caller commits."""
    gk = gatekeeper()
    now = gk.now()
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=gk.settings.mfa_challenge_ttl)
    # Spent and expired challenges of this user go now: the table stays small.
    db.session.execute(
        delete(MfaChallenge).where(
            MfaChallenge.user_id == user.id,
            (MfaChallenge.expires_at <= now) | MfaChallenge.used_at.is_not(None),
        )
    )
    db.session.add(
        MfaChallenge(
            token_hash=_hash(token), user_id=user.id, created_at=now, expires_at=expires_at
        )
    )
    found = methods if methods is not None else enrolled_methods(user.id)
    audit.record("mfa_challenge", user_id=user.id, detail={"methods": found})
    return Pending(token=token, user_id=user.id, methods=found, expires_at=expires_at)


def _live(token: str, *, locking: bool = False) -> MfaChallenge:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise ChallengeInvalidError()
    query = select(MfaChallenge).where(MfaChallenge.token_hash == _hash(token))
    if locking:
        query = query.with_for_update()
    row = db.session.scalar(query.execution_options(populate_existing=True))
    now = gatekeeper().now()
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= now
        or row.attempts >= gatekeeper().settings.mfa_challenge_attempts
    ):
        raise ChallengeInvalidError()
    return row


def peek(token: str) -> int:
    """The user id of a live challenge (not spent by this call).

    :raises ChallengeInvalidError: unknown, tampered, expired, used up or spent.
    """
    return _live(token).user_id


def _attempt(user: User) -> bruteforce.Attempt:
    """The brute-force view of a second-step attempt: same account key, same client IP.

    Built here rather than by ``bruteforce.begin``: ``begin`` also asks suspicious clients
    for a proof of work meant for the password form; the second step is bounded by the
    challenge's own attempt limit and by the password step, which ``begin`` does guard.
    """
    return bruteforce.Attempt(
        account=bruteforce.account_key(user.username, user.id),
        user_id=user.id,
        ip=audit.client_ip() or "unknown",
        now=gatekeeper().now(),
        rows={},
    )


def fail(token: str, method: str, reason: str = "bad_code") -> None:
    """Count a wrong second factor on the challenge and in brute force; audit; commit.

    :raises CodeInvalidError: the code was wrong; the challenge may be tried again.
    :raises ChallengeInvalidError: that was the last attempt the challenge allowed.
    """
    row = _live(token, locking=True)
    settings = gatekeeper().settings
    row.attempts += 1
    user = db.session.get(User, row.user_id)
    exhausted = row.attempts >= settings.mfa_challenge_attempts
    audit.record(
        "mfa_failed",
        outcome="failed",
        user_id=row.user_id,
        reason=reason,
        detail={"method": method, "attempts": row.attempts, "exhausted": exhausted},
    )
    if user is not None:
        bruteforce.failed(_attempt(user))
    db.session.commit()
    if exhausted:
        raise ChallengeInvalidError()
    raise CodeInvalidError()


def complete(token: str, method: str) -> tuple[User, IssuedTokens]:
    """The second factor was right: spend the challenge and open the session; commits.

    :raises ChallengeInvalidError: the challenge was spent meanwhile (a concurrent or
        replayed completion), expired, used up, or its user was locked or deleted.
    """
    gk = gatekeeper()
    now = gk.now()
    token_hash = _hash(token) if token and len(token) <= MAX_TOKEN_LENGTH else ""
    spent = db.session.execute(
        update(MfaChallenge)
        .where(
            MfaChallenge.token_hash == token_hash,
            MfaChallenge.used_at.is_(None),
            MfaChallenge.expires_at > now,
            MfaChallenge.attempts < gk.settings.mfa_challenge_attempts,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not _rowcount(spent):
        db.session.rollback()
        raise ChallengeInvalidError()
    user_id = db.session.scalar(
        select(MfaChallenge.user_id).where(MfaChallenge.token_hash == token_hash)
    )
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or user.status != UserStatus.ACTIVE:
        db.session.rollback()
        raise ChallengeInvalidError()
    issued = sessions.open_session(user, ip=audit.client_ip(), user_agent=audit.user_agent())
    stepup.mark_authenticated(issued.session_id)
    audit.record("login", user_id=user.id, session_id=issued.session_id, detail={"mfa": method})
    bruteforce.succeeded(_attempt(user))
    db.session.commit()
    return user, issued


def purge_dead() -> int:
    """Delete spent and expired challenges of every user; returns how many. Caller commits."""
    now = gatekeeper().now()
    result = db.session.execute(
        delete(MfaChallenge).where(
            (MfaChallenge.expires_at <= now) | MfaChallenge.used_at.is_not(None)
        )
    )
    return int(cast(CursorResult[Any], result).rowcount)
