"""Failures of the recipe API, with the Korean messages of SPEC §4 that clients branch on."""

from __future__ import annotations

from http import HTTPStatus

from munjigi.errors import AppError
from munjigi.errors import ValidationError


class PostNotFoundError(AppError):
    """No recipe with that id."""

    status = HTTPStatus.NOT_FOUND
    code = "post_not_found"
    message = "존재하지 않는 레시피"


class CommentNotFoundError(AppError):
    """No comment with that id."""

    status = HTTPStatus.NOT_FOUND
    code = "comment_not_found"
    message = "존재하지 않는 댓글"


class LikeNotFoundError(AppError):
    """The caller has not liked this recipe or comment, so there is nothing to undo."""

    status = HTTPStatus.NOT_FOUND
    code = "like_not_found"
    message = "좋아요 기록이 없음"


class PostDeleteForbiddenError(AppError):
    """Only the author or an admin may delete a recipe."""

    status = HTTPStatus.FORBIDDEN
    code = "delete_forbidden"
    message = "삭제 권한이 없음"


class PostEditForbiddenError(AppError):
    """Only the author may read the edit form of a recipe or change it."""

    status = HTTPStatus.FORBIDDEN
    code = "edit_forbidden"
    message = "수정 권한이 없음"


class CommentEditForbiddenError(AppError):
    """Only the author may change a comment."""

    status = HTTPStatus.FORBIDDEN
    code = "comment_edit_forbidden"
    message = "댓글 수정 권한이 없음"


class CommentDeleteForbiddenError(AppError):
    """Only the author or an admin may delete a comment."""

    status = HTTPStatus.FORBIDDEN
    code = "comment_delete_forbidden"
    message = "댓글 삭제 권한이 없음"


class SelfPostLikeError(AppError):
    """Authors cannot like their own recipe."""

    code = "self_like"
    message = "자신이 작성한 레시피 좋아요 불가"


class SelfCommentLikeError(AppError):
    """Authors cannot like their own comment."""

    code = "self_like"
    message = "자신이 작성한 댓글 좋아요 불가"


class DuplicateLikeError(AppError):
    """The caller already likes this recipe or comment."""

    code = "duplicate_like"
    message = "중복 좋아요 불가"


class UnknownIngredientError(ValidationError):
    """The recipe names ingredient ids that are not in the catalogue (``fields`` lists them)."""

    code = "unknown_ingredient"
    message = "존재하지 않는 재료"
