"""SPEC §4 /posts rows for likes and comments, both comment-like paths included."""

from __future__ import annotations

import pytest

from tests.recipes.asserts import assert_failed
from tests.recipes.asserts import assert_success

DUPLICATE = ("duplicate_like", "중복 좋아요 불가")
POST_NOT_FOUND = ("post_not_found", "존재하지 않는 레시피")
COMMENT_NOT_FOUND = ("comment_not_found", "존재하지 않는 댓글")


def likes_of_post(client, post_id: int) -> int:
    return client.get(f"/posts/{post_id}").get_json()["post"]["like"]


def likes_of_comment(client, post_id: int) -> int:
    return client.get(f"/posts/{post_id}").get_json()["comments"][0]["like"]


# --- POST / DELETE /posts/{post_id}/likes ------------------------------------------------


def test_like_post_counts_each_member_once(client, kim, lee, admin, make_post):
    post_id = make_post(kim)
    response = client.post(f"/posts/{post_id}/likes", headers=lee.headers)
    assert assert_success(response, "레시피 좋아요 성공")["post_id"] == post_id
    assert_success(
        client.post(f"/posts/{post_id}/likes", headers=admin.headers), "레시피 좋아요 성공"
    )
    assert likes_of_post(client, post_id) == 2
    listed = client.get("/posts").get_json()["posts"][0]
    assert listed["like"] == 2


def test_like_post_failures(client, kim, lee, make_post):
    post_id = make_post(kim)
    response = client.post(f"/posts/{post_id}/likes", headers=kim.headers)
    assert_failed(response, 400, "self_like", "자신이 작성한 레시피 좋아요 불가")
    client.post(f"/posts/{post_id}/likes", headers=lee.headers)
    assert_failed(client.post(f"/posts/{post_id}/likes", headers=lee.headers), 400, *DUPLICATE)
    assert_failed(client.post("/posts/999/likes", headers=lee.headers), 404, *POST_NOT_FOUND)
    assert_failed(client.post(f"/posts/{post_id}/likes"), 401, "token_missing")
    assert likes_of_post(client, post_id) == 1


def test_unlike_post(client, kim, lee, make_post):
    post_id = make_post(kim)
    client.post(f"/posts/{post_id}/likes", headers=lee.headers)
    response = client.delete(f"/posts/{post_id}/likes", headers=lee.headers)
    assert_success(response, "레시피 좋아요 취소 성공")
    assert likes_of_post(client, post_id) == 0
    again = client.delete(f"/posts/{post_id}/likes", headers=lee.headers)
    assert_failed(again, 404, "like_not_found")
    assert_failed(client.delete("/posts/999/likes", headers=lee.headers), 404, *POST_NOT_FOUND)
    assert_failed(client.delete(f"/posts/{post_id}/likes"), 401, "token_missing")
    # liking again after taking it back is allowed
    assert_success(
        client.post(f"/posts/{post_id}/likes", headers=lee.headers), "레시피 좋아요 성공"
    )


# --- POST /posts/{post_id}/comments ------------------------------------------------------


def test_create_comment(client, kim, lee, make_post):
    post_id = make_post(kim)
    response = client.post(
        f"/posts/{post_id}/comments", json={"content": "  맛있어요  "}, headers=lee.headers
    )
    comment_id = assert_success(response, "댓글 작성 성공")["comment_id"]
    [comment] = client.get(f"/posts/{post_id}").get_json()["comments"]
    assert (comment["id"], comment["content"], comment["username"]) == (
        comment_id,
        "맛있어요",
        "lee_cook",
    )


def test_create_comment_failures(client, kim, make_post):
    post_id = make_post(kim)
    body = {"content": "맛있어요"}
    assert_failed(client.post(f"/posts/{post_id}/comments", json=body), 401, "token_missing")
    response = client.post("/posts/999/comments", json=body, headers=kim.headers)
    assert_failed(response, 404, *POST_NOT_FOUND)
    for bad in [{}, {"content": ""}, {"content": " \n "}, {"content": "x" * 2001}, {"content": 5}]:
        response = client.post(f"/posts/{post_id}/comments", json=bad, headers=kim.headers)
        assert "content" in assert_failed(response, 422, "validation_error")["fields"], bad


# --- PUT / DELETE /posts/comments/{comment_id} --------------------------------------------


def test_update_comment(client, kim, lee, make_post, make_comment):
    post_id = make_post(kim)
    comment_id = make_comment(lee, post_id)
    response = client.put(
        f"/posts/comments/{comment_id}", json={"content": "다시 보니 짜요"}, headers=lee.headers
    )
    assert_success(response, "댓글 수정 성공")
    [comment] = client.get(f"/posts/{post_id}").get_json()["comments"]
    assert comment["content"] == "다시 보니 짜요"


@pytest.mark.parametrize("who", ["kim", "admin"])
def test_update_comment_refuses_others_even_admins(
    client, lee, make_post, make_comment, request, who
):
    other = request.getfixturevalue(who)
    comment_id = make_comment(lee, make_post(request.getfixturevalue("kim")))
    response = client.put(
        f"/posts/comments/{comment_id}", json={"content": "바꿈"}, headers=other.headers
    )
    assert_failed(response, 403, "comment_edit_forbidden", "댓글 수정 권한이 없음")


