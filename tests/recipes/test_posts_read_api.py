"""SPEC §4 /posts rows that read: the list (pages, search), one recipe, the catalogue."""

from __future__ import annotations

import pytest

from tests.recipes.asserts import assert_failed
from tests.recipes.asserts import assert_success

NOT_FOUND = ("post_not_found", "존재하지 않는 레시피")


# --- GET /posts and /posts/ --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/posts", "/posts/"])
def test_list_answers_on_both_paths_without_redirect(client, kim, make_post, path):
    make_post(kim)
    body = assert_success(client.get(path), "레시피 목록 조회 성공")
    assert (body["pageNo"], body["pageSize"], body["total"]) == (1, 10, 1)
    [post] = body["posts"]
    assert set(post) >= {"id", "title", "create_date", "username", "price", "like"}
    assert post["title"] == "돼지고기 김치찌개"
    assert post["username"] == "kim_chef"
    # 15000/600 × 300 + 3000/1000 × 200.5 = 7500 + 601.5 = 8101.5 won, one serving
    assert post["price"] == 8102
    assert post["like"] == 0
    assert post["create_date"].endswith("+00:00")


def test_list_is_newest_first_and_paginates(client, kim, make_post):
    ids = [make_post(kim, title=f"레시피 {n}") for n in range(12)]
    first = assert_success(client.get("/posts?pageNo=1&pageSize=5"), "레시피 목록 조회 성공")
    assert [p["id"] for p in first["posts"]] == ids[::-1][:5]
    assert (first["pageNo"], first["pageSize"], first["total"]) == (1, 5, 12)
    last = client.get("/posts?pageNo=3&pageSize=5").get_json()
    assert [p["id"] for p in last["posts"]] == ids[::-1][10:]
    beyond = client.get("/posts?pageNo=9&pageSize=5").get_json()
    assert beyond["posts"] == [] and beyond["total"] == 12
    default = client.get("/posts").get_json()
    assert len(default["posts"]) == 10


def test_list_page_size_allows_100(client):
    assert assert_success(client.get("/posts?pageSize=100"), "레시피 목록 조회 성공")["posts"] == []


BAD_QUERIES = [
    ("pageSize=101", "pageSize"),
    ("pageSize=0", "pageSize"),
    ("pageNo=0", "pageNo"),
    ("pageNo=-1", "pageNo"),
    ("pageNo=abc", "pageNo"),
    ("pageNo=99999999999999999999999", "pageNo"),
    ("q=" + "x" * 101, "q"),
    ("q=%00", "q"),
]


def test_list_rejects_bad_query_with_422(client):
    # One test for all cases: each case needs no data, and an app per case costs seconds.
    for query, field in BAD_QUERIES:
        body = assert_failed(client.get(f"/posts?{query}"), 422, "validation_error")
        assert field in body["fields"], query


def test_list_searches_titles_by_words(client, kim, make_post):
    stew = make_post(kim, title="돼지고기 김치찌개")
    rice = make_post(kim, title="김치볶음밥")
    soup = make_post(kim, title="Miso Soup 된장국")

    def found(q: str) -> list[int]:
        return [p["id"] for p in client.get("/posts", query_string={"q": q}).get_json()["posts"]]

    assert found("김치") == [rice, stew]
    assert found("찌개") == [stew]
    assert found("김치 돼지") == [stew]  # every word, in any order
    assert found("치") == [rice, stew]  # one letter
    assert found("miso") == [soup]  # case-insensitive
    assert found("SOUP 된장") == [soup]
    assert found("볶음밥김치") == []
    assert found("%") == [] and found("_") == []  # LIKE wildcards are plain characters
    assert found("   ") == [soup, rice, stew]  # blank: no filter
    total = client.get("/posts", query_string={"q": "김치"}).get_json()["total"]
    assert total == 2


def test_search_follows_title_changes(client, kim, make_post):
    post_id = make_post(kim, title="김치찌개")
    client.put(f"/posts/forms/{post_id}", json={"post": {"title": "된장찌개"}}, headers=kim.headers)
    assert client.get("/posts?q=김치").get_json()["total"] == 0
    assert client.get("/posts?q=된장").get_json()["total"] == 1


# --- GET /posts/{post_id} ----------------------------------------------------------------


def test_read_post_shows_cost_ingredients_and_comments(client, kim, lee, make_post, make_comment):
    post_id = make_post(kim, servings=2)
    comment_id = make_comment(lee, post_id)
    client.post(f"/posts/{post_id}/likes", headers=lee.headers)
    client.post(f"/posts/comments/{comment_id}/likes", headers=kim.headers)

    body = assert_success(client.get(f"/posts/{post_id}"), "레시피 조회 성공")
    post = body["post"]
    assert post["id"] == post_id
    assert (post["user_id"], post["username"]) == (kim.user_id, "kim_chef")
    assert (post["title"], post["content"], post["servings"]) == ("돼지고기 김치찌개", "끓인다", 2)
    assert post["price"] == 4051  # 8101.5 ÷ 2 = 4050.75
    assert post["like"] == 1
    assert post["create_date"] and post["modify_date"]
    pork, kimchi = post["ingredients"]
    assert pork == {
        "id": pork["id"],
        "name": "돼지고기",
        "quantity": 300,
        "unit": 600,
        "unit_label": "g",
        "price": 15000,
        "cost": 7500,
    }
    assert (kimchi["name"], kimchi["quantity"], kimchi["cost"]) == ("김치", 200.5, 602)
    [comment] = body["comments"]
    assert comment["id"] == comment_id
    assert (comment["content"], comment["user_id"], comment["username"]) == (
        "맛있어요",
        lee.user_id,
        "lee_cook",
    )
    assert comment["like"] == 1
    assert comment["create_date"] and comment["modify_date"]


def test_read_unknown_post_is_404(client):
    for post_id in ["999", "2147483648", "99999999999999999999"]:
        assert_failed(client.get(f"/posts/{post_id}"), 404, *NOT_FOUND)


def test_non_numeric_post_path_is_json_404(client):
    assert_failed(client.get("/posts/abc"), 404, "not_found")


# --- GET /posts/forms/ingredients --------------------------------------------------------


def test_catalogue_lists_ingredients(client, catalogue):
    body = assert_success(client.get("/posts/forms/ingredients"), "재료 목록 조회 성공")
    by_name = {i["name"]: i for i in body["ingredients"]}
    assert set(by_name) == set(catalogue)
    assert by_name["돼지고기"] == {
        "id": catalogue["돼지고기"],
        "name": "돼지고기",
        "price": 15000,
        "unit": 600,
        "unit_label": "g",
    }
