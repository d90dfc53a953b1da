"""Tables of the importer: the run journal, the old-id → new-id mapping, the price history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import Numeric
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from munjigi.db import Base
from munjigi.db import UTCDateTime
from munjigi.db import utcnow


class ImportRun(Base):
    """One ``--apply`` run of an import: its options, where each kind got to, its counts.

    ``cursors`` (kind → last source key committed) moves in the same transaction as each
    batch, so an interrupted run resumes exactly after the last batch that was committed.
    """

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    preset: Mapped[str] = mapped_column(String(16))
    # running → done, or failed (an error), or resumed (a later run took over its cursors)
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    resumed_from: Mapped[int | None] = mapped_column(Integer, default=None)
    options: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    cursors: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)


class ImportMapping(Base):
    """A source row that became a Munjigi row: what makes a second run change nothing."""

    __tablename__ = "import_mappings"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    # user, ingredient, post, comment, post_like, comment_like, owner
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    # Text, so that file sources keyed by username fit as well as integer ids (0 included).
    old_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    new_id: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[int] = mapped_column(Integer, index=True)


class ImportedPrice(Base):
    """The price a 한끼얼마 post had stored, kept beside the cost Munjigi computed at import."""

    __tablename__ = "import_prices"

    recipe_id: Mapped[int] = mapped_column(
        ForeignKey("recipes.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(100))
    old_id: Mapped[str] = mapped_column(String(160))
    stored_price: Mapped[int | None] = mapped_column(Integer, default=None)
    computed_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
