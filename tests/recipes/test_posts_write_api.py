"""SPEC §4 /posts rows that write recipes: create, edit form, update, delete."""

from __future__ import annotations

import pytest

from tests.helpers import PASSWORD
from tests.recipes.asserts import assert_failed
from tests.recipes.asserts import assert_success

NOT_FOUND = ("post_not_found", "존재하지 않는 레시피")


# --- POST /posts/forms -------------------------------------------------------------------


def test_create_post_ignores_client_prices(client, kim, catalogue):
    body = {
        "post": {"title": " 김치찌개 ", "content": "끓인다", "servings": "2"},
        "ingredients": [
            {"id": catalogue["김치"], "quantity": "100", "price": 1, "cost": 1, "name": "x"},
            {"id": catalogue["두부"], "quantity": 150.0, "unit": 1},
        ],
        "price": 1,
    }
    response = client.post("/posts/forms", json=body, headers=kim.headers)
    created = assert_success(response, "레시피 등록 성공")
    post = client.get(f"/posts/{created['post_id']}").get_json()["post"]
    assert post["title"] == "김치찌개"
    # 3 × 100 + 2000/300 × 150 = 300 + 1000 = 1300 won; 2 servings → 650
    assert [i["cost"] for i in post["ingredients"]] == [300, 1000]
    assert post["price"] == 650
    assert post["total_price"] == 1300


def test_create_post_defaults_and_merges_repeated_ingredients(client, kim, catalogue):
    body = {
        "post": {"title": "두부 두 번"},
        "ingredients": [
            {"id": catalogue["두부"], "quantity": 100},
            {"id": catalogue["김치"], "quantity": 10},
            {"id": catalogue["두부"], "quantity": "50"},
        ],
    }
    post_id = client.post("/posts/forms", json=body, headers=kim.headers).get_json()["post_id"]
    post = client.get(f"/posts/{post_id}").get_json()["post"]
    assert (post["servings"], post["content"]) == (1, "")
    assert [(i["name"], i["quantity"]) for i in post["ingredients"]] == [
        ("두부", 150),
        ("김치", 10),
    ]


def test_create_post_without_ingredients(client, kim):
    body = {"post": {"title": "물", "content": "끓인다"}}
    post_id = client.post("/posts/forms", json=body, headers=kim.headers).get_json()["post_id"]
    post = client.get(f"/posts/{post_id}").get_json()["post"]
    assert post["ingredients"] == [] and post["price"] == 0


def test_create_post_needs_a_token(client, catalogue):
    body = {"post": {"title": "x"}, "ingredients": []}
    assert_failed(client.post("/posts/forms", json=body), 401, "token_missing")


def test_create_post_by_cookie_needs_csrf(app, catalogue, join):
    join("kim_chef")
    browser = app.test_client()
    browser.post("/members/login", json={"username": "kim_chef", "password": PASSWORD})
    body = {"post": {"title": "쿠키로 쓴 레시피"}, "ingredients": []}
    assert_failed(browser.post("/posts/forms", json=body), 403, "csrf_failed")
    csrf = browser.get_cookie("csrf_access_token").value
    response = browser.post("/posts/forms", json=body, headers={"X-CSRF-Token": csrf})
    assert_success(response, "레시피 등록 성공")


