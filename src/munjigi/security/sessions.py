"""Sessions: open on login, rotate refresh tokens with theft detection, check, revoke.

The database is the source of truth for revocation: every protected request reads its
session row by primary key (one indexed join with the user), so a logout, a lock or a
detected theft is seen by every process and instance on the very next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import cast

from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlalchemy.engine import Result

from munjigi.extensions import db
from munjigi.security import audit
from munjigi.security import csrf as csrf_rules
from munjigi.security import tokens
from munjigi.security.exceptions import RefreshReusedError
from munjigi.security.exceptions import SessionRevokedError
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuthSession
from munjigi.security.models import RefreshToken
from munjigi.security.models import Role
from munjigi.security.models import User
from munjigi.security.models import UserStatus

# last_used_at is written at most this often per session, not on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedTokens:
    """A fresh access/refresh pair and the CSRF values bound into them."""

    session_id: str
    issued_at: datetime
    access_token: str
    refresh_token: str
    access_csrf: str
    refresh_csrf: str
    access_expires_at: datetime
    refresh_expires_at: datetime


@dataclass(frozen=True)
class Principal:
    """Who is calling: set on ``g`` by the decorators after every check passed."""

    user_id: int
    session_id: str
    role: Role
    claims: dict[str, Any]
    transport: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def open_session(user: User, *, ip: str | None, user_agent: str | None) -> IssuedTokens:
    """Start a session for ``user`` (who has just authenticated) and issue its tokens.

    The caller commits, together with whatever else the login changed.
    """
    gk = gatekeeper()
    now = gk.now()
    session = AuthSession(
        id=tokens.new_id(),
        user_id=user.id,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(seconds=gk.settings.session_max_age),
        idle_expires_at=now,
        ip=ip,
        user_agent=user_agent,
    )
    db.session.add(session)
    return _issue(session, user.role, now)


def rotate_refresh(claims: dict[str, Any]) -> IssuedTokens:
    """Exchange a verified refresh token for a new pair (SPEC §3 rotation).

    The first use of a refresh token wins atomically and creates its successor. A second
    use inside the grace window (two tabs) gets that same successor again (same ``jti``,
    re-signed with fresh CSRF values), never a new one: a session has one refresh chain, so
    whichever tab moves on first makes the other's copy a replay. A use after the window
    means the token was copied: the whole session is revoked and audited, and the caller
    gets 401.

    :raises SessionRevokedError: the session is gone, revoked or expired.
    :raises RefreshReusedError: replay after the grace window.
    """
    gk = gatekeeper()
    now = gk.now()
    sid, jti = claims["sid"], claims["jti"]
    # The session row lock serialises every rotation of one session: a second tab waits
    # here until the first committed its successor.
    session = _load_live_session(sid, str(claims["sub"]), now)
    claimed = db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.jti == jti,
            RefreshToken.session_id == sid,
            RefreshToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    successor: RefreshToken | None = None
    if not _rowcount(claimed):
        # A locking read sees the winner's committed used_at even under MariaDB's
        # REPEATABLE READ snapshot.
        used_at = db.session.execute(
            select(RefreshToken.used_at)
            .where(RefreshToken.jti == jti, RefreshToken.session_id == sid)
            .with_for_update()
        ).scalar_one_or_none()
        grace = timedelta(seconds=gk.settings.refresh_grace)
        if used_at is None or now - used_at > grace:
            _revoke_row(session, "refresh_reused", now)
            audit.record(
                "refresh_reused",
                outcome="blocked",
                user_id=session.user_id,
                session_id=sid,
                reason="replay_after_grace" if used_at else "unknown_refresh_token",
            )
            db.session.commit()
            raise RefreshReusedError()
        successor = _chain_head(sid)
    user = db.session.get(User, session.user_id)
    assert user is not None  # noqa: S101 - the session row's foreign key guarantees it
    session.last_used_at = now
    issued = _issue(session, user.role, now, successor=successor)
    audit.record(
        "refresh",
        user_id=session.user_id,
        session_id=sid,
        detail={"grace_reuse": True} if successor is not None else None,
    )
    db.session.commit()
    return issued


def _chain_head(sid: str) -> RefreshToken | None:
    """The session's live refresh token: the newest one nobody has used yet.

    A locking read, like the one above: under MariaDB's REPEATABLE READ a plain read could
    answer from a snapshot taken before the first tab committed its successor.
    """
    return db.session.scalars(
        select(RefreshToken)
        .where(RefreshToken.session_id == sid, RefreshToken.used_at.is_(None))
        .order_by(RefreshToken.issued_at.desc(), RefreshToken.jti)
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def check_access(claims: dict[str, Any], transport: str) -> Principal:
    """The per-request check: the session named by ``sid`` is live and its user active.

    One primary-key read (joined with the user for the current role, so a demoted admin
    loses rights at once). ``last_used_at`` is written at most once a minute.

    :raises SessionRevokedError: logged out, revoked, expired, locked or deleted.
    """
    now = gatekeeper().now()
    # One compiled Core statement on a pooled connection of its own: no ORM session is
    # built for a request that needs nothing else, and the read sees every commit made by
    # any process or instance before it (SPEC §3: refused on the very next request).
    with db.engine.connect() as connection:
        row = connection.execute(_SESSION_STATE, {"sid": claims["sid"]}).first()
        if (
            row is None
            or row.revoked_at is not None
            or row.expires_at <= now
            or str(row.user_id) != claims["sub"]
            or row.status != UserStatus.ACTIVE
        ):
            raise SessionRevokedError()
        if now - row.last_used_at >= LAST_USED_RESOLUTION:
            connection.execute(_TOUCH, {"sid": claims["sid"], "now": now})
            connection.commit()
    return Principal(row.user_id, claims["sid"], Role(row.role), claims, transport)


def revoke(session_id: str, reason: str, *, actor_id: int | None = None) -> bool:
    """Revoke one session; True if it was live. The caller commits."""
    now = gatekeeper().now()
    session = db.session.get(AuthSession, session_id)
    if session is None or session.revoked_at is not None:
        return False
    _revoke_row(session, reason, now)
    audit.record(
        "session_revoked",
        user_id=session.user_id,
        actor_id=actor_id,
        session_id=session_id,
        reason=reason,
    )
    return True


def revoke_all(
    user_id: int, reason: str, *, keep: str | None = None, actor_id: int | None = None
) -> int:
    """Revoke every live session of ``user_id`` except ``keep``; returns how many.

    The caller commits.
    """
    now = gatekeeper().now()
    query = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    count = _rowcount(db.session.execute(query.values(revoked_at=now, revoked_reason=reason)))
    if count:
        audit.record(
            "sessions_revoked",
            user_id=user_id,
            actor_id=actor_id,
            reason=reason,
            detail={"count": count},
        )
    return int(count)


def list_active(user_id: int) -> list[AuthSession]:
    """The user's live sessions, most recently used first."""
    now = gatekeeper().now()
    return list(
        db.session.scalars(
            select(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
                AuthSession.idle_expires_at > now,
            )
            .order_by(AuthSession.last_used_at.desc(), AuthSession.id)
        )
    )


