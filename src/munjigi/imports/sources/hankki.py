"""The original 한끼얼마 backend's database (Flask-SQLAlchemy; SQLite, MariaDB or PostgreSQL).

Tables (issue #16): ``user``, ``ingredient``, ``post`` (one ``ingredient_id``), ``comment``,
``post_liker`` and ``comment_liker``. Rows are read by primary key in keyset batches, so
memory stays flat and a run resumes after the last committed key. Naive datetimes (the
original stored ``datetime.now()``) are read in the zone the operator names.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from datetime import tzinfo
from typing import Any

import sqlalchemy as sa

from munjigi.imports.sources import COMMENT
from munjigi.imports.sources import COMMENT_LIKE
from munjigi.imports.sources import INGREDIENT
from munjigi.imports.sources import KINDS
from munjigi.imports.sources import POST
from munjigi.imports.sources import POST_LIKE
from munjigi.imports.sources import USER
from munjigi.imports.sources import Account
from munjigi.imports.sources import Batch
from munjigi.imports.sources import Comment
from munjigi.imports.sources import Ingredient
from munjigi.imports.sources import Like
from munjigi.imports.sources import Post
from munjigi.imports.sources import aware
from munjigi.imports.sources import engine_for
from munjigi.imports.sources import key
from munjigi.imports.sources import keyset

_ID = sa.Integer
user_t = sa.table(
    "user",
    sa.column("id", _ID),
    sa.column("username", sa.String),
    sa.column("password", sa.String),
    sa.column("email", sa.String),
)
ingredient_t = sa.table(
    "ingredient",
    sa.column("id", _ID),
    sa.column("name", sa.String),
    sa.column("price", sa.Integer),
    sa.column("unit", sa.Integer),
)
post_t = sa.table(
    "post",
    sa.column("id", _ID),
    sa.column("title", sa.String),
    sa.column("content", sa.Text),
    sa.column("price", sa.Integer),
    sa.column("create_date", sa.DateTime),
    sa.column("modify_date", sa.DateTime),
    sa.column("user_id", _ID),
    sa.column("ingredient_id", _ID),
)
comment_t = sa.table(
    "comment",
    sa.column("id", _ID),
    sa.column("post_id", _ID),
    sa.column("content", sa.Text),
    sa.column("create_date", sa.DateTime),
    sa.column("modify_date", sa.DateTime),
    sa.column("user_id", _ID),
)
post_liker_t = sa.table("post_liker", sa.column("user_id", _ID), sa.column("post_id", _ID))
comment_liker_t = sa.table("comment_liker", sa.column("user_id", _ID), sa.column("comment_id", _ID))


class HankkiSource:
    """Reads a 한끼얼마 database; every kind of row, in dependency order."""

    kinds: tuple[str, ...] = KINDS

    def __init__(self, url: str, zone: tzinfo) -> None:
        self.engine = engine_for(url)
        self.zone = zone

    def close(self) -> None:
        self.engine.dispose()

    def count(self, kind: str) -> int | None:
        table = _TABLES[kind]
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)

    def batches(self, kind: str, after: Any, size: int) -> Iterator[Batch]:
        query, order, convert = self._query(kind)
        while True:
            where = keyset(order, after)
            stmt = query.order_by(*order).limit(size)
            if where is not None:
                stmt = stmt.where(where)
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            if not rows:
                return
            last = [rows[-1]._mapping[c.name] for c in order]
            after = last[0] if len(last) == 1 else last
            yield Batch([convert(row) for row in rows], after)
            if len(rows) < size:
                return

    def _query(self, kind: str) -> tuple[sa.Select[Any], tuple[Any, ...], Callable[[Any], Any]]:
        zone = self.zone
        if kind == USER:
            u = user_t.c
            return (
                sa.select(u.id, u.username, u.password, u.email),
                (u.id,),
                lambda r: Account(key(r.id) or "", r.username, r.email, r.password),
            )
        if kind == INGREDIENT:
            i = ingredient_t.c
            return (
                sa.select(i.id, i.name, i.price, i.unit),
                (i.id,),
                lambda r: Ingredient(key(r.id) or "", r.name, r.price, r.unit),
            )
        if kind == POST:
            p, i = post_t.c, ingredient_t.c
            joined = post_t.outerjoin(ingredient_t, i.id == p.ingredient_id)
            stmt = sa.select(
                p.id,
                p.title,
                p.content,
                p.price,
                p.create_date,
                p.modify_date,
                p.user_id,
                p.ingredient_id,
                i.price.label("ingredient_price"),
                i.unit.label("ingredient_unit"),
            ).select_from(joined)
            return (
                stmt,
                (p.id,),
                lambda r: Post(
                    key(r.id) or "",
                    r.title,
                    r.content,
                    r.price,
                    aware(r.create_date, zone),
                    aware(r.modify_date, zone),
                    key(r.user_id),
                    key(r.ingredient_id),
                    r.ingredient_price,
                    r.ingredient_unit,
                ),
            )
        if kind == COMMENT:
            c = comment_t.c
            return (
                sa.select(c.id, c.post_id, c.content, c.create_date, c.modify_date, c.user_id),
                (c.id,),
                lambda r: Comment(
                    key(r.id) or "",
                    key(r.post_id) or "",
                    r.content,
                    aware(r.create_date, zone),
                    aware(r.modify_date, zone),
                    key(r.user_id),
                ),
            )
        likes = post_liker_t.c if kind == POST_LIKE else comment_liker_t.c
        target = likes.post_id if kind == POST_LIKE else likes.comment_id
        return (
            sa.select(likes.user_id, target),
            (likes.user_id, target),
            lambda r: Like(f"{r[0]}:{r[1]}", key(r[0]) or "", key(r[1]) or ""),
        )


_TABLES: dict[str, sa.TableClause] = {
    USER: user_t,
    INGREDIENT: ingredient_t,
    POST: post_t,
    COMMENT: comment_t,
    POST_LIKE: post_liker_t,
    COMMENT_LIKE: comment_liker_t,
}