INVALID_BODIES = [
    ({}, "post"),
    ({"post": {}}, "post"),
    ({"post": {"title": ""}}, "post"),
    ({"post": {"title": "   "}}, "post"),
    ({"post": {"title": "x" * 201}}, "post"),
    ({"post": {"title": "a\u0000b"}}, "post"),
    ({"post": {"title": "\ud800"}}, "post"),
    ({"post": {"title": "x", "servings": 0}}, "post"),
    ({"post": {"title": "x", "servings": 101}}, "post"),
    ({"post": {"title": "x", "servings": "two"}}, "post"),
    ({"post": {"title": "x", "content": "y" * 10_001}}, "post"),
    ({"post": "x"}, "post"),
    ({"post": {"title": "x"}, "ingredients": "kimchi"}, "ingredients"),
    ({"post": {"title": "x"}, "ingredients": [{"id": 1}]}, "ingredients"),
    ({"post": {"title": "x"}, "ingredients": [{"quantity": 1}]}, "ingredients"),
    ({"post": {"title": "x"}, "ingredients": [{"id": 0, "quantity": 1}]}, "ingredients"),
    ({"post": {"title": "x"}, "ingredients": [{"id": 2**31, "quantity": 1}]}, "ingredients"),
    ({"post": {"title": "x"}, "ingredients": [{"id": 1, "quantity": -1}]}, "ingredients"),
    ({"post": {"title": "x"}, "ingredients": [{"id": 1, "quantity": "NaN"}]}, "ingredients"),
    ({"post": {"title": "x"}, "ingredients": [{"id": 1, "quantity": "1e9"}]}, "ingredients"),
    ({"post": {"title": "x"}, "ingredients": [{"id": 1, "quantity": 10**7}]}, "ingredients"),
    ({"post": {"title": "x"}, "ingredients": [{"id": 1, "quantity": True}]}, "ingredients"),
    ({"post": {"title": "x"}, "ingredients": [{"id": 1, "quantity": 1}] * 101}, "ingredients"),
]
MALFORMED_JSON = ["{not json", "[1, 2]", '"post"', "NaN", "1" * 5000, b"\xff\xfe{}"]


def test_create_post_rejects_invalid_body_with_fields(client, kim, catalogue):
    for body, field in INVALID_BODIES:
        response = client.post("/posts/forms", json=body, headers=kim.headers)
        failed = assert_failed(response, 422, "validation_error", "입력값이 올바르지 않음")
        assert field in failed["fields"], body


def test_create_post_rejects_malformed_json_with_422(client, kim):
    # A 5000-digit number made webargs raise a bare ValueError (500) before api.parse_json_body.
    for data in MALFORMED_JSON:
        response = client.post(
            "/posts/forms", data=data, content_type="application/json", headers=kim.headers
        )
        assert_failed(response, 422, "validation_error")


def test_create_post_names_unknown_ingredients(client, kim, catalogue):
    body = {
        "post": {"title": "x"},
        "ingredients": [
            {"id": 999_999, "quantity": 1},
            {"id": catalogue["김치"], "quantity": 1},
            {"id": 777, "quantity": "2"},
        ],
    }
    response = client.post("/posts/forms", json=body, headers=kim.headers)
    failed = assert_failed(response, 422, "unknown_ingredient", "존재하지 않는 재료")
    assert failed["fields"] == {"ingredients": {"unknown_ids": [777, 999_999]}}
    assert client.get("/posts").get_json()["total"] == 0


# --- GET and PUT /posts/forms/{post_id} --------------------------------------------------


def test_edit_form_for_the_author(client, kim, make_post):
    post_id = make_post(kim, servings=3)
    body = assert_success(
        client.get(f"/posts/forms/{post_id}", headers=kim.headers), "레시피 수정 폼 조회 성공"
    )
    assert (body["id"], body["title"], body["content"], body["servings"]) == (
        post_id,
        "돼지고기 김치찌개",
        "끓인다",
        3,
    )
    assert [(i["name"], i["quantity"]) for i in body["ingredients"]] == [
        ("돼지고기", 300),
        ("김치", 200.5),
    ]


@pytest.mark.parametrize("who", ["lee", "admin"])
def test_edit_form_refuses_others_even_admins(client, kim, make_post, request, who):
    post_id = make_post(kim)
    other = request.getfixturevalue(who)
    response = client.get(f"/posts/forms/{post_id}", headers=other.headers)
    assert_failed(response, 403, "edit_forbidden", "수정 권한이 없음")


def test_edit_form_unknown_post_and_no_token(client, kim):
    assert_failed(client.get("/posts/forms/999", headers=kim.headers), 404, *NOT_FOUND)
    assert_failed(client.get("/posts/forms/1"), 401, "token_missing")


