"""The hand-off nonce table: each signed hand-off may open a session once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from munjigi.db import Base
from munjigi.db import UTCDateTime


class HandoffNonce(Base):
    """A nonce already spent, kept until its hand-off could no longer be fresh."""

    __tablename__ = "handoff_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    # After this instant the timestamp check alone refuses a replay; the row may go.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
