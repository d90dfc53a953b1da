"""Tables of passkeys: WebAuthn credentials, each user's opaque handle, pending ceremonies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from munjigi.db import Base
from munjigi.db import UTCDateTime
from munjigi.db import utcnow


class PasskeyUser(Base):
    """The WebAuthn user handle of a member: random, so it reveals nothing about them."""

    __tablename__ = "passkey_users"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # base64url of 32 random bytes (WebAuthn §14.6.1: no personal data in user.id).
    user_handle: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Passkey(Base):
    """One registered WebAuthn credential of a member."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the credential id: a unique key every backend can index (ids reach 1,023
    # bytes, beyond MariaDB's index limit for text), and the lookup of every sign-in.
    credential_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The credential id itself, base64url (sent back in allowCredentials/excludeCredentials).
    credential_id: Mapped[str] = mapped_column(String(1400))
    public_key: Mapped[bytes] = mapped_column(LargeBinary())
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(64))
    transports: Mapped[list[str] | None] = mapped_column(JSON(), default=None)
    aaguid: Mapped[str] = mapped_column(String(36), default="")
    device_type: Mapped[str] = mapped_column(String(16), default="single_device")
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    user_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class PasskeyChallenge(Base):
    """A ceremony in progress: its challenge (hashed), purpose, owner and expiry; used once."""

    __tablename__ = "passkey_challenges"

    # SHA-256 of the challenge: the browser echoes the challenge in clientDataJSON, so the
    # row is found from the response itself and the stored value is useless to a reader.
    challenge_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    # What else the ceremony is tied to: a session id (re-authentication) or the hash of
    # a pending second-factor login.
    binding: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
