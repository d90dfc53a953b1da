"""Finding users for the admin console: newest first, or by username/email prefix.

Both orders are served by an index at any table size (1M users: one index range read per
page). A prefix search is a range on the unique key column in code-point order:
``key >= 'kim' AND key < 'kin'``. SQLite's BINARY index is code-point ordered; on
PostgreSQL the column's collation is not, so the range runs on ``key COLLATE "C"``, which
migration 0004 indexes; MariaDB turns ``LIKE 'kim%'`` into a range of its own index.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement

from munjigi.admin import keyset
from munjigi.auth import services as auth_services
from munjigi.extensions import db
from munjigi.security.models import User

PAGE_SIZE = 25
BY_FIELDS = ("username", "email")


@dataclass(frozen=True)
class UserQuery:
    """What the admin typed: a prefix, which column it searches, and a page cursor."""

    q: str = ""
    by: str = ""
    after: str | None = None
    before: str | None = None

    @property
    def field(self) -> str:
        """``username`` or ``email``: as chosen, else guessed from an '@' in the text."""
        if self.by in BY_FIELDS:
            return self.by
        return "email" if "@" in self.q else "username"


def find_users(query: UserQuery, limit: int = PAGE_SIZE) -> keyset.Page[User]:
    """One page of users: newest first without a search, else by key from the prefix on."""
    prefix = auth_services.canonical(query.q)
    if not prefix:
        return keyset.fetch(
            select(User),
            User.id,
            lambda user: user.id,
            descending=True,
            after=_int_or_none(query.after),
            before=_int_or_none(query.before),
            limit=limit,
        )
    column = User.email_key if query.field == "email" else User.username_key
    key = _ordered(column)
    stmt = select(User).where(_prefix(key, prefix))
    return keyset.fetch(
        stmt,
        key,
        lambda user: getattr(user, column.key),
        descending=False,
        after=query.after,
        before=query.before,
        limit=limit,
    )


def search_statement(field: str, prefix: str) -> Select[Any]:
    """The first-page statement of a prefix search (tests read its query plan)."""
    column = User.email_key if field == "email" else User.username_key
    key = _ordered(column)
    return select(User).where(_prefix(key, prefix)).order_by(key).limit(PAGE_SIZE + 1)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _ordered(column: Any) -> ColumnElement[Any]:
    """The key expression whose order the index serves on this database."""
    if _dialect() == "postgresql":
        return column.collate("C")  # type: ignore[no-any-return]
    return column  # type: ignore[no-any-return]


def _prefix(key: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    if _dialect() in ("mysql", "mariadb"):
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return key.like(escaped + "%", escape="\\")
    upper = _successor(prefix)
    if upper is None:
        return key >= prefix
    return and_(key >= prefix, key < upper)


def _successor(prefix: str) -> str | None:
    """The smallest string after every string that starts with ``prefix`` (code points)."""
    stripped = prefix
    while stripped and ord(stripped[-1]) == sys.maxunicode:
        stripped = stripped[:-1]
    if not stripped:
        return None
    last = ord(stripped[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates cannot be stored; skip past them
        last = 0xE000
    return stripped[:-1] + chr(last)


def _int_or_none(value: str | None) -> int | None:
    if value is None or not value.isdigit() or len(value) > 18:
        return None
    return int(value)
