"""Tables of the security core: users, sessions, refresh tokens, signing keys, audit events."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Enum
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from munjigi.db import Base
from munjigi.db import UTCDateTime
from munjigi.db import utcnow


class Role(enum.StrEnum):
    """What a user may do: members use the app, admins also manage it."""

    MEMBER = "member"
    ADMIN = "admin"


class UserStatus(enum.StrEnum):
    """Locked users cannot log in and have no live session."""

    ACTIVE = "active"
    LOCKED = "locked"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings: portable, and adding a value needs no ALTER TYPE.
    return Enum(cls, name=name, native_enum=False, length=16, values_callable=_values)


def _values(cls: type[enum.Enum]) -> list[str]:
    return [str(member.value) for member in cls]


class User(Base):
    """A person with an account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    # NFKC + casefold of the username/email: uniqueness that "Kim" and "kim" cannot dodge.
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.MEMBER)
    status: Mapped[UserStatus] = mapped_column(
        _enum(UserStatus, "user_status"), default=UserStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Profile shown on /account, and when the terms were accepted at sign-up (migration 0004).
    display_name: Mapped[str | None] = mapped_column(String(64), default=None)
    nickname: Mapped[str | None] = mapped_column(String(32), default=None)
    bio: Mapped[str | None] = mapped_column(String(500), default=None)
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When the current address was proven by a mailed link (lifecycle, migration 0005).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The member's page and mail language ("ko"/"en"); None follows the browser (0012_locale).
    locale: Mapped[str | None] = mapped_column(String(8), default=None)

    sessions: Mapped[list[AuthSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class AuthSession(Base):
    """One login on one device: every token names it in ``sid`` and dies with it."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Absolute limit (SPEC §3): rotation never moves it.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Idle limit: the expiry of the newest refresh token.
    idle_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    ip: Mapped[str | None] = mapped_column(String(45), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(512), default=None)
    # When this session last proved who it is (login, re-authentication): step-up reads it
    # (security/stepup.py, migration 0006). NULL counts as stale.
    auth_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    user: Mapped[User] = relationship(back_populates="sessions")
    refresh_tokens: Mapped[list[RefreshToken]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (Index("ix_auth_sessions_expires_at", "expires_at"),)


class RefreshToken(Base):
    """A refresh token we issued, known by ``jti`` only: its text is never stored."""

    __tablename__ = "refresh_tokens"

    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # First use; a use after used_at + grace is a replay (SPEC §3 theft detection).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class SigningKey(Base):
    """An asymmetric token-signing key; the private half is encrypted with the secret key."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    private_key: Mapped[bytes] = mapped_column(LargeBinary())
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a newer key replaces this one; verification continues until retire_at.
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    retire_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class AuditEvent(Base):
    """An append-only record of a security event."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(48), index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    user_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    session_id: Mapped[str | None] = mapped_column(String(32), default=None)
    ip: Mapped[str | None] = mapped_column(String(45), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(512), default=None)
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON(), default=None)
    # Hash chain (security/audit_chain.py): position, previous link, SHA-256 of this row.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True, default=None)
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    hash: Mapped[str | None] = mapped_column(String(64), default=None)


# Keyset pagination of /admin/audit filtered by event or user (migration 0004).
Index("ix_audit_events_event_id", AuditEvent.event, AuditEvent.id)
Index("ix_audit_events_user_id_id", AuditEvent.user_id, AuditEvent.id)

# The protection layer's tables live beside these (one metadata for migrations and tests).
from munjigi.security import protection_models  # noqa: E402,F401