def test_update_post_changes_fields_and_lines(client, kim, make_post, catalogue):
    post_id = make_post(kim)
    before = client.get(f"/posts/{post_id}").get_json()["post"]
    body = {
        "post": {"title": "두부 김치", "content": "볶는다", "servings": 2},
        "ingredients": [
            {"id": catalogue["김치"], "quantity": 300},
            {"id": catalogue["두부"], "quantity": "300"},
        ],
    }
    response = client.put(f"/posts/forms/{post_id}", json=body, headers=kim.headers)
    assert assert_success(response, "레시피 수정 성공")["post_id"] == post_id
    post = client.get(f"/posts/{post_id}").get_json()["post"]
    assert (post["title"], post["content"], post["servings"]) == ("두부 김치", "볶는다", 2)
    assert [(i["name"], i["quantity"]) for i in post["ingredients"]] == [
        ("김치", 300),
        ("두부", 300),
    ]
    assert post["price"] == 1450  # (900 + 2000) ÷ 2
    assert post["create_date"] == before["create_date"]
    assert post["modify_date"] >= before["modify_date"]


def test_update_post_keeps_what_is_left_out(client, kim, make_post):
    post_id = make_post(kim)
    client.put(f"/posts/forms/{post_id}", json={"post": {"servings": 3}}, headers=kim.headers)
    post = client.get(f"/posts/{post_id}").get_json()["post"]
    assert (post["title"], post["servings"], len(post["ingredients"])) == (
        "돼지고기 김치찌개",
        3,
        2,
    )
    client.put(f"/posts/forms/{post_id}", json={"ingredients": []}, headers=kim.headers)
    post = client.get(f"/posts/{post_id}").get_json()["post"]
    assert post["ingredients"] == [] and post["title"] == "돼지고기 김치찌개"


@pytest.mark.parametrize("who", ["lee", "admin"])
def test_update_post_refuses_others(client, kim, make_post, request, who):
    post_id = make_post(kim)
    other = request.getfixturevalue(who)
    response = client.put(
        f"/posts/forms/{post_id}", json={"post": {"title": "탈취"}}, headers=other.headers
    )
    assert_failed(response, 403, "edit_forbidden", "수정 권한이 없음")
    assert client.get(f"/posts/{post_id}").get_json()["post"]["title"] == "돼지고기 김치찌개"


def test_update_post_failures(client, kim, make_post):
    post_id = make_post(kim)
    body = {"post": {"title": "x"}}
    assert_failed(client.put(f"/posts/forms/{post_id}", json=body), 401, "token_missing")
    assert_failed(client.put("/posts/forms/999", json=body, headers=kim.headers), 404, *NOT_FOUND)
    bad = {"post": {"servings": -1}}
    response = client.put(f"/posts/forms/{post_id}", json=bad, headers=kim.headers)
    assert "post" in assert_failed(response, 422, "validation_error")["fields"]
    unknown = {"ingredients": [{"id": 4242, "quantity": 1}]}
    response = client.put(f"/posts/forms/{post_id}", json=unknown, headers=kim.headers)
    assert assert_failed(response, 422, "unknown_ingredient")["fields"] == {
        "ingredients": {"unknown_ids": [4242]}
    }


# --- DELETE /posts/{post_id} -------------------------------------------------------------


def test_author_deletes_post(client, kim, make_post):
    post_id = make_post(kim)
    response = client.delete(f"/posts/{post_id}", headers=kim.headers)
    assert assert_success(response, "레시피 삭제 성공")["post_id"] == post_id
    assert_failed(client.get(f"/posts/{post_id}"), 404, *NOT_FOUND)


def test_admin_deletes_anyones_post(client, kim, admin, make_post):
    post_id = make_post(kim)
    assert_success(client.delete(f"/posts/{post_id}", headers=admin.headers), "레시피 삭제 성공")


def test_delete_post_failures(client, kim, lee, make_post):
    post_id = make_post(kim)
    response = client.delete(f"/posts/{post_id}", headers=lee.headers)
    assert_failed(response, 403, "delete_forbidden", "삭제 권한이 없음")
    assert_failed(client.delete(f"/posts/{post_id}"), 401, "token_missing")
    assert_failed(client.delete("/posts/999", headers=kim.headers), 404, *NOT_FOUND)
    assert client.get(f"/posts/{post_id}").status_code == 200
