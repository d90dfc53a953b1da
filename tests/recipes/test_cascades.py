"""Deleting a member or a recipe removes what hangs on it, in the database, on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from munjigi.extensions import db
from munjigi.recipes.models import Comment
from munjigi.recipes.models import CommentLike
from munjigi.recipes.models import Ingredient
from munjigi.recipes.models import Recipe
from munjigi.recipes.models import RecipeIngredient
from munjigi.recipes.models import RecipeLike
from munjigi.recipes.models import RecipeTitleGram
from tests.recipes.asserts import assert_success

TABLES = (Recipe, RecipeIngredient, RecipeTitleGram, RecipeLike, Comment, CommentLike)


def rows() -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in TABLES
    }


@pytest.fixture
def kitchen(client, kim, lee, make_post, make_comment):
    """kim and lee each wrote a recipe, commented on and liked the other's, and its comments."""
    kim_post, lee_post = make_post(kim, title="김치찌개"), make_post(lee, title="된장찌개")
    kim_on_lee = make_comment(kim, lee_post)
    lee_on_kim = make_comment(lee, kim_post)
    kim_on_own = make_comment(kim, kim_post)
    client.post(f"/posts/{lee_post}/likes", headers=kim.headers)
    client.post(f"/posts/{kim_post}/likes", headers=lee.headers)
    client.post(f"/posts/comments/{lee_on_kim}/likes", headers=kim.headers)
    client.post(f"/posts/comments/{kim_on_lee}/likes", headers=lee.headers)
    client.post(f"/posts/comments/{kim_on_own}/likes", headers=lee.headers)
    return {"kim_post": kim_post, "lee_post": lee_post, "kim_on_lee": kim_on_lee}


def test_deleting_a_member_removes_their_recipes_comments_and_likes(client, kim, lee, kitchen):
    before = rows()
    assert before == {
        "recipes": 2,
        "recipe_ingredients": 4,
        "recipe_title_grams": before["recipe_title_grams"],
        "recipe_likes": 2,
        "comments": 3,
        "comment_likes": 3,
    }
    response = client.delete(f"/members/{kim.user_id}", headers=kim.headers)
    assert_success(response, "deleted")

    after = rows()
    # Left: lee's recipe with its two lines, and nothing of kim's on it.
    assert after["recipes"] == 1
    assert after["recipe_ingredients"] == 2
    assert after["recipe_likes"] == 0
    assert after["comments"] == 0  # lee's comment was on kim's recipe
    assert after["comment_likes"] == 0
    assert after["recipe_title_grams"] == db.session.scalar(
        select(func.count()).where(RecipeTitleGram.recipe_id == kitchen["lee_post"])
    )
    post = client.get(f"/posts/{kitchen['lee_post']}").get_json()
    assert post["post"]["like"] == 0 and post["comments"] == []
    assert client.get(f"/posts/{kitchen['kim_post']}").status_code == 404


def test_admin_deleting_a_member_cascades_too(client, kim, lee, admin, kitchen):
    assert_success(client.delete(f"/members/{lee.user_id}", headers=admin.headers), "deleted")
    after = rows()
    assert (after["recipes"], after["comments"], after["recipe_likes"]) == (1, 1, 0)
    assert after["comment_likes"] == 0


def test_deleting_a_recipe_removes_lines_comments_and_likes(client, kim, lee, kitchen):
    response = client.delete(f"/posts/{kitchen['kim_post']}", headers=kim.headers)
    assert_success(response, "레시피 삭제 성공")
    after = rows()
    assert after["recipes"] == 1
    assert after["recipe_ingredients"] == 2
    assert after["recipe_likes"] == 1  # kim's like of lee's recipe
    assert after["comments"] == 1  # kim's comment on lee's recipe
    assert after["comment_likes"] == 1  # lee's like of that comment
    remaining = {g.recipe_id for g in db.session.scalars(select(RecipeTitleGram))}
    assert remaining == {kitchen["lee_post"]}


def test_an_ingredient_in_use_cannot_be_deleted(kim, make_post, catalogue):
    make_post(kim)
    db.session.delete(db.session.get(Ingredient, catalogue["김치"]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(Ingredient, catalogue["달걀"]))  # unused: fine
    db.session.commit()
