"""Recipe services: the catalogue, listing and reading priced recipes, writing them, likes.

Each write validates, raises an ``AppError`` before touching anything, and commits once.
Costs always come from the catalogue through ``pricing``; a client's prices never get here.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from typing import TypeVar

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from munjigi.db import MAX_ID
from munjigi.extensions import db
from munjigi.recipes import pricing
from munjigi.recipes import search
from munjigi.recipes.exceptions import DuplicateLikeError
from munjigi.recipes.exceptions import LikeNotFoundError
from munjigi.recipes.exceptions import PostDeleteForbiddenError
from munjigi.recipes.exceptions import PostEditForbiddenError
from munjigi.recipes.exceptions import PostNotFoundError
from munjigi.recipes.exceptions import SelfPostLikeError
from munjigi.recipes.exceptions import UnknownIngredientError
from munjigi.recipes.models import Ingredient
from munjigi.recipes.models import Recipe
from munjigi.recipes.models import RecipeIngredient
from munjigi.recipes.models import RecipeLike
from munjigi.recipes.models import RecipeTitleGram
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.sessions import Principal

M = TypeVar("M")


@dataclass(frozen=True)
class PricedLine:
    """A recipe line with its exact cost."""

    line: RecipeIngredient
    cost: Decimal


@dataclass(frozen=True)
class PostView:
    """A recipe with its priced lines, total, one meal's price and like count."""

    recipe: Recipe
    lines: list[PricedLine]
    total: Decimal
    per_meal: Decimal
    likes: int


@dataclass(frozen=True)
class Page:
    """One page of the recipe list."""

    posts: list[PostView]
    page_no: int
    page_size: int
    total: int


def load(model: type[M], row_id: int) -> M | None:
    """The row of ``model`` with ``row_id``, or None; ids outside 1..2³¹-1 never hit the driver."""
    if not 1 <= row_id <= MAX_ID:
        return None
    return db.session.get(model, row_id)


def get_recipe(
    post_id: int, principal: Principal | None = None, *, admin_may: bool = False
) -> Recipe:
    """The recipe ``post_id``; with ``principal``, also check they may change it.

    :raises PostNotFoundError: no such recipe.
    :raises PostDeleteForbiddenError: (``admin_may``) neither the author nor an admin.
    :raises PostEditForbiddenError: (otherwise) not the author.
    """
    recipe = load(Recipe, post_id)
    if recipe is None:
        raise PostNotFoundError()
    if principal is not None and recipe.user_id != principal.user_id:
        if not admin_may:
            raise PostEditForbiddenError()
        if not principal.is_admin:
            raise PostDeleteForbiddenError()
    return recipe


def catalogue() -> Sequence[Ingredient]:
    """Every ingredient of the catalogue, by name."""
    return db.session.scalars(select(Ingredient).order_by(Ingredient.name, Ingredient.id)).all()


def list_posts(page_no: int, page_size: int, query: str = "") -> Page:
    """Newest recipes first, ``page_size`` per page, optionally only titles matching ``query``."""
    where = search.title_filter(query)
    count = select(func.count(Recipe.id))
    page = select(Recipe).options(selectinload(Recipe.lines)).order_by(Recipe.id.desc())
    if where is not None:
        count, page = count.where(where), page.where(where)
    total = int(db.session.scalar(count) or 0)
    recipes = db.session.scalars(page.limit(page_size).offset((page_no - 1) * page_size)).all()
    return Page(_price(recipes), page_no, page_size, total)


def read_post(post_id: int) -> PostView:
    """One priced recipe.

    :raises PostNotFoundError: no such recipe.
    """
    return _price([get_recipe(post_id)])[0]


def edit_form(principal: Principal, post_id: int) -> PostView:
    """The recipe as its author edits it.

    :raises PostNotFoundError, PostEditForbiddenError:
    """
    return _price([get_recipe(post_id, principal)])[0]


def create_post(user_id: int, data: dict[str, Any]) -> Recipe:
    """Create a recipe of the member ``user_id`` from a validated ``RecipeIn`` body.

    :raises UnknownIngredientError: naming every id missing from the catalogue.
    """
    fields, lines = data["post"], _resolve(data["ingredients"])
    now = gatekeeper().now()
    recipe = Recipe(user_id=user_id, created_at=now, modified_at=now, lines=[])
    _apply(recipe, fields, lines)
    db.session.add(recipe)
    db.session.commit()
    return recipe


def update_post(principal: Principal, post_id: int, data: dict[str, Any]) -> Recipe:
    """Change what a ``RecipePatchIn`` body gives: post fields, and/or all the lines.

    :raises PostNotFoundError, PostEditForbiddenError, UnknownIngredientError:
    """
    recipe = get_recipe(post_id, principal)
    lines = _resolve(data["ingredients"]) if "ingredients" in data else None
    _apply(recipe, data.get("post", {}), lines)
    recipe.modified_at = gatekeeper().now()
    db.session.commit()
    return recipe


