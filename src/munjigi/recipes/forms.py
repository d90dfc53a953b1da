"""The recipe page form: read the posted fields into the API's ``RecipeIn`` body, or errors.

The page form names ingredients (a type-to-search list of the catalogue); this module turns
names into catalogue ids and runs the same ``RecipeIn`` schema as ``POST /posts/forms``, so
pages and API accept exactly the same recipes and price them with the same ``pricing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from marshmallow import ValidationError as SchemaError
from werkzeug.datastructures import MultiDict

from munjigi.recipes import pricing
from munjigi.recipes import schemas
from munjigi.recipes.models import Ingredient

# Blank ingredient rows the form offers (more with "Add a line", no script needed).
BLANK_LINES = 3


@dataclass
class LineInput:
    """One ingredient row as typed: the ingredient's name and the quantity."""

    name: str = ""
    quantity: str = ""
    error: str = ""


@dataclass
class RecipeForm:
    """What the member typed, the ``RecipeIn`` body when valid, and errors by field."""

    title: str = ""
    content: str = ""
    servings: str = "1"
    lines: list[LineInput] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    body: dict[str, Any] | None = None

    def padded(self, extra: int = BLANK_LINES) -> list[LineInput]:
        """The typed rows and ``extra`` blank ones to fill in."""
        return [*self.lines, *(LineInput() for _ in range(extra))]


def from_post(title: str, content: str, servings: int, lines: Sequence[Any]) -> RecipeForm:
    """The edit form filled from a stored recipe (its priced lines)."""
    return RecipeForm(
        title=title,
        content=content,
        servings=str(servings),
        lines=[LineInput(line.line.ingredient.name, _plain(line.line.quantity)) for line in lines],
    )


def parse(form: MultiDict[str, str], catalogue: Sequence[Ingredient]) -> RecipeForm:
    """Read a posted recipe form; ``body`` is set only when every field is valid."""
    names = form.getlist("ingredient")
    quantities = form.getlist("quantity")
    by_name = {ingredient.name: ingredient for ingredient in catalogue}
    typed = RecipeForm(
        title=form.get("title", ""),
        content=form.get("content", ""),
        servings=form.get("servings", "1").strip(),
    )
    items: list[dict[str, Any]] = []
    for name, quantity in zip(names, quantities, strict=False):
        line = LineInput(name.strip(), quantity.strip())
        if not line.name and not line.quantity:
            continue  # an unused blank row
        typed.lines.append(line)
        ingredient = by_name.get(line.name)
        if ingredient is None:
            line.error = _("Pick an ingredient from the list.")
        elif not line.quantity:
            line.error = _("Enter a quantity.")
        else:
            items.append({"id": ingredient.id, "quantity": line.quantity})
    body = {
        "post": {"title": typed.title, "content": typed.content, "servings": typed.servings},
        "ingredients": items,
    }
    try:
        loaded = schemas.RecipeIn().load(body)
    except SchemaError as error:
        _collect(typed, error.normalized_messages())  # type: ignore[no-untyped-call]
        loaded = None
    if any(line.error for line in typed.lines):
        typed.errors.setdefault("lines", [_("Check the ingredient lines marked below.")])
    elif loaded is not None:
        typed.body = loaded
    return typed


def servings_or_one(value: str) -> int:
    """Servings for a live estimate: the typed number when it is sane, else 1."""
    return int(value) if value.isdigit() and 1 <= int(value) <= 100 else 1


def _collect(typed: RecipeForm, messages: dict[str, Any]) -> None:
    post = messages.get("post", {})
    wording = {
        "title": _("Give the recipe a title (at most 200 characters)."),
        "content": _("The method is at most 10,000 characters."),
        "servings": _("Servings is a whole number from 1 to 100."),
    }
    for name, text in wording.items():
        if name in post:
            typed.errors[name] = [text]
    lines = messages.get("ingredients", {})
    if isinstance(lines, dict):
        named = [line for line in typed.lines if not line.error]
        for index in lines:
            if isinstance(index, int) and index < len(named):
                most = format_decimal(pricing.MAX_QUANTITY)
                named[index].error = _("A quantity is a number from 0 to %(most)s.", most=most)
    else:
        typed.errors["lines"] = [
            _("A recipe has at most %(num)d ingredient lines.", num=schemas.MAX_LINES)
        ]


def _plain(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"
