"""`flask munjigi seed-demo` loads a realistic catalogue and a dozen priced recipes, once."""

from __future__ import annotations

from munjigi.recipes import demo


def test_seed_demo_is_complete_and_idempotent(runner, client):
    first = runner.invoke(args=["munjigi", "seed-demo", "--password", "a demo password of 15+"])
    assert first.exit_code == 0, first.output
    assert f"ingredients: {len(demo.CATALOGUE)} added" in first.output
    assert "recipes: 12 added by hankki_demo" in first.output
    assert "password: a demo password of 15+" in first.output

    second = runner.invoke(args=["munjigi", "seed-demo"])
    assert second.exit_code == 0, second.output
    assert "ingredients: 0 added" in second.output and "recipes: 0 added" in second.output
    assert "password" not in second.output

    catalogue = client.get("/posts/forms/ingredients").get_json()["ingredients"]
    assert len(catalogue) == len(demo.CATALOGUE) >= 60
    assert all(i["price"] > 0 and i["unit"] > 0 and i["unit_label"] for i in catalogue)
    listing = client.get("/posts?pageSize=100").get_json()
    assert listing["total"] == 12
    assert all(p["username"] == "hankki_demo" and p["price"] > 0 for p in listing["posts"])
    login = client.post(
        "/members/login", json={"username": "hankki_demo", "password": "a demo password of 15+"}
    )
    assert login.status_code == 200


def test_demo_recipes_use_only_catalogue_ingredients():
    names = {name for name, *_ in demo.CATALOGUE}
    assert len(names) == len(demo.CATALOGUE)  # no duplicate names
    for title, servings, _, lines in demo.RECIPES:
        assert servings >= 1
        assert {name for name, _ in lines} <= names, title


def test_a_demo_recipe_costs_what_the_catalogue_says(runner, client):
    runner.invoke(args=["munjigi", "seed-demo"])
    [listed] = client.get("/posts", query_string={"q": "부추전"}).get_json()["posts"]
    post = client.get(f"/posts/{listed['id']}").get_json()["post"]
    # 부추 1980/200 g × 150 = 1485; 부침가루 2980/1000 g × 150 = 447;
    # 청양고추 1490/100 g × 10 = 149; 식용유 7980/1800 ml × 30 = 133  → 2214 ÷ 2 = 1107
    assert [i["cost"] for i in post["ingredients"]] == [1485, 447, 149, 133]
    assert post["price"] == 1107


def test_demo_tasters_like_recipes_once_whatever_the_runs(runner):
    from sqlalchemy import func
    from sqlalchemy import select

    from munjigi.extensions import db
    from munjigi.recipes.models import Recipe
    from munjigi.recipes.models import RecipeLike

    for _ in range(2):
        assert runner.invoke(args=["munjigi", "seed-demo"]).exit_code == 0
    counts = dict(
        db.session.execute(
            select(Recipe.title, func.count(RecipeLike.id))
            .join(RecipeLike, RecipeLike.recipe_id == Recipe.id, isouter=True)
            .group_by(Recipe.title)
        ).all()
    )
    expected = {
        title: sum(index % (k + 1) == 0 for k in range(1, demo.TASTERS + 1))
        for index, (title, *_rest) in enumerate(demo.RECIPES)
    }
    assert counts == expected
    assert max(counts.values()) == 3 and min(counts.values()) == 0
