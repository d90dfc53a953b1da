"""Importing 한끼얼마 likes: who liked which post or comment (the source keeps no date).

A like of one's own post or comment (Munjigi refuses those) is reported and skipped.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.imports import journal
from munjigi.imports.context import Context
from munjigi.imports.sources import COMMENT
from munjigi.imports.sources import POST
from munjigi.imports.sources import POST_LIKE
from munjigi.imports.sources import USER
from munjigi.imports.sources import Like
from munjigi.recipes.models import Comment
from munjigi.recipes.models import CommentLike
from munjigi.recipes.models import Recipe
from munjigi.recipes.models import RecipeLike


def import_likes(ctx: Context, kind: str, batch: list[Like]) -> None:
    """Likes of posts or comments, by members who were imported."""
    target_kind, model, target_model = (
        (POST, RecipeLike, Recipe) if kind == POST_LIKE else (COMMENT, CommentLike, Comment)
    )
    column = "recipe_id" if kind == POST_LIKE else "comment_id"
    found = journal.mapped(ctx.source, kind, (like.old_id for like in batch))
    fresh = [like for like in batch if like.old_id not in found]
    ctx.count(kind, "read", len(batch))
    ctx.count(kind, "unchanged", len(batch) - len(fresh))
    users = journal.mapped(ctx.source, USER, (like.user_old_id for like in fresh))
    targets = journal.mapped(ctx.source, target_kind, (like.target_old_id for like in fresh))
    owned = select(target_model.id, target_model.user_id).where(
        target_model.id.in_(sorted({t for t in targets.values() if t}))
    )
    owners: dict[int, int] = {row[0]: row[1] for row in db.session.execute(owned)}
    now = utcnow()
    made: list[tuple[str, dict[str, Any]]] = []
    for like in fresh:
        user = ctx.resolve(USER, like.user_old_id, users)
        target = ctx.resolve(target_kind, like.target_old_id, targets)
        if user is None or target is None:
            ctx.skip(
                kind, like.old_id, ["user_not_imported" if user is None else "target_not_imported"]
            )
            continue
        if user and owners.get(target) == user:
            ctx.skip(kind, like.old_id, ["own_content_liked"])
            continue
        made.append((like.old_id, {"user_id": user, column: target, "created_at": now}))
    ctx.count(kind, "imported", len(made))
    if not ctx.apply or not made:
        return
    ids = journal.write_returning_ids(model, [values for _, values in made])
    pairs = ((old, i) for (old, _), i in zip(made, ids, strict=True))
    journal.remember(ctx.source, kind, ctx.run_id, pairs)
