"""A member writes, edits, comments on, likes and deletes a recipe only through the pages.

The language is a parameter: the same journey runs with each page language the app
speaks, finding buttons by their words in that language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from munjigi.extensions import db
from munjigi.recipes.models import Ingredient
from tests.browser.conftest import PASSWORD
from tests.browser.conftest import Site
from tests.browser.conftest import _wait_for_fill_time
from tests.browser.conftest import screenshot
from tests.browser.conftest import type_like_a_person

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

# The words of the buttons and notices the journey meets, per page language.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "new": "New recipe",
        "save": "Save recipe",
        "edit": "Edit",
        "delete": "Delete",
        "delete_recipe": "Delete recipe",
        "post_comment": "Post comment",
        "save_comment": "Save comment",
        "like": "Like",
        "unlike": "Unlike",
        "one_like": "1 like",
        "per_meal": "per meal",
        "published": "Your recipe was published.",
        "deleted": "The recipe was deleted.",
    },
}
WORDS["ko"] = {
    "new": "새 레시피",
    "save": "레시피 저장",
    "edit": "수정",
    "delete": "삭제",
    "delete_recipe": "레시피 삭제",
    "post_comment": "댓글 등록",
    "save_comment": "댓글 저장",
    "like": "좋아요",
    "unlike": "좋아요 취소",
    "one_like": "좋아요 1개",
    "per_meal": "한 끼",
    "published": "레시피를 게시했습니다.",
    "deleted": "레시피를 삭제했습니다.",
}
LANGUAGES = {"en": "en-US", "ko": "ko-KR"}


def stock_catalogue(site: Site) -> None:
    with site.app.app_context():
        if db.session.scalar(db.select(Ingredient).where(Ingredient.name == "돼지고기")) is None:
            db.session.add_all(
                [
                    Ingredient(
                        name="돼지고기", price=Decimal(15000), unit=Decimal(600), unit_label="g"
                    ),
                    Ingredient(
                        name="김치", price=Decimal(3000), unit=Decimal(1000), unit_label="g"
                    ),
                    Ingredient(name="두부", price=Decimal(2000), unit=Decimal(300), unit_label="g"),
                ]
            )
            db.session.commit()
        db.session.remove()


def log_in_in_any_language(page: Any, username: str) -> None:
    """conftest.log_in, finding the button by its place rather than its (English) words."""
    page.goto("/login")
    type_like_a_person(page, "#f-username", username)
    type_like_a_person(page, "#f-password", PASSWORD)
    _wait_for_fill_time(page)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector("#session-bar")


def estimate(page: Any) -> str:
    return str(page.locator("[data-role=estimate]").inner_text())


@pytest.mark.parametrize("language", sorted(WORDS))
def test_a_recipe_from_first_line_to_deletion_through_pages(
    site: Site, new_context: Any, language: str
) -> None:
    words = WORDS[language]
    stock_catalogue(site)
    author, reader = f"cook_{language}", f"eater_{language}"
    site.make_user(author)
    site.make_user(reader)
    page = new_context(site.base, locale=LANGUAGES[language]).new_page()
    log_in_in_any_language(page, author)

    page.goto("/recipes")
    page.get_by_role("link", name=words["new"]).click()
    page.locator("#f-title").fill("김치찌개")
    page.locator("#f-servings").fill("2")
    page.locator("#f-content").fill("김치를 볶고 물을 붓는다.")
    page.locator("#f-ingredient-1").fill("돼지고기")
    page.locator("#f-quantity-1").press_sequentially("200", delay=20)
    # 200 g × 25 won = 5,000 won for 2 servings: the server's price arrives as one types.
    page.locator("[data-role=estimate]", has_text="₩2,500").wait_for()
    page.locator("#f-ingredient-2").fill("김치")
    page.locator("#f-quantity-2").press_sequentially("300", delay=20)
    page.locator("[data-role=estimate]", has_text="₩2,950").wait_for()
    assert words["per_meal"] in estimate(page)
    screenshot(page, f"recipe-form-{language}")
    page.get_by_role("button", name=words["save"]).last.click()
    page.wait_for_url("**/recipes/*?notice=created")
    assert words["published"] in page.inner_text("main")
    assert "₩2,950" in page.inner_text("main")
    assert page.locator("svg.chart:visible").count() == 1  # the wide one (a twin for phones)
    recipe_url = page.url.split("?")[0]
    screenshot(page, f"recipe-read-{language}")

    page.get_by_role("link", name=words["edit"], exact=True).click()
    page.locator("#f-servings").fill("1")
    page.locator("[data-role=estimate]", has_text="₩5,900").wait_for()
    page.get_by_role("button", name=words["save"]).last.click()
    page.wait_for_url("**/recipes/*?notice=saved")
    assert "₩5,900" in page.inner_text("main")

    page.locator("#f-content").fill("맛있게 드세요")
    page.get_by_role("button", name=words["post_comment"]).click()
    page.locator(".comment", has_text="맛있게 드세요").wait_for()
    page.locator(".comment").get_by_role("link", name=words["edit"]).click()
    page.locator("textarea[id^=f-comment-]").fill("정말 맛있게 드세요")
    page.get_by_role("button", name=words["save_comment"]).click()
    page.locator(".comment", has_text="정말 맛있게 드세요").wait_for()

    other = new_context(site.base, locale=LANGUAGES[language]).new_page()
    log_in_in_any_language(other, reader)
    other.goto(recipe_url)
    other.get_by_role("button", name=words["like"], exact=True).click()
    other.get_by_role("button", name=words["unlike"]).wait_for()
    assert words["one_like"] in other.inner_text("#likes")
    assert other.get_by_role("link", name=words["edit"], exact=True).count() == 0

    page.goto(recipe_url)
    assert words["one_like"] in page.inner_text("#likes")
    page.locator(".comment").get_by_role("button", name=words["delete"]).click()
    page.wait_for_load_state()
    assert page.locator(".comment").count() == 0
    page.locator(".page-header").get_by_role("link", name=words["delete"]).click()
    page.get_by_role("button", name=words["delete_recipe"]).click()
    page.wait_for_url("**/recipes?notice=deleted")
    assert words["deleted"] in page.inner_text("main")
    assert page.goto(recipe_url).status == 404


def test_the_recipe_form_works_without_script(site: Site, new_context: Any) -> None:
    stock_catalogue(site)
    site.make_user("no_script")
    context = new_context(site.base, java_script_enabled=False)
    page = context.new_page()
    page.goto("/login")
    page.locator("#f-username").fill("no_script")
    page.locator("#f-password").fill("correct horse battery staple")
    page.wait_for_timeout(1200)
    page.get_by_role("button", name="Log in").click()
    page.goto("/recipes/new")
    page.locator("#f-title").fill("두부조림")
    page.locator("#f-ingredient-1").fill("두부")
    page.locator("#f-quantity-1").fill("300")
    page.get_by_role("button", name="Update cost").click()
    assert "₩2,000" in estimate(page)
    page.get_by_role("button", name="Add lines").click()
    assert page.locator("input[name=ingredient]").count() == 7  # the typed one and six blanks
    page.get_by_role("button", name="Save recipe").last.click()
    page.wait_for_url("**/recipes/*?notice=created")
    assert "₩2,000" in page.inner_text("main")