def _issue(
    session: AuthSession, role: Role, now: datetime, *, successor: RefreshToken | None = None
) -> IssuedTokens:
    """Sign an access and a refresh token for ``session`` and record the refresh ``jti``.

    With ``successor`` (a grace-window reuse), the refresh token is that existing row's
    again (same ``jti`` and expiry), so no second chain starts.
    """
    gk = gatekeeper()
    settings = gk.settings
    key = gk.keys.signing_key(db.session)
    now_ts = int(now.timestamp())
    limit = int(session.expires_at.timestamp())
    access_exp = min(now_ts + settings.access_ttl, limit)
    refresh_exp = min(now_ts + settings.refresh_ttl, limit)
    if successor is not None:
        refresh_exp = min(int(successor.expires_at.timestamp()), limit)
    access_csrf, refresh_csrf = tokens.new_id(), tokens.new_id()
    refresh_jti = successor.jti if successor is not None else tokens.new_id()

    def sign(token_type: str, expires_at: int, jti: str | None, csrf: str) -> str:
        claims = tokens.build_claims(
            policy=gk.policy,
            token_type=token_type,
            user_id=str(session.user_id),
            session_id=session.id,
            role=str(role),
            now=now_ts,
            expires_at=expires_at,
            jti=jti,
            csrf=csrf,
        )
        if token_type == tokens.REFRESH:
            # The refresh path also accepts the access token's CSRF value (csrf.claims_match).
            claims[csrf_rules.ACCESS_CSRF_CLAIM] = access_csrf
        return tokens.encode(claims, key)

    access = sign(tokens.ACCESS, access_exp, None, access_csrf)
    refresh = sign(tokens.REFRESH, refresh_exp, refresh_jti, refresh_csrf)
    refresh_expires_at = datetime.fromtimestamp(refresh_exp, now.tzinfo)
    if successor is None:
        db.session.add(
            RefreshToken(
                jti=refresh_jti,
                session_id=session.id,
                issued_at=now,
                expires_at=refresh_expires_at,
            )
        )
    session.idle_expires_at = refresh_expires_at
    return IssuedTokens(
        session_id=session.id,
        issued_at=now,
        access_token=access,
        refresh_token=refresh,
        access_csrf=access_csrf,
        refresh_csrf=refresh_csrf,
        access_expires_at=datetime.fromtimestamp(access_exp, now.tzinfo),
        refresh_expires_at=refresh_expires_at,
    )


def _load_live_session(sid: str, sub: str, now: datetime) -> AuthSession:
    session = db.session.get(AuthSession, sid, with_for_update=True)
    if (
        session is None
        or session.revoked_at is not None
        or session.expires_at <= now
        or str(session.user_id) != sub
        or session.user.status != UserStatus.ACTIVE
    ):
        raise SessionRevokedError()
    return session


def _rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE/DELETE (DML results are cursor results on every driver)."""
    return int(cast(CursorResult[Any], result).rowcount)


def _revoke_row(session: AuthSession, reason: str, now: datetime) -> None:
    session.revoked_at = now
    session.revoked_reason = reason


# Plain Core statements on the tables (no ORM entities): one primary-key read joined with
# the user by primary key, and the throttled last_used_at write.
_sessions_table = cast(Table, AuthSession.__table__)
_users_table = cast(Table, User.__table__)
_SESSION_STATE = (
    select(
        _sessions_table.c.revoked_at,
        _sessions_table.c.expires_at,
        _sessions_table.c.last_used_at,
        _sessions_table.c.user_id,
        _users_table.c.role,
        _users_table.c.status,
    )
    .select_from(_sessions_table.join(_users_table, _users_table.c.id == _sessions_table.c.user_id))
    .where(_sessions_table.c.id == bindparam("sid"))
)

_TOUCH = (
    update(_sessions_table)
    .where(_sessions_table.c.id == bindparam("sid"))
    .values(last_used_at=bindparam("now"))
)


def purge_dead() -> int:
    """Delete sessions that can never be used again; their refresh rows cascade."""
    now = gatekeeper().now()
    result = db.session.execute(
        delete(AuthSession).where(
            or_(
                AuthSession.revoked_at.is_not(None),
                AuthSession.expires_at <= now,
                AuthSession.idle_expires_at <= now,
            )
        )
    )
    db.session.commit()
    return _rowcount(result)
