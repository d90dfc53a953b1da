"""The /posts API of SPEC §4: reads are public, writes need an access token (either transport).

``auth_required`` sits above ``bp.input`` so that a request without a valid token gets 401
before its body is looked at. Cookie-authenticated writes pass the CSRF check there too.
"""

from __future__ import annotations

from typing import Any

from munjigi.recipes import bp
from munjigi.recipes import comments
from munjigi.recipes import schemas
from munjigi.recipes import services
from munjigi.responses import success
from munjigi.security.decorators import auth_required
from munjigi.security.decorators import current_principal

AUTH: list[str | dict[str, list[Any]]] = [{"BearerAuth": []}, {"CookieAuth": []}]


def _link(operation_id: str, parameter: str, source: str) -> dict[str, Any]:
    """An OpenAPI link: clients (and schemathesis) follow it from a response to an operation."""
    return {"operationId": operation_id, "parameters": {parameter: f"$response.body#/{source}"}}


POST_LINKS = {
    "GetPost": _link("get_post", "post_id", "post_id"),
    "GetPostForm": _link("get_post_form", "post_id", "post_id"),
    "UpdatePost": _link("update_post", "post_id", "post_id"),
    "LikePost": _link("like_post", "post_id", "post_id"),
    "CreateComment": _link("create_comment", "post_id", "post_id"),
    "DeletePost": _link("delete_post", "post_id", "post_id"),
}
COMMENT_LINKS = {
    "LikeComment": _link("like_comment", "comment_id", "comment_id"),
    "UpdateComment": _link("update_comment", "comment_id", "comment_id"),
    "DeleteComment": _link("delete_comment", "comment_id", "comment_id"),
}


@bp.get("/posts")
@bp.get("/posts/")
@bp.input(schemas.RecipeQuery, location="query", arg_name="query")
@bp.output(schemas.PostListOut)
@bp.doc(summary="List recipes, newest first (title search with q)", operation_id="list_posts")
def list_posts(query: dict[str, Any]) -> dict[str, Any]:
    page = services.list_posts(query["page_no"], query["page_size"], query["q"])
    return success(
        "레시피 목록 조회 성공",
        posts=page.posts,
        page_no=page.page_no,
        page_size=page.page_size,
        total=page.total,
    )


@bp.get("/posts/<int:post_id>")
@bp.output(schemas.PostOut)
@bp.doc(summary="A recipe with its cost, ingredients and comments", operation_id="get_post")
def get_post(post_id: int) -> dict[str, Any]:
    post, thread = comments.read_post(post_id)
    return success("레시피 조회 성공", post=post, comments=thread)


@bp.delete("/posts/<int:post_id>")
@bp.output(schemas.PostIdOut)
@bp.doc(
    summary="Delete a recipe (author or admin)",
    operation_id="delete_post",
    security=AUTH,
    responses={403: "삭제 권한이 없음"},
)
@auth_required
def delete_post(post_id: int) -> dict[str, Any]:
    services.delete_post(current_principal(), post_id)
    return success("레시피 삭제 성공", post_id=post_id)


@bp.post("/posts/forms")
@bp.output(schemas.PostIdOut, links=POST_LINKS)
@bp.doc(summary="Create a recipe", operation_id="create_post", security=AUTH)
@auth_required
@bp.input(schemas.RecipeIn, arg_name="body")
def create_post(body: dict[str, Any]) -> dict[str, Any]:
    recipe = services.create_post(current_principal().user_id, body)
    return success("레시피 등록 성공", post_id=recipe.id)


@bp.get("/posts/forms/ingredients")
@bp.output(schemas.CatalogueOut)
@bp.doc(summary="The ingredient catalogue (prices in won)", operation_id="list_ingredients")
def list_ingredients() -> dict[str, Any]:
    return success("재료 목록 조회 성공", ingredients=services.catalogue())


@bp.get("/posts/forms/<int:post_id>")
@bp.output(schemas.PostFormOut)
@bp.doc(
    summary="A recipe as its author edits it",
    operation_id="get_post_form",
    security=AUTH,
    responses={403: "수정 권한이 없음"},
)
@auth_required
def get_post_form(post_id: int) -> dict[str, Any]:
    view = services.edit_form(current_principal(), post_id)
    recipe = view.recipe
    return success(
        "레시피 수정 폼 조회 성공",
        id=recipe.id,
        title=recipe.title,
        content=recipe.content,
        servings=recipe.servings,
        ingredients=view.lines,
    )


