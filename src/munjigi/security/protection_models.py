"""Tables of the protection layer: rate-limit counters, login throttles, spent PoW challenges,
and the head of the audit hash chain. Shared by every process through the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import Double
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from munjigi.db import Base
from munjigi.db import UTCDateTime


class RateLimitCounter(Base):
    """One fixed-window counter of the database rate-limit storage (``limits`` key → hits)."""

    __tablename__ = "ratelimit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # Epoch seconds: the storage speaks limits' float timestamps, and they sort on every backend.
    expires_at: Mapped[float] = mapped_column(Double(), index=True)


class LoginThrottle(Base):
    """Failed-login bookkeeping for one scope: an (account, IP) pair, an account, or an IP."""

    __tablename__ = "login_throttles"

    # "pair", "account", "ip_min", "ip_day"
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    # "u:<id>" / "n:<digest>" for accounts, the IP for IPs, "<account>|<ip>" for pairs.
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Set for known accounts, so an admin unlock or a password change can find every row.
    user_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # A pair that logged in recently is trusted: the account-wide delay does not apply to it.
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class SpentChallenge(Base):
    """A redeemed proof-of-work challenge, kept until it expires so it cannot be replayed."""

    __tablename__ = "antibot_spent_challenges"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AuditChainHead(Base):
    """The single row (id 1) holding the newest link of the audit hash chain.

    Appending an audit event locks this row, so links are made one at a time across every
    process. After a purge, ``anchor_*`` say where the remaining chain starts.
    """

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[str] = mapped_column(String(64))
    anchor_seq: Mapped[int | None] = mapped_column(BigInteger, default=None)
    anchor_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
