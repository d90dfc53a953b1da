"""The member dashboard at ``/``: cost per meal, the breakdown, likes; numbers from the database."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal

from sqlalchemy import select

from munjigi.extensions import db
from munjigi.recipes.models import Ingredient
from munjigi.recipes.models import Recipe
from munjigi.recipes.models import RecipeIngredient
from munjigi.recipes.models import RecipeLike
from munjigi.reports import services
from tests.dashboard.conftest import PER_MEAL


def independent_per_meal(user_id=None) -> dict[str, int]:
    """Cost per meal straight from the rows: Σ price × quantity ÷ unit ÷ servings, half up."""
    stmt = select(Recipe.id, Recipe.title, Recipe.servings)
    if user_id is not None:
        stmt = stmt.where(Recipe.user_id == user_id)
    found = {}
    for recipe_id, title, servings in db.session.execute(stmt):
        total = Decimal(0)
        rows = db.session.execute(
            select(Ingredient.price, Ingredient.unit, RecipeIngredient.quantity)
            .join(Ingredient, Ingredient.id == RecipeIngredient.ingredient_id)
            .where(RecipeIngredient.recipe_id == recipe_id)
        )
        for price, unit, quantity in rows:
            total += Decimal(price) * Decimal(quantity) / Decimal(unit)
        found[title] = int((total / servings).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return found


def test_cost_chart_equals_the_costs_computed_from_the_rows(kitchen, auth):
    assert independent_per_meal(kitchen.owner_id) == PER_MEAL  # the hand-checked numbers
    report = services.kitchen(kitchen.owner_id)
    chart = report.cost_chart
    assert report.mine
    assert dict(zip(chart.categories, chart.series[0].values, strict=True)) == PER_MEAL
    assert list(chart.categories) == ["제육볶음", "김치찌개", "두부조림"]  # dearest first
    assert chart.unit == "원" and "원" in chart.value_axis


def test_the_page_draws_the_charts_inline_with_the_numbers(kitchen, auth):
    assert auth.login("chef_lee").status_code == 200
    html = auth.client.get("/").text
    assert "My recipes" in html
    # Each chart twice: drawn wide, and drawn again for phones (charts.page).
    assert html.count('<div class="chart-wide"><svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert html.count('<div class="chart-narrow"><svg xmlns="http://www.w3.org/2000/svg"') == 3
    for title, won in PER_MEAL.items():
        assert title in html and f"₩{won:,}" in html  # Babel, English page
    assert 'data-report-url="/reports/dashboard.pdf' in html
    assert "/static/js/reports.js" in html and "/static/css/reports.css" in html


def test_breakdown_shows_the_chosen_recipe_by_ingredient(kitchen, auth):
    recipe_id = kitchen.recipe_ids["김치찌개"]
    report = services.kitchen(kitchen.owner_id, recipe_id)
    chart = report.breakdown_chart
    assert report.breakdown.recipe.id == recipe_id
    assert {s.name: s.values[0] for s in chart.series} == {
        "돼지고기": 5000,
        "대파": 1495,
        "두부": 1000,
        "김치": 900,
    }
    assert "8,395원" in chart.value_axis and "4,198원 per meal" in chart.value_axis
    assert auth.login("chef_lee").status_code == 200
    html = auth.client.get(f"/?recipe={recipe_id}").text
    assert "Cost by ingredient" in html and "₩1,495" in html


def test_without_a_choice_the_breakdown_is_the_dearest_meal(kitchen):
    report = services.kitchen(kitchen.owner_id)
    assert report.breakdown.recipe.title == "제육볶음"


def test_most_liked_equals_the_like_rows(kitchen):
    report = services.kitchen(kitchen.owner_id)
    counts = {}
    for (recipe_id,) in db.session.execute(select(RecipeLike.recipe_id)):
        counts[recipe_id] = counts.get(recipe_id, 0) + 1
    titles = dict(db.session.execute(select(Recipe.id, Recipe.title)).all())
    expected = sorted(((titles[i], n) for i, n in counts.items()), key=lambda item: -item[1])
    chart = report.liked_chart
    assert list(zip(chart.categories, chart.series[0].values, strict=True)) == expected
    assert expected == [("김치찌개", 2), ("두부조림", 1)]


def test_a_member_without_recipes_sees_everyones_newest_with_real_charts(kitchen, member):
    html = member.client.get("/").text
    assert "You have no recipes yet" in html
    assert 'Recipes on <span lang="ko">문지기</span>' in html
    assert "제육볶음" in html and "4,498원" in html  # chef_lee's recipes, priced
    report = services.kitchen(db.session.scalar(select(Recipe.user_id).limit(1)) + 1000)
    assert not report.mine and len(report.recipes) == 3


def test_an_empty_site_shows_a_helpful_empty_state(member):
    html = member.client.get("/").text
    assert 'No recipes on <span lang="ko">문지기</span> yet' in html and "seed-demo" in html
    assert "No recipe has a like yet" in html


def test_a_bad_recipe_parameter_is_ignored_on_the_page(kitchen, member):
    for value in ("abc", "-1", "99999999999999", "0"):
        assert member.client.get(f"/?recipe={value}").status_code == 200
