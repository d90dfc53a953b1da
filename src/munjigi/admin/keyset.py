"""Keyset ("seek") pagination: pages found through an index, never by OFFSET.

``OFFSET 500000`` makes the database read and throw away half a million rows; a keyset
page asks the index for "the next 50 after this key", which costs the same on page 1 and
page 20,000. The key must be unique (an id, or a unique column) so no row is skipped or
repeated between pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import Generic
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from munjigi.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the cursors of its neighbours (None: no such page)."""

    items: list[T]
    next_cursor: Any = None
    prev_cursor: Any = None


def fetch(
    stmt: Select[Any],
    key: ColumnElement[Any] | InstrumentedAttribute[Any],
    key_of: Callable[[T], Any],
    *,
    descending: bool,
    after: Any = None,
    before: Any = None,
    limit: int = 50,
) -> Page[T]:
    """Rows of ``stmt`` ordered by ``key``: the ``limit`` after ``after`` or before ``before``.

    One extra row is read to know whether another page follows in that direction.
    """
    backward = before is not None and after is None
    forward_cmp = key.__lt__ if descending else key.__gt__
    backward_cmp = key.__gt__ if descending else key.__lt__
    if backward:
        stmt = stmt.where(backward_cmp(before)).order_by(key.asc() if descending else key.desc())
    else:
        if after is not None:
            stmt = stmt.where(forward_cmp(after))
        stmt = stmt.order_by(key.desc() if descending else key.asc())
    rows: list[T] = list(db.session.scalars(stmt.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if backward:
        rows.reverse()
        has_prev, has_next = more, True
    else:
        has_prev, has_next = after is not None, more
    if not rows:
        return Page(rows)
    return Page(
        rows,
        next_cursor=key_of(rows[-1]) if has_next else None,
        prev_cursor=key_of(rows[0]) if has_prev else None,
    )
