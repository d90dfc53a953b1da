"""One-time account tokens (verify an address, reset a password, confirm a new address)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from munjigi.db import Base
from munjigi.db import UTCDateTime
from munjigi.db import utcnow


class AccountToken(Base):
    """A mailed link's token, known by its SHA-256 only; spent once (``used_at``)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # "verify", "reset" or "email": a token works for its own purpose only.
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address the link was mailed to (verify), or the new address (email change).
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Spent, or superseded by a newer link of the same purpose.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
