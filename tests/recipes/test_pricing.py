"""recipes.pricing with no app: every expected value below was worked out by hand."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest

from munjigi.recipes import pricing
from munjigi.recipes.pricing import CatalogueEntry

PORK = CatalogueEntry(Decimal("15000"), Decimal("600"))  # 15,000 won / 600 g = 25 won/g
KIMCHI = CatalogueEntry(Decimal("3000"), Decimal("1000"))  # 3 won/g
EGGS = CatalogueEntry(Decimal("7990"), Decimal("30"))  # 30 eggs
THIRDS = CatalogueEntry(Decimal("1000"), Decimal("3"))  # 333.33… won per piece


def test_line_cost_is_price_times_quantity_over_unit():
    assert pricing.line_cost(PORK, Decimal("300")) == Decimal("7500")
    assert pricing.line_cost(KIMCHI, Decimal("200.5")) == Decimal("601.5")
    # 7990 × 4 ÷ 30 = 31960 ÷ 30 = 1065.333…
    assert pricing.won(pricing.line_cost(EGGS, Decimal("4"))) == 1065


def test_recipe_price_is_one_meal_of_the_exact_total():
    priced = pricing.price_recipe(
        [(1, Decimal("300")), (2, Decimal("200.5"))], {1: PORK, 2: KIMCHI}, servings=2
    )
    assert priced.line_costs == (Decimal("7500"), Decimal("601.5"))
    assert priced.total == Decimal("8101.5")
    # 8101.5 ÷ 2 = 4050.75 → 4,051 won a meal
    assert priced.per_meal == Decimal("4050.75")
    assert pricing.won(priced.per_meal) == 4051
    assert pricing.won(priced.total) == 8102


def test_total_is_summed_before_rounding():
    # Three pieces at 1000/3 won: rounding each line first would say 333 × 3 = 999.
    lines = [(1, Decimal(1)), (2, Decimal(1)), (3, Decimal(1))]
    priced = pricing.price_recipe(lines, {1: THIRDS, 2: THIRDS, 3: THIRDS}, servings=1)
    assert [pricing.won(c) for c in priced.line_costs] == [333, 333, 333]
    assert pricing.won(priced.total) == 1000


def test_servings_default_of_one_gives_the_total():
    priced = pricing.price_recipe([(1, Decimal("100"))], {1: PORK}, servings=1)
    assert priced.per_meal == priced.total == Decimal("2500")


def test_empty_recipe_costs_nothing():
    priced = pricing.price_recipe([], {}, servings=3)
    assert priced.total == 0 and pricing.won(priced.per_meal) == 0


@pytest.mark.parametrize(
    ("amount", "shown"),
    [("1234.5", 1235), ("1234.4999", 1234), ("2.5", 3), ("0.5", 1), ("0", 0), ("0.49", 0)],
)
def test_won_rounds_half_up(amount, shown):
    # Half up, not the banker's rounding Decimal defaults to (2.5 would show as 2).
    assert pricing.won(Decimal(amount)) == shown


def test_half_won_line_rounds_up():
    # 1000 won per 400 g, 1 g: 2.5 won → 3
    assert pricing.won(pricing.line_cost(CatalogueEntry(Decimal(1000), Decimal(400)), 1)) == 3


def test_unknown_ingredients_are_all_named():
    with pytest.raises(pricing.UnknownIngredientsError) as caught:
        pricing.price_recipe([(1, Decimal(1)), (9, Decimal(1)), (7, Decimal(2))], {1: PORK}, 1)
    assert caught.value.ids == [7, 9]


def test_servings_must_be_positive():
    with pytest.raises(ValueError):
        pricing.price_recipe([(1, Decimal(1))], {1: PORK}, servings=0)


def test_catalogue_unit_must_be_positive():
    with pytest.raises(ValueError):
        pricing.line_cost(CatalogueEntry(Decimal(100), Decimal(0)), Decimal(1))


def test_arithmetic_ignores_the_callers_decimal_context():
    with decimal.localcontext(decimal.Context(prec=3, rounding=decimal.ROUND_DOWN)):
        assert pricing.line_cost(KIMCHI, Decimal("200.5")) == Decimal("601.5")
        priced = pricing.price_recipe([(1, Decimal("333.333"))], {1: PORK}, servings=1)
        assert priced.total == Decimal("8333.325")


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        (300, "300.000"),
        (0, "0.000"),
        (0.1, "0.100"),  # the decimal the client wrote, not 0.1000000000000000055…
        (200.5, "200.500"),
        ("200.5", "200.500"),
        (" 3 ", "3.000"),
        ("7.", "7.000"),
        (".25", "0.250"),
        ("0.0005", "0.001"),  # kept to 3 decimals, half up
        ("0.0004", "0.000"),
        (1_000_000, "1000000.000"),
    ],
)
def test_quantity_accepts_numbers_and_numeric_strings(raw, parsed):
    assert pricing.parse_quantity(raw) == Decimal(parsed)
    assert str(pricing.parse_quantity(raw)) == parsed


@pytest.mark.parametrize(
    "raw",
    [
        -1,
        -0.5,
        "-1",
        float("nan"),
        float("inf"),
        float("-inf"),
        "NaN",
        "Infinity",
        "1e3",
        "1_000",
        "١٢",  # Arabic-Indic digits: Decimal() would accept them
        "",
        " ",
        "12 g",
        "0x10",
        "1" * 40,
        1_000_001,
        "1000000.1",
        1e300,
        True,
        None,
        [1],
        {"q": 1},
        "1\n",
    ],
)
def test_quantity_rejects_what_is_not_a_sane_amount(raw):
    with pytest.raises(pricing.QuantityError):
        pricing.parse_quantity(raw)


def test_quantity_errors_say_what_is_wrong():
    for raw in (-1, "-1", " -0.5"):
        with pytest.raises(pricing.QuantityError, match="negative"):
            pricing.parse_quantity(raw)
    with pytest.raises(pricing.QuantityError, match="finite"):
        pricing.parse_quantity(float("nan"))
    with pytest.raises(pricing.QuantityError, match="exceed"):
        pricing.parse_quantity("1000000.5")