def test_update_comment_failures(client, kim, make_post, make_comment):
    comment_id = make_comment(kim, make_post(kim))
    body = {"content": "x"}
    assert_failed(client.put(f"/posts/comments/{comment_id}", json=body), 401, "token_missing")
    response = client.put("/posts/comments/999", json=body, headers=kim.headers)
    assert_failed(response, 404, *COMMENT_NOT_FOUND)
    response = client.put(
        f"/posts/comments/{comment_id}", json={"content": ""}, headers=kim.headers
    )
    assert "content" in assert_failed(response, 422, "validation_error")["fields"]


@pytest.mark.parametrize("who", ["lee", "admin"])
def test_delete_comment_by_author_or_admin(client, kim, lee, admin, make_post, make_comment, who):
    post_id = make_post(kim)
    comment_id = make_comment(lee, post_id)
    client.post(f"/posts/comments/{comment_id}/likes", headers=kim.headers)
    deleter = {"lee": lee, "admin": admin}[who]
    response = client.delete(f"/posts/comments/{comment_id}", headers=deleter.headers)
    assert_success(response, "댓글 삭제 성공")
    assert client.get(f"/posts/{post_id}").get_json()["comments"] == []


def test_delete_comment_failures(client, kim, lee, make_post, make_comment):
    comment_id = make_comment(lee, make_post(kim))
    response = client.delete(f"/posts/comments/{comment_id}", headers=kim.headers)
    assert_failed(response, 403, "comment_delete_forbidden", "댓글 삭제 권한이 없음")
    assert_failed(client.delete(f"/posts/comments/{comment_id}"), 401, "token_missing")
    response = client.delete("/posts/comments/999", headers=kim.headers)
    assert_failed(response, 404, *COMMENT_NOT_FOUND)


# --- comment likes: /posts/comments/{id}/likes and /posts/comments/likes ------------------


def like_by_path(client, member, comment_id):
    return client.post(f"/posts/comments/{comment_id}/likes", headers=member.headers)


def like_by_body(client, member, comment_id):
    return client.post(
        "/posts/comments/likes", json={"comment_id": comment_id}, headers=member.headers
    )


@pytest.mark.parametrize("like", [like_by_path, like_by_body])
def test_like_comment(client, kim, lee, admin, make_post, make_comment, like):
    post_id = make_post(kim)
    comment_id = make_comment(lee, post_id)
    assert (
        assert_success(like(client, kim, comment_id), "댓글 좋아요 성공")["comment_id"]
        == comment_id
    )
    assert_success(like(client, admin, comment_id), "댓글 좋아요 성공")
    assert likes_of_comment(client, post_id) == 2


@pytest.mark.parametrize("like", [like_by_path, like_by_body])
def test_like_comment_failures(client, kim, lee, make_post, make_comment, like):
    post_id = make_post(kim)
    comment_id = make_comment(lee, post_id)
    assert_failed(like(client, lee, comment_id), 400, "self_like", "자신이 작성한 댓글 좋아요 불가")
    assert_success(like(client, kim, comment_id), "댓글 좋아요 성공")
    assert_failed(like(client, kim, comment_id), 400, *DUPLICATE)
    assert_failed(like(client, kim, 999), 404, *COMMENT_NOT_FOUND)
    assert likes_of_comment(client, post_id) == 1


def test_comment_like_paths_share_one_like(client, kim, lee, make_post, make_comment):
    comment_id = make_comment(lee, make_post(kim))
    assert_success(like_by_path(client, kim, comment_id), "댓글 좋아요 성공")
    assert_failed(like_by_body(client, kim, comment_id), 400, *DUPLICATE)


def test_comment_like_needs_a_token_and_a_valid_body(client, kim, make_post, make_comment):
    comment_id = make_comment(kim, make_post(kim))
    assert_failed(client.post(f"/posts/comments/{comment_id}/likes"), 401, "token_missing")
    body = {"comment_id": comment_id}
    assert_failed(client.post("/posts/comments/likes", json=body), 401, "token_missing")
    for bad in [{}, {"comment_id": "one"}, {"comment_id": 0}, {"comment_id": 2**31}]:
        response = client.post("/posts/comments/likes", json=bad, headers=kim.headers)
        assert "comment_id" in assert_failed(response, 422, "validation_error")["fields"], bad


def test_unlike_comment(client, kim, lee, make_post, make_comment):
    post_id = make_post(kim)
    comment_id = make_comment(lee, post_id)
    like_by_path(client, kim, comment_id)
    response = client.delete(f"/posts/comments/{comment_id}/likes", headers=kim.headers)
    assert_success(response, "댓글 좋아요 취소 성공")
    assert likes_of_comment(client, post_id) == 0
    response = client.delete(f"/posts/comments/{comment_id}/likes", headers=kim.headers)
    assert_failed(response, 404, "like_not_found")
    response = client.delete("/posts/comments/999/likes", headers=kim.headers)
    assert_failed(response, 404, *COMMENT_NOT_FOUND)