@bp.put("/posts/forms/<int:post_id>")
@bp.output(schemas.PostIdOut)
@bp.doc(
    summary="Change a recipe (author); omitted parts stay as they are",
    operation_id="update_post",
    security=AUTH,
    responses={403: "수정 권한이 없음"},
)
@auth_required
@bp.input(schemas.RecipePatchIn, arg_name="body")
def update_post(post_id: int, body: dict[str, Any]) -> dict[str, Any]:
    services.update_post(current_principal(), post_id, body)
    return success("레시피 수정 성공", post_id=post_id)


@bp.post("/posts/<int:post_id>/likes")
@bp.output(schemas.PostIdOut)
@bp.doc(
    summary="Like a recipe",
    operation_id="like_post",
    security=AUTH,
    responses={400: "자신이 작성한 레시피 좋아요 불가 / 중복 좋아요 불가"},
)
@auth_required
def like_post(post_id: int) -> dict[str, Any]:
    services.like_post(current_principal(), post_id)
    return success("레시피 좋아요 성공", post_id=post_id)


@bp.delete("/posts/<int:post_id>/likes")
@bp.output(schemas.PostIdOut)
@bp.doc(summary="Take back a like of a recipe", operation_id="unlike_post", security=AUTH)
@auth_required
def unlike_post(post_id: int) -> dict[str, Any]:
    services.unlike_post(current_principal(), post_id)
    return success("레시피 좋아요 취소 성공", post_id=post_id)


@bp.post("/posts/<int:post_id>/comments")
@bp.output(schemas.CommentIdOut, links=COMMENT_LINKS)
@bp.doc(summary="Comment on a recipe", operation_id="create_comment", security=AUTH)
@auth_required
@bp.input(schemas.CommentIn, arg_name="body")
def create_comment(post_id: int, body: dict[str, Any]) -> dict[str, Any]:
    comment = comments.create_comment(current_principal(), post_id, body["content"])
    return success("댓글 작성 성공", comment_id=comment.id)


@bp.post("/posts/comments/<int:comment_id>/likes")
@bp.output(schemas.CommentIdOut)
@bp.doc(
    summary="Like a comment",
    operation_id="like_comment",
    security=AUTH,
    responses={400: "자신이 작성한 댓글 좋아요 불가 / 중복 좋아요 불가"},
)
@auth_required
def like_comment(comment_id: int) -> dict[str, Any]:
    comments.like_comment(current_principal(), comment_id)
    return success("댓글 좋아요 성공", comment_id=comment_id)


@bp.post("/posts/comments/likes")
@bp.output(schemas.CommentIdOut)
@bp.doc(
    summary="Like a comment named in the body (the original client's form)",
    operation_id="like_comment_by_body",
    security=AUTH,
    responses={400: "자신이 작성한 댓글 좋아요 불가 / 중복 좋아요 불가", 404: "존재하지 않는 댓글"},
)
@auth_required
@bp.input(schemas.CommentLikeIn, arg_name="body")
def like_comment_by_body(body: dict[str, int]) -> dict[str, Any]:
    comments.like_comment(current_principal(), body["comment_id"])
    return success("댓글 좋아요 성공", comment_id=body["comment_id"])


@bp.delete("/posts/comments/<int:comment_id>/likes")
@bp.output(schemas.CommentIdOut)
@bp.doc(summary="Take back a like of a comment", operation_id="unlike_comment", security=AUTH)
@auth_required
def unlike_comment(comment_id: int) -> dict[str, Any]:
    comments.unlike_comment(current_principal(), comment_id)
    return success("댓글 좋아요 취소 성공", comment_id=comment_id)


@bp.put("/posts/comments/<int:comment_id>")
@bp.output(schemas.CommentIdOut)
@bp.doc(
    summary="Change a comment (author)",
    operation_id="update_comment",
    security=AUTH,
    responses={403: "댓글 수정 권한이 없음"},
)
@auth_required
@bp.input(schemas.CommentIn, arg_name="body")
def update_comment(comment_id: int, body: dict[str, str]) -> dict[str, Any]:
    comments.update_comment(current_principal(), comment_id, body["content"])
    return success("댓글 수정 성공", comment_id=comment_id)


@bp.delete("/posts/comments/<int:comment_id>")
@bp.output(schemas.CommentIdOut)
@bp.doc(
    summary="Delete a comment (author or admin)",
    operation_id="delete_comment",
    security=AUTH,
    responses={403: "댓글 삭제 권한이 없음"},
)
@auth_required
def delete_comment(comment_id: int) -> dict[str, Any]:
    comments.delete_comment(current_principal(), comment_id)
    return success("댓글 삭제 성공", comment_id=comment_id)
