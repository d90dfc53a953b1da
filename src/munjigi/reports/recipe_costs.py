"""The aggregates behind a member's dashboard: cost per meal, a recipe's breakdown, likes.

Costs come from ``recipes/pricing.py`` (exact Decimal from the catalogue), the same
arithmetic the /posts API answers with, so the chart and the API never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from munjigi.recipes import pricing
from munjigi.recipes.models import Ingredient
from munjigi.recipes.models import Recipe
from munjigi.recipes.models import RecipeIngredient
from munjigi.recipes.models import RecipeLike
from munjigi.security.models import User

# A bar chart with more bars than this stops being readable; the table lists them all.
CHART_RECIPES = 15
TOP_LIKED = 8


@dataclass(frozen=True)
class RecipeCost:
    """A recipe with its exact total, the cost of one meal, and its like count."""

    id: int
    title: str
    author: str
    servings: int
    total: Decimal
    per_meal: Decimal
    likes: int


@dataclass(frozen=True)
class Line:
    """One ingredient of a recipe and what it costs."""

    name: str
    quantity: Decimal
    unit_label: str
    cost: Decimal


@dataclass(frozen=True)
class Breakdown:
    """A recipe's cost by ingredient, largest first."""

    recipe: RecipeCost
    lines: list[Line]


def _priced(session: Session, recipes: list[tuple[int, str, str, int]]) -> list[RecipeCost]:
    """Price ``(id, title, author, servings)`` rows with one query for every line."""
    ids = [r[0] for r in recipes]
    if not ids:
        return []
    lines: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    catalogue: dict[int, pricing.CatalogueEntry] = {}
    rows = session.execute(
        select(
            RecipeIngredient.recipe_id,
            Ingredient.id,
            RecipeIngredient.quantity,
            Ingredient.price,
            Ingredient.unit,
        )
        .join(Ingredient, Ingredient.id == RecipeIngredient.ingredient_id)
        .where(RecipeIngredient.recipe_id.in_(ids))
    )
    for recipe_id, ingredient_id, quantity, price, unit in rows:
        lines[recipe_id].append((ingredient_id, quantity))
        catalogue[ingredient_id] = pricing.CatalogueEntry(price, unit)
    likes = like_counts(session, ids)
    found = []
    for recipe_id, title, author, servings in recipes:
        priced = pricing.price_recipe(lines[recipe_id], catalogue, servings)
        found.append(
            RecipeCost(
                recipe_id,
                title,
                author,
                servings,
                priced.total,
                priced.per_meal,
                likes.get(recipe_id, 0),
            )
        )
    return found


def like_counts(session: Session, ids: list[int]) -> dict[int, int]:
    """Likes per recipe id (recipes without likes are absent)."""
    rows = session.execute(
        select(RecipeLike.recipe_id, func.count())
        .where(RecipeLike.recipe_id.in_(ids))
        .group_by(RecipeLike.recipe_id)
    )
    return {recipe_id: int(n) for recipe_id, n in rows}


def _recipe_rows(
    session: Session, user_id: int | None, limit: int | None
) -> list[tuple[int, str, str, int]]:
    stmt = (
        select(Recipe.id, Recipe.title, User.username, Recipe.servings)
        .join(User, User.id == Recipe.user_id)
        .order_by(Recipe.created_at.desc(), Recipe.id.desc())
    )
    if user_id is not None:
        stmt = stmt.where(Recipe.user_id == user_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(int(i), str(t), str(a), int(s)) for i, t, a, s in session.execute(stmt)]


def my_recipes(session: Session, user_id: int, limit: int = 200) -> list[RecipeCost]:
    """The member's recipes, newest first, priced."""
    return _priced(session, _recipe_rows(session, user_id, limit))


def latest_recipes(session: Session, limit: int = CHART_RECIPES) -> list[RecipeCost]:
    """Everyone's newest recipes (what a member without recipes is shown)."""
    return _priced(session, _recipe_rows(session, None, limit))


def most_liked(session: Session, limit: int = TOP_LIKED) -> list[RecipeCost]:
    """The recipes with the most likes (at least one), most liked first."""
    likes = func.count(RecipeLike.id).label("likes")
    top = session.execute(
        select(RecipeLike.recipe_id, likes)
        .group_by(RecipeLike.recipe_id)
        .order_by(likes.desc(), RecipeLike.recipe_id)
        .limit(limit)
    ).all()
    if not top:
        return []
    order = {recipe_id: i for i, (recipe_id, _) in enumerate(top)}
    rows = session.execute(
        select(Recipe.id, Recipe.title, User.username, Recipe.servings)
        .join(User, User.id == Recipe.user_id)
        .where(Recipe.id.in_(order))
    )
    priced = _priced(session, [(int(i), str(t), str(a), int(s)) for i, t, a, s in rows])
    return sorted(priced, key=lambda r: order[r.id])


def breakdown(session: Session, recipe_id: int) -> Breakdown | None:
    """One recipe's cost by ingredient, largest first; None when it does not exist."""
    row = session.execute(
        select(Recipe.id, Recipe.title, User.username, Recipe.servings)
        .join(User, User.id == Recipe.user_id)
        .where(Recipe.id == recipe_id)
    ).first()
    if row is None:
        return None
    (recipe,) = _priced(session, [(int(row[0]), str(row[1]), str(row[2]), int(row[3]))])
    rows = session.execute(
        select(
            Ingredient.name,
            RecipeIngredient.quantity,
            Ingredient.unit_label,
            Ingredient.price,
            Ingredient.unit,
        )
        .join(Ingredient, Ingredient.id == RecipeIngredient.ingredient_id)
        .where(RecipeIngredient.recipe_id == recipe_id)
        .order_by(RecipeIngredient.position)
    )
    lines = [
        Line(
            name, quantity, label, pricing.line_cost(pricing.CatalogueEntry(price, unit), quantity)
        )
        for name, quantity, label, price, unit in rows
    ]
    lines.sort(key=lambda line: line.cost, reverse=True)
    return Breakdown(recipe, lines)
