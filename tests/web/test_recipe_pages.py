"""/recipes pages: browse, read, write, comment, like and delete through plain forms.

They run on the API's services, so the cost a page shows is the cost /posts answers.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from munjigi.extensions import db
from munjigi.recipes.models import Comment
from munjigi.recipes.models import Ingredient
from munjigi.recipes.models import Recipe
from munjigi.security.models import Role
from tests.web.conftest import Pages
from tests.web.conftest import make_user

# 25 won per gram, 3 won per gram.
CATALOGUE = [("돼지고기", "15000", "600", "g"), ("김치", "3000", "1000", "g")]


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the English words of the pages (tests/i18n covers the languages)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def other_browser(app):
    """A second, separate browser (its own cookie jar), in English too."""
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return Pages(other)


@pytest.fixture
def catalogue(app):
    rows = [
        Ingredient(name=n, price=Decimal(p), unit=Decimal(u), unit_label=label)
        for n, p, u, label in CATALOGUE
    ]
    db.session.add_all(rows)
    db.session.commit()
    return {row.name: row.id for row in rows}


def recipe_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "title": "김치찌개",
        "content": "끓인다",
        "servings": "2",
        "ingredient": ["돼지고기", "김치", ""],
        "quantity": ["200", "300", ""],
        "action": "save",
    }
    form.update(overrides)
    return form


def create(pages: Pages, **overrides: object) -> int:
    response = pages.post("/recipes/new", recipe_form(**overrides))
    assert response.status_code == 303, response.text
    return int(response.headers["Location"].split("/recipes/")[1].split("?")[0])


def test_a_member_writes_a_recipe_priced_like_the_api(member, catalogue, client):
    post_id = create(member)
    page = member.client.get(f"/recipes/{post_id}").text
    # (200 g × 25 + 300 g × 3) = 5,900 won for 2 servings → 2,950 won per meal.
    assert "2,950" in page and "5,900" in page
    api = client.get(f"/posts/{post_id}").get_json()["post"]
    assert api["price"] == 2950 and api["total_price"] == 5900
    assert "김치찌개" in member.client.get("/recipes").text


def test_the_price_fragment_is_the_servers_pricing(member, catalogue):
    fragment = member.client.get(
        "/recipes/price",
        query_string=[("servings", "2"), ("ingredient", "돼지고기"), ("quantity", "200")],
    )
    assert fragment.status_code == 200 and "2,500" in fragment.text
    nonsense = member.client.get(
        "/recipes/price", query_string=[("servings", "x"), ("ingredient", "?"), ("quantity", "-")]
    )
    assert nonsense.status_code == 200 and "₩0" in nonsense.text


def test_update_cost_without_script_re_renders_the_form(member, catalogue):
    response = member.post("/recipes/new", recipe_form(action="preview"))
    assert response.status_code == 200 and "2,950" in response.text
    assert db.session.scalar(db.select(db.func.count(Recipe.id))) == 0


def test_bad_input_is_422_next_to_the_field_never_500(member, catalogue):
    bad = member.post(
        "/recipes/new",
        recipe_form(
            title=" ", servings="0", ingredient=["없는 재료", "김치"], quantity=["1", "-3"]
        ),
    )
    assert bad.status_code == 422
    assert 'id="f-title-error"' in bad.text and 'id="f-servings-error"' in bad.text
    assert 'id="f-line-1-error"' in bad.text and 'id="f-line-2-error"' in bad.text
    huge = member.post("/recipes/new", recipe_form(quantity=["1e9", "1"]))
    assert huge.status_code == 422
    nul = member.post("/recipes/new", recipe_form(title="a\x00b"))
    assert nul.status_code == 422
    assert db.session.scalar(db.select(db.func.count(Recipe.id))) == 0


def test_only_the_author_edits(member, catalogue, other_browser):
    post_id = create(member)
    make_user("lee_cook")
    assert other_browser.login("lee_cook").status_code == 303
    assert other_browser.client.get(f"/recipes/{post_id}/edit").status_code == 403
    refused = other_browser.post(f"/recipes/{post_id}/edit", recipe_form(title="가로채기"))
    assert refused.status_code == 403
    assert other_browser.post(f"/recipes/{post_id}/delete").status_code == 403
    assert "Edit</a>" not in other_browser.client.get(f"/recipes/{post_id}").text

    changed = member.post(f"/recipes/{post_id}/edit", recipe_form(title="된장찌개", servings="1"))
    assert changed.status_code == 303
    page = member.client.get(f"/recipes/{post_id}").text
    assert "된장찌개" in page and "5,900" in page


def test_the_author_or_an_admin_deletes_after_confirming(member, catalogue, other_browser):
    first, second = create(member), create(member, title="두번째")
    assert "This can" in member.client.get(f"/recipes/{first}/delete").text
    assert member.post(f"/recipes/{first}/delete").status_code == 303
    assert member.client.get(f"/recipes/{first}").status_code == 404
    make_user("boss", Role.ADMIN)
    assert other_browser.login("boss").status_code == 303
    assert other_browser.post(f"/recipes/{second}/delete").status_code == 303
    assert db.session.scalar(db.select(db.func.count(Recipe.id))) == 0


def test_forms_need_the_csrf_field(member, catalogue):
    form = recipe_form()
    assert member.client.post("/recipes/new", data=form).status_code == 403
    post_id = create(member)
    for path in (
        f"/recipes/{post_id}/edit",
        f"/recipes/{post_id}/delete",
        f"/recipes/{post_id}/likes",
        f"/recipes/{post_id}/comments",
    ):
        assert member.client.post(path, data={"content": "x"}).status_code == 403, path
    assert db.session.get(Recipe, post_id) is not None


def test_comments_add_edit_delete_own_and_likes(member, catalogue, other_browser):
    post_id = create(member)
    make_user("lee_cook")
    assert other_browser.login("lee_cook").status_code == 303
    said = other_browser.post(f"/recipes/{post_id}/comments", {"content": "맛있어요"})
    assert said.status_code == 303
    comment_id = int(said.headers["Location"].split("#comment-")[1])
    assert "맛있어요" in member.client.get(f"/recipes/{post_id}").text
    # The recipe's author may not edit someone else's comment.
    assert (
        member.post(f"/recipes/{post_id}/comments/{comment_id}", {"content": "바꿈"}).status_code
        == 403
    )
    assert (
        other_browser.post(
            f"/recipes/{post_id}/comments/{comment_id}", {"content": "정말 맛있어요"}
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(Comment, comment_id).content == "정말 맛있어요"
    empty = other_browser.post(f"/recipes/{post_id}/comments", {"content": "   "})
    assert empty.status_code == 422 and 'id="f-content-error"' in empty.text

    assert other_browser.post(f"/recipes/{post_id}/likes", {"action": "like"}).status_code == 303
    assert other_browser.post(f"/recipes/{post_id}/likes", {"action": "like"}).status_code == 303
    assert "1 like" in other_browser.client.get(f"/recipes/{post_id}").text
    assert other_browser.post(f"/recipes/{post_id}/likes", {"action": "unlike"}).status_code == 303
    assert "0 likes" in member.client.get(f"/recipes/{post_id}").text
    # Liking one's own recipe is refused as by the API (a page, not a crash).
    assert member.post(f"/recipes/{post_id}/likes", {"action": "like"}).status_code == 400

    deleted = other_browser.post(f"/recipes/{post_id}/comments/{comment_id}", {"action": "delete"})
    assert deleted.status_code == 303
    assert db.session.get(Comment, comment_id) is None


def test_unknown_ids_are_404_pages(member, catalogue):
    for path in ("/recipes/999999", "/recipes/99999999999", "/recipes/0/edit", "/recipes/5/delete"):
        response = member.client.get(path)
        assert response.status_code == 404 and "text/html" in response.content_type, path
    post_id = create(member)
    wrong = member.post(f"/recipes/{post_id}/comments/424242", {"content": "x"})
    assert wrong.status_code == 404


def test_browse_searches_and_paginates(member, catalogue):
    for n in range(22):
        create(member, title=f"레시피 {n:02d}")
    first = member.client.get("/recipes").text
    assert "레시피 21" in first and "레시피 01" not in first and "Page 1 of 2" in first
    second = member.client.get("/recipes?page=2").text
    assert "레시피 01" in second and "레시피 21" not in second
    found = member.client.get("/recipes", query_string={"q": "레시피 07"}).text
    assert "레시피 07" in found and "레시피 08" not in found
    for junk in ("?page=-1", "?page=abc", "?page=99999999999", "?q=" + "가" * 500, "?q=%00"):
        assert member.client.get("/recipes" + junk).status_code == 200, junk


def test_signed_out_visitors_go_to_the_login_form(pages, catalogue):
    response = pages.client.get("/recipes/new")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_the_dashboard_links_into_the_recipe_pages(member, catalogue):
    html = member.client.get("/").text
    assert 'href="/recipes/new"' in html and "recipe API" not in html


def test_the_404_page_of_a_signed_in_member_shows_the_signed_in_header(member, pages):
    browser = {"Accept": "text/html,application/xhtml+xml"}
    html = member.client.get("/no-such-page", headers=browser).text
    assert 'id="session-bar"' in html and "kim_chef" in html and "Log out" in html
    signed_out = pages.client.application.test_client().get("/no-such-page", headers=browser).text
    assert 'id="session-bar"' not in signed_out


def test_a_visitor_of_the_home_page_meets_a_landing_section_beside_the_login_form(pages):
    to_login = pages.client.get("/", headers={"Accept": "text/html"})
    assert to_login.status_code in (302, 303)
    html = pages.client.get(to_login.headers["Location"]).text
    assert 'class="landing__intro"' in html and 'name="password"' in html
    assert 'class="landing__intro"' not in pages.client.get("/login?next=/account").text


def test_the_terms_box_keeps_its_state_after_a_failed_sign_up(pages):
    ticked = pages.signup("new_cook", password="short", password_confirm="short")
    assert (
        ticked.status_code == 422
        and 'name="terms" type="checkbox" value="yes" required checked' in ticked.text
    )
    unticked = pages.signup("new_cook", password="short", password_confirm="short", terms="")
    assert 'value="yes" required checked' not in unticked.text