def delete_post(principal: Principal, post_id: int) -> None:
    """Delete a recipe; the database removes its lines, comments and likes (ON DELETE CASCADE).

    :raises PostNotFoundError, PostDeleteForbiddenError:
    """
    db.session.delete(get_recipe(post_id, principal, admin_may=True))
    db.session.commit()


def like_post(principal: Principal, post_id: int) -> None:
    """Like someone else's recipe, once.

    :raises PostNotFoundError, SelfPostLikeError, DuplicateLikeError:
    """
    recipe = get_recipe(post_id)
    if recipe.user_id == principal.user_id:
        raise SelfPostLikeError()
    if _recipe_like(principal.user_id, post_id) is not None:
        raise DuplicateLikeError()
    db.session.add(RecipeLike(user_id=principal.user_id, recipe_id=post_id))
    commit_like()


def unlike_post(principal: Principal, post_id: int) -> None:
    """Take back a like.

    :raises PostNotFoundError, LikeNotFoundError:
    """
    get_recipe(post_id)
    like = _recipe_like(principal.user_id, post_id)
    if like is None:
        raise LikeNotFoundError()
    db.session.delete(like)
    db.session.commit()


def has_liked(user_id: int, post_id: int) -> bool:
    """Whether the member ``user_id`` likes the recipe ``post_id``."""
    return _recipe_like(user_id, post_id) is not None


def commit_like() -> None:
    """Commit a new like; the unique constraint turns a concurrent twin into 400, not 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DuplicateLikeError() from None


def _recipe_like(user_id: int, post_id: int) -> RecipeLike | None:
    return db.session.scalar(
        select(RecipeLike).where(RecipeLike.user_id == user_id, RecipeLike.recipe_id == post_id)
    )


def _resolve(items: Iterable[dict[str, Any]]) -> list[tuple[int, Decimal]]:
    """Merge repeated ingredients (quantities add up) and check every id is in the catalogue.

    :raises UnknownIngredientError: naming the ids the catalogue lacks.
    """
    merged: dict[int, Decimal] = {}
    for item in items:
        merged[item["id"]] = merged.get(item["id"], Decimal(0)) + item["quantity"]
    known = set(db.session.scalars(select(Ingredient.id).where(Ingredient.id.in_(merged))))
    unknown = sorted(set(merged) - known)
    if unknown:
        raise UnknownIngredientError(fields={"ingredients": {"unknown_ids": unknown}})
    return list(merged.items())


def _apply(recipe: Recipe, fields: dict[str, Any], lines: list[tuple[int, Decimal]] | None) -> None:
    """Copy post fields and (when given) replace the lines, keeping the search index in step."""
    if "title" in fields:
        recipe.title = fields["title"].strip()
        recipe.title_key = search.search_key(recipe.title)
        wanted = search.title_grams(recipe.title)
        kept = [g for g in recipe.title_grams if g.gram in wanted]
        have = {g.gram for g in kept}
        recipe.title_grams = kept + [RecipeTitleGram(gram=g) for g in sorted(wanted - have)]
    if "content" in fields:
        recipe.content = fields["content"]
    if "servings" in fields:
        recipe.servings = fields["servings"]
    if lines is not None:
        existing = {line.ingredient_id: line for line in recipe.lines}
        new_lines = []
        for position, (ingredient_id, quantity) in enumerate(lines):
            line = existing.get(ingredient_id) or RecipeIngredient(ingredient_id=ingredient_id)
            line.position, line.quantity = position, quantity
            new_lines.append(line)
        recipe.lines = new_lines  # lines left out are orphans: deleted at flush


def _price(recipes: Sequence[Recipe]) -> list[PostView]:
    """Price recipes from the catalogue and count their likes (one query for all of them)."""
    likes = _like_counts([r.id for r in recipes])
    views = []
    for recipe in recipes:
        entries = {
            line.ingredient_id: pricing.CatalogueEntry(line.ingredient.price, line.ingredient.unit)
            for line in recipe.lines
        }
        priced = pricing.price_recipe(
            [(line.ingredient_id, line.quantity) for line in recipe.lines],
            entries,
            recipe.servings,
        )
        lines = [
            PricedLine(line, cost)
            for line, cost in zip(recipe.lines, priced.line_costs, strict=True)
        ]
        views.append(
            PostView(recipe, lines, priced.total, priced.per_meal, likes.get(recipe.id, 0))
        )
    return views


def _like_counts(recipe_ids: list[int]) -> dict[int, int]:
    if not recipe_ids:
        return {}
    rows = db.session.execute(
        select(RecipeLike.recipe_id, func.count())
        .where(RecipeLike.recipe_id.in_(recipe_ids))
        .group_by(RecipeLike.recipe_id)
    )
    return {recipe_id: int(count) for recipe_id, count in rows}
