"""Comment services: write, edit and delete comments on recipes, like them once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.recipes import services
from munjigi.recipes.exceptions import CommentDeleteForbiddenError
from munjigi.recipes.exceptions import CommentEditForbiddenError
from munjigi.recipes.exceptions import CommentNotFoundError
from munjigi.recipes.exceptions import DuplicateLikeError
from munjigi.recipes.exceptions import LikeNotFoundError
from munjigi.recipes.exceptions import SelfCommentLikeError
from munjigi.recipes.models import Comment
from munjigi.recipes.models import CommentLike
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.sessions import Principal


@dataclass(frozen=True)
class CommentView:
    """A comment with its like count."""

    comment: Comment
    likes: int


def get_comment(
    comment_id: int, principal: Principal | None = None, *, admin_may: bool = False
) -> Comment:
    """The comment ``comment_id``; with ``principal``, also check they may change it.

    :raises CommentNotFoundError: no such comment.
    :raises CommentDeleteForbiddenError: (``admin_may``) neither the author nor an admin.
    :raises CommentEditForbiddenError: (otherwise) not the author.
    """
    comment = services.load(Comment, comment_id)
    if comment is None:
        raise CommentNotFoundError()
    if principal is not None and comment.user_id != principal.user_id:
        if not admin_may:
            raise CommentEditForbiddenError()
        if not principal.is_admin:
            raise CommentDeleteForbiddenError()
    return comment


def for_post(post_id: int) -> list[CommentView]:
    """The comments of a recipe, oldest first, with their like counts."""
    likes = (
        select(CommentLike.comment_id, func.count().label("n"))
        .join(Comment, Comment.id == CommentLike.comment_id)
        .where(Comment.recipe_id == post_id)
        .group_by(CommentLike.comment_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Comment, func.coalesce(likes.c.n, 0))
        .outerjoin(likes, likes.c.comment_id == Comment.id)
        .where(Comment.recipe_id == post_id)
        .order_by(Comment.id)
    )
    return [CommentView(comment, int(count)) for comment, count in rows]


def read_post(post_id: int) -> tuple[services.PostView, list[CommentView]]:
    """A priced recipe and its comments: everything GET /posts/{post_id} shows.

    :raises PostNotFoundError: no such recipe.
    """
    return services.read_post(post_id), for_post(post_id)


def create_comment(principal: Principal, post_id: int, content: str) -> Comment:
    """Comment on a recipe.

    :raises PostNotFoundError: no such recipe.
    """
    services.get_recipe(post_id)
    now = gatekeeper().now()
    comment = Comment(
        recipe_id=post_id,
        user_id=principal.user_id,
        content=content.strip(),
        created_at=now,
        modified_at=now,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def update_comment(principal: Principal, comment_id: int, content: str) -> Comment:
    """Change the text of one's own comment.

    :raises CommentNotFoundError, CommentEditForbiddenError:
    """
    comment = get_comment(comment_id, principal)
    comment.content = content.strip()
    comment.modified_at = gatekeeper().now()
    db.session.commit()
    return comment


def delete_comment(principal: Principal, comment_id: int) -> None:
    """Delete a comment (its author, or an admin); its likes go with it (ON DELETE CASCADE).

    :raises CommentNotFoundError, CommentDeleteForbiddenError:
    """
    db.session.delete(get_comment(comment_id, principal, admin_may=True))
    db.session.commit()


def like_comment(principal: Principal, comment_id: int) -> None:
    """Like someone else's comment, once.

    :raises CommentNotFoundError, SelfCommentLikeError, DuplicateLikeError:
    """
    comment = get_comment(comment_id)
    if comment.user_id == principal.user_id:
        raise SelfCommentLikeError()
    if _like(principal.user_id, comment_id) is not None:
        raise DuplicateLikeError()
    db.session.add(CommentLike(user_id=principal.user_id, comment_id=comment_id))
    services.commit_like()


def unlike_comment(principal: Principal, comment_id: int) -> None:
    """Take back a like of a comment.

    :raises CommentNotFoundError, LikeNotFoundError:
    """
    get_comment(comment_id)
    like = _like(principal.user_id, comment_id)
    if like is None:
        raise LikeNotFoundError()
    db.session.delete(like)
    db.session.commit()


def _like(user_id: int, comment_id: int) -> CommentLike | None:
    return db.session.scalar(
        select(CommentLike).where(
            CommentLike.user_id == user_id, CommentLike.comment_id == comment_id
        )
    )
