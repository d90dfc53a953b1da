"""What every import source yields: plain records, read in keyset batches from the source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import tzinfo
from typing import Any
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import make_url

# The kinds of rows, in the order they are imported (later kinds refer to earlier ones).
USER = "user"
INGREDIENT = "ingredient"
POST = "post"
COMMENT = "comment"
POST_LIKE = "post_like"
COMMENT_LIKE = "comment_like"
KINDS = (USER, INGREDIENT, POST, COMMENT, POST_LIKE, COMMENT_LIKE)


@dataclass(frozen=True)
class Account:
    """A member of the old system; ``password`` is whatever it stored (a hash, or not)."""

    old_id: str
    username: str | None
    email: str | None
    password: str | None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Ingredient:
    """A catalogue entry of 한끼얼마: ``price`` won for ``unit`` (no label in the original)."""

    old_id: str
    name: str | None
    price: int | None
    unit: int | None


@dataclass(frozen=True)
class Post:
    """A 한끼얼마 recipe, with the one ingredient (and its source price) it pointed to."""

    old_id: str
    title: str | None
    content: str | None
    price: int | None
    created_at: datetime | None
    modified_at: datetime | None
    user_old_id: str | None
    ingredient_old_id: str | None
    ingredient_price: int | None
    ingredient_unit: int | None


@dataclass(frozen=True)
class Comment:
    """A comment on a post; most comments in real data have no author."""

    old_id: str
    post_old_id: str
    content: str | None
    created_at: datetime | None
    modified_at: datetime | None
    user_old_id: str | None


@dataclass(frozen=True)
class Like:
    """A like of a post or a comment (the source keeps no date)."""

    old_id: str
    user_old_id: str
    target_old_id: str


Record = Account | Ingredient | Post | Comment | Like


@dataclass(frozen=True)
class Batch:
    """Records read together, and the cursor to read after them."""

    records: list[Any]
    cursor: Any


class Source(Protocol):
    """A readable old system."""

    kinds: tuple[str, ...]

    def count(self, kind: str) -> int | None:
        """How many rows of ``kind`` there are (for the progress bar), if cheap to know."""
        ...

    def batches(self, kind: str, after: Any, size: int) -> Iterator[Batch]:
        """Rows of ``kind`` after the cursor ``after`` (None: from the start), in order."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def engine_for(url: str) -> sa.Engine:
    """An engine on the source database, with the drivers Munjigi ships (psycopg, PyMySQL)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("mysql", "mariadb"):
        parsed = parsed.set(drivername="mysql+pymysql")
    if parsed.drivername.startswith("mysql") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return sa.create_engine(parsed, poolclass=sa.pool.NullPool)


def redact(url: str) -> str:
    """The URL without its password, for journals and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def aware(value: Any, zone: tzinfo) -> datetime | None:
    """A source datetime as an aware one: naive values are read in the source's time zone."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    moment: datetime = value.astimezone(UTC)
    return moment


def key(value: Any) -> str | None:
    """A source id as mapping text; 0 is an id like any other."""
    if value is None:
        return None
    return str(value).strip() or None


def keyset(columns: tuple[sa.ColumnElement[Any], ...], after: Any) -> sa.ColumnElement[bool] | None:
    """WHERE (a, b) > (after_a, after_b), written out so every backend uses the index."""
    if after is None:
        return None
    values = list(after) if isinstance(after, list | tuple) else [after]
    first, *rest = columns
    if not rest:
        head: sa.ColumnElement[bool] = first > values[0]
        return head
    tail = keyset(tuple(rest), values[1:])
    assert tail is not None
    return sa.or_(first > values[0], sa.and_(first == values[0], tail))
