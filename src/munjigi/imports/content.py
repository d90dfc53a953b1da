"""Importing 한끼얼마 content: the catalogue, posts (priced again), comments and likes.

- Ingredients match the catalogue by name (NFKC, case-folded); unknown ones are added with
  the source price and unit (unit label ``단위``: the original had none).
- A post pointed to one ingredient and stored a price. It becomes a recipe for one meal
  with one line of that ingredient; the quantity is what the stored price bought at the
  source's own price (price × source unit ÷ source price), or one source unit when either
  price is missing. Its cost is then computed from Munjigi's catalogue; the stored price is
  kept in ``import_prices`` and the difference is reported.
- Authorless posts and comments go to the "imported" member, or are skipped by option.
- Likes: likes.py.
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from munjigi.auth import services as members
from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.imports import journal
from munjigi.imports import owner
from munjigi.imports.context import Context
from munjigi.imports.models import ImportedPrice
from munjigi.imports.sources import COMMENT
from munjigi.imports.sources import INGREDIENT
from munjigi.imports.sources import POST
from munjigi.imports.sources import USER
from munjigi.imports.sources import Comment as SourceComment
from munjigi.imports.sources import Ingredient as SourceIngredient
from munjigi.imports.sources import Post
from munjigi.recipes import pricing
from munjigi.recipes import search
from munjigi.recipes.models import Comment
from munjigi.recipes.models import Ingredient
from munjigi.recipes.models import Recipe
from munjigi.recipes.models import RecipeIngredient
from munjigi.recipes.models import RecipeTitleGram

UNIT_LABEL = "단위"
NAME_LENGTH = 100
TITLE_LENGTH = 200


def import_ingredients(ctx: Context, batch: list[SourceIngredient]) -> None:
    """Match each ingredient to the catalogue by name, adding the unknown ones."""
    catalogue = _catalogue(ctx)
    found = journal.mapped(ctx.source, INGREDIENT, (i.old_id for i in batch))
    ctx.count(INGREDIENT, "read", len(batch))
    added: list[tuple[str, Ingredient]] = []
    matched: list[tuple[str, int]] = []
    for item in batch:
        if item.old_id in found:
            ctx.count(INGREDIENT, "unchanged")
            continue
        name = unicodedata.normalize("NFKC", item.name or "").strip()
        if not name or len(name) > NAME_LENGTH:
            ctx.skip(INGREDIENT, item.old_id, ["name_refused"])
            continue
        known = catalogue.get(members.canonical(name))
        if known is not None:
            matched.append((item.old_id, known[0]))
            ctx.dry_prices[item.old_id] = pricing.CatalogueEntry(known[1], known[2])
            continue
        price = Decimal(max(item.price or 0, 0))
        unit = Decimal(item.unit) if item.unit and item.unit > 0 else Decimal(1)
        row = Ingredient(name=name, price=price, unit=unit, unit_label=UNIT_LABEL)
        added.append((item.old_id, row))
        catalogue[members.canonical(name)] = (0, price, unit)
        ctx.dry_prices[item.old_id] = pricing.CatalogueEntry(price, unit)
    ctx.count(INGREDIENT, "matched", len(matched))
    ctx.count(INGREDIENT, "added", len(added))
    if not ctx.apply:
        return
    db.session.add_all([row for _, row in added])
    db.session.flush()
    for _, row in added:
        catalogue[members.canonical(row.name)] = (row.id, row.price, row.unit)
    pairs = matched + [(old, row.id) for old, row in added]
    journal.remember(ctx.source, INGREDIENT, ctx.run_id, pairs)


def import_posts(ctx: Context, batch: list[Post]) -> None:
    """Posts become one-meal recipes with their authors, dates and one priced line."""
    found = journal.mapped(ctx.source, POST, (p.old_id for p in batch))
    fresh = [p for p in batch if p.old_id not in found]
    ctx.count(POST, "read", len(batch))
    ctx.count(POST, "unchanged", len(batch) - len(fresh))
    authors = journal.mapped(ctx.source, USER, (p.user_old_id for p in fresh))
    ingredients = journal.mapped(ctx.source, INGREDIENT, (p.ingredient_old_id for p in fresh))
    prices = _catalogue_prices([i for i in ingredients.values() if i])
    now = utcnow()
    made: list[tuple[Post, dict[str, Any], tuple[int, Decimal] | None, Decimal]] = []
    for post in fresh:
        author = _author(ctx, POST, post.old_id, post.user_old_id, authors)
        if author is None:
            continue
        title = (post.title or "").strip()[:TITLE_LENGTH]
        created = post.created_at or now
        recipe = {
            "title": title,
            "title_key": search.search_key(title),
            "content": post.content or "",
            "servings": 1,
            "user_id": author,
            "created_at": created,
            "modified_at": post.modified_at or created,
        }
        line = _line(ctx, post, ingredients, prices)
        cost = Decimal(0)
        if line is not None:
            # A dry run adds no ingredient: it prices with what the catalogue would hold.
            entry = prices.get(line[0]) or ctx.dry_prices.get(post.ingredient_old_id or "")
            if entry is not None:
                cost = pricing.line_cost(entry, line[1])
        gap = pricing.won(cost) - (post.price or 0)
        if gap:
            ctx.count(POST, "price_changed")
            ctx.price_gap_total += abs(gap)
            ctx.price_gap_max = max(ctx.price_gap_max, abs(gap))
        made.append((post, recipe, line, cost))
    ctx.count(POST, "imported", len(made))
    if not ctx.apply or not made:
        return
    # Plain executemany INSERTs (RETURNING the new ids): the ORM's per-object bookkeeping
    # cost more than the database at a million recipes.
    ids = journal.write_returning_ids(Recipe, [recipe for _, recipe, _, _ in made])
    lines = [
        {"recipe_id": i, "ingredient_id": line[0], "position": 0, "quantity": line[1]}
        for i, (_, _, line, _) in zip(ids, made, strict=True)
        if line is not None
    ]
    grams = [
        {"gram": gram, "recipe_id": i}
        for i, (_, recipe, _, _) in zip(ids, made, strict=True)
        for gram in search.title_grams(recipe["title"])
    ]
    history = [
        {
            "recipe_id": i,
            "source": ctx.source,
            "old_id": p.old_id,
            "stored_price": p.price,
            "computed_price": cost.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            "imported_at": now,
        }
        for i, (p, _, _, cost) in zip(ids, made, strict=True)
    ]
    for model, rows in (
        (RecipeIngredient, lines),
        (RecipeTitleGram, grams),
        (ImportedPrice, history),
    ):
        journal.write(model, rows)
    pairs = ((p.old_id, i) for i, (p, _, _, _) in zip(ids, made, strict=True))
    journal.remember(ctx.source, POST, ctx.run_id, pairs)


def import_comments(ctx: Context, batch: list[SourceComment]) -> None:
    """Comments keep their post, author (or the imported member) and dates."""
    found = journal.mapped(ctx.source, COMMENT, (c.old_id for c in batch))
    fresh = [c for c in batch if c.old_id not in found]
    ctx.count(COMMENT, "read", len(batch))
    ctx.count(COMMENT, "unchanged", len(batch) - len(fresh))
    posts = journal.mapped(ctx.source, POST, (c.post_old_id for c in fresh))
    authors = journal.mapped(ctx.source, USER, (c.user_old_id for c in fresh))
    now = utcnow()
    made: list[tuple[str, dict[str, Any]]] = []
    for item in fresh:
        recipe = ctx.resolve(POST, item.post_old_id, posts)
        if recipe is None:
            ctx.skip(COMMENT, item.old_id, ["post_not_imported"])
            continue
        author = _author(ctx, COMMENT, item.old_id, item.user_old_id, authors)
        if author is None:
            continue
        created = item.created_at or now
        row = {
            "recipe_id": recipe,
            "user_id": author,
            "content": item.content or "",
            "created_at": created,
            "modified_at": item.modified_at or created,
        }
        made.append((item.old_id, row))
    ctx.count(COMMENT, "imported", len(made))
    if not ctx.apply or not made:
        return
    ids = journal.write_returning_ids(Comment, [row for _, row in made])
    pairs = ((old, i) for (old, _), i in zip(made, ids, strict=True))
    journal.remember(ctx.source, COMMENT, ctx.run_id, pairs)


def _author(
    ctx: Context, kind: str, old_id: str, user_old_id: str | None, authors: dict[str, int | None]
) -> int | None:
    """The new author id, the imported member for authorless rows, or None (reported)."""
    if user_old_id is None:
        if ctx.options.authorless != "owner":
            ctx.skip(kind, old_id, ["authorless"])
            return None
        return owner.ensure(ctx)
    author = ctx.resolve(USER, user_old_id, authors)
    if author is None:
        ctx.skip(kind, old_id, ["author_not_imported"])
    return author


def _line(
    ctx: Context,
    post: Post,
    ingredients: dict[str, int | None],
    prices: dict[int, pricing.CatalogueEntry],
) -> tuple[int, Decimal] | None:
    """The one recipe line a post's ``ingredient_id`` becomes (module docstring)."""
    ingredient = ctx.resolve(INGREDIENT, post.ingredient_old_id, ingredients)
    if ingredient is None:
        if post.ingredient_old_id is not None:
            ctx.conflict(POST, post.old_id, ["ingredient_not_imported"], "imported without it")
        return None
    unit = (
        Decimal(post.ingredient_unit)
        if post.ingredient_unit and post.ingredient_unit > 0
        else Decimal(1)
    )
    if post.price and post.price > 0 and post.ingredient_price and post.ingredient_price > 0:
        quantity = Decimal(post.price) * unit / Decimal(post.ingredient_price)
    else:
        quantity = unit
    quantity = quantity.quantize(pricing.QUANTITY_STEP, rounding=ROUND_HALF_UP)
    if quantity > pricing.MAX_QUANTITY:
        ctx.conflict(POST, post.old_id, ["quantity_out_of_range"], "imported without it")
        return None
    return ingredient, quantity


def _catalogue(ctx: Context) -> dict[str, tuple[int, Decimal, Decimal]]:
    """The catalogue by canonical name, read once per run (it is small)."""
    if ctx.catalogue is None:
        rows = db.session.execute(
            select(Ingredient.id, Ingredient.name, Ingredient.price, Ingredient.unit)
        )
        ctx.catalogue = {members.canonical(n): (i, p, u) for i, n, p, u in rows}
    return ctx.catalogue


def _catalogue_prices(ids: list[int]) -> dict[int, pricing.CatalogueEntry]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Ingredient.id, Ingredient.price, Ingredient.unit).where(
            Ingredient.id.in_(sorted(set(ids)))
        )
    )
    return {i: pricing.CatalogueEntry(Decimal(p), Decimal(u)) for i, p, u in rows}
