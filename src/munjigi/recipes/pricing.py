"""Cost arithmetic of SPEC §4: exact Decimal from catalogue prices, whole won only for display.

``cost`` of a line = price × quantity ÷ unit; the ``price`` of a recipe is the cost of one
meal (한끼) = total ÷ servings. Nothing here reads the app, the database or the request: the
catalogue comes in as an argument, so every rule is checked by plain unit tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN
from decimal import ROUND_HALF_UP
from decimal import Context
from decimal import Decimal

# 1,000,000 of any unit (a tonne in grams): more is a typo or an attack, never a recipe.
MAX_QUANTITY = Decimal("1000000")
# Quantities are kept to 3 decimals (0.001 kg = 1 g), the precision of the database column.
QUANTITY_STEP = Decimal("0.001")
WON = Decimal("1")
# Plain decimal notation as a browser's <input type="number"> sends it: no exponent, no
# underscores, no non-ASCII digits (Decimal() would accept all three). Written so that
# Python and JSON Schema (the OpenAPI document repeats it) read it the same way.
NUMERIC_PATTERN = r"^ *(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+) *$"
_NUMERIC = re.compile(NUMERIC_PATTERN)
MAX_TEXT = 32

# Our own context: exact enough for any catalogue (34 digits), independent of whatever
# context the calling thread has set.
_CTX = Context(prec=34, rounding=ROUND_HALF_EVEN)


class QuantityError(ValueError):
    """A quantity that is not a finite, non-negative, reasonably sized number."""


class UnknownIngredientsError(LookupError):
    """Some requested ingredient ids are not in the catalogue; ``ids`` names them."""

    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = sorted(set(ids))
        super().__init__(f"unknown ingredient ids: {self.ids}")


@dataclass(frozen=True)
class CatalogueEntry:
    """What the catalogue says: ``price`` won buys ``unit`` (of the ingredient's unit label)."""

    price: Decimal
    unit: Decimal


@dataclass(frozen=True)
class PricedRecipe:
    """Exact costs of a recipe: one per line (in order), the total and one meal's share."""

    line_costs: tuple[Decimal, ...]
    total: Decimal
    per_meal: Decimal


def parse_quantity(value: object) -> Decimal:
    """A quantity from a JSON number or a numeric string, rounded half-up to 3 decimals.

    :raises QuantityError: booleans, other types, malformed strings, NaN, infinities,
        negative numbers and anything above ``MAX_QUANTITY``.
    """
    if isinstance(value, bool):  # bool is an int subclass; True is not 1 gram
        raise QuantityError("must be a number")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # 0.1 means 0.1, not its binary expansion
    elif isinstance(value, str):
        if value.strip().startswith("-") and _NUMERIC.fullmatch(value.strip()[1:]):
            raise QuantityError("must not be negative")
        if len(value) > MAX_TEXT or not _NUMERIC.fullmatch(value):
            raise QuantityError("must be a number or a numeric string")
        number = Decimal(value.strip())
    else:
        raise QuantityError("must be a number or a numeric string")
    if not number.is_finite():
        raise QuantityError("must be a finite number")
    if number < 0:
        raise QuantityError("must not be negative")
    if number > MAX_QUANTITY:
        raise QuantityError(f"must not exceed {MAX_QUANTITY}")
    return number.quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP, context=_CTX)


def line_cost(entry: CatalogueEntry, quantity: Decimal) -> Decimal:
    """price × quantity ÷ unit, exactly (to 34 significant digits)."""
    if entry.unit <= 0:
        raise ValueError("a catalogue unit must be positive")
    return _CTX.divide(_CTX.multiply(entry.price, quantity), entry.unit)


def price_recipe(
    lines: Iterable[tuple[int, Decimal]],
    catalogue: Mapping[int, CatalogueEntry],
    servings: int,
) -> PricedRecipe:
    """Price ``(ingredient_id, quantity)`` lines from ``catalogue`` for ``servings`` meals.

    Prices come only from the catalogue: whatever a client claimed is never an input here.

    :raises UnknownIngredientsError: naming every id missing from the catalogue.
    :raises ValueError: ``servings`` is not positive.
    """
    lines = list(lines)
    unknown = [ingredient_id for ingredient_id, _ in lines if ingredient_id not in catalogue]
    if unknown:
        raise UnknownIngredientsError(unknown)
    if servings < 1:
        raise ValueError("servings must be at least 1")
    costs = tuple(line_cost(catalogue[i], quantity) for i, quantity in lines)
    total = Decimal(0)
    for cost in costs:
        total = _CTX.add(total, cost)  # not sum(): that would round in the thread's context
    return PricedRecipe(costs, total, _CTX.divide(total, Decimal(servings)))


def won(amount: Decimal) -> int:
    """An exact amount shown in whole won, rounding half up (1,234.5 → 1,235)."""
    return int(amount.quantize(WON, rounding=ROUND_HALF_UP, context=_CTX))
