"""Request and response schemas of the recipe API (they also generate the OpenAPI spec).

Output schemas read the service's result objects through dotted ``attribute`` paths, so the
views hand over what the service returned and nothing is serialized twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from apiflask import Schema
from apiflask.fields import DateTime
from apiflask.fields import Field
from apiflask.fields import Integer
from apiflask.fields import List
from apiflask.fields import Nested
from apiflask.fields import Number
from apiflask.fields import String
from apiflask.validators import Length
from apiflask.validators import Range
from apiflask.validators import Regexp
from marshmallow import EXCLUDE
from marshmallow import ValidationError
from marshmallow import validates_schema

from munjigi.db import MAX_ID
from munjigi.recipes import pricing

# SPEC §4 fixes the page size limit; the page number bound keeps OFFSET finite.
MAX_PAGE_SIZE = 100
MAX_PAGE_NO = 100_000
MAX_LINES = 100
# At least one non-space character (marshmallow's Regexp matches from the start).
NOT_BLANK = r"^[\s\S]*\S"
# NUL and lone surrogates parse from JSON (and NUL from a query string) but no database
# stores them: PostgreSQL refuses NUL, and the UTF-8 encoding of a surrogate fails. Other
# C0 controls (tab, newline and CR aside) are no text either, and XML 1.0 cannot carry
# them: a title with U+0001 broke the SVG charts of the PDF reports (a 500).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class In(Schema):
    """Base of request schemas: unknown fields are ignored (clients send prices; we ignore them)."""

    class Meta:
        unknown = EXCLUDE


class Quantity(Field[Decimal]):
    """A quantity as a JSON number or a numeric string (browsers send strings): see pricing."""

    def __init__(self, **kwargs: Any) -> None:
        bounds = {"minimum": 0, "maximum": int(pricing.MAX_QUANTITY)}
        text = {"type": "string", "pattern": pricing.NUMERIC_PATTERN, "maxLength": pricing.MAX_TEXT}
        schema = {"oneOf": [{"type": "number", **bounds}, text], "example": 200}
        super().__init__(metadata=schema, **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Decimal:
        try:
            return pricing.parse_quantity(value)
        except pricing.QuantityError as error:
            raise ValidationError(str(error)) from None


class Amount(Number[float]):
    """A Decimal shown as a JSON number: an integer when whole (3000), else a float (0.5)."""

    num_type = float

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)


class Won(Integer):
    """An exact Decimal amount of money shown in whole won (half up)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else pricing.won(Decimal(value))


class PlainText(String):
    """A string that every database can store: no NUL, no lone surrogates."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if _UNSTORABLE.search(text):
            raise ValidationError("control characters and lone surrogates are not allowed")
        return text


def _id(**kwargs: Any) -> Integer:
    return Integer(validate=Range(1, MAX_ID), **kwargs)


class IngredientLineIn(In):
    id = _id(required=True, metadata={"example": 1})
    quantity = Quantity(required=True)


class PostFieldsIn(In):
    title = PlainText(
        required=True,
        validate=[Length(1, 200), Regexp(NOT_BLANK)],
        metadata={"example": "돼지고기 김치찌개"},
    )
    # 10,000 characters stay under MariaDB's 64 KiB TEXT even in 4-byte UTF-8.
    content = PlainText(load_default="", validate=Length(0, 10_000))
    servings = Integer(load_default=1, validate=Range(1, 100), metadata={"example": 2})


class RecipeIn(In):
    """POST /posts/forms."""

    post = Nested(PostFieldsIn, required=True)
    ingredients = List(Nested(IngredientLineIn), load_default=list, validate=Length(max=MAX_LINES))


class PostFieldsPatch(In):
    """The post fields of a change: as ``PostFieldsIn``, each optional and never defaulted."""

    title = PlainText(validate=[Length(1, 200), Regexp(NOT_BLANK)])
    content = PlainText(validate=Length(0, 10_000))
    servings = Integer(validate=Range(1, 100))


class RecipePatchIn(In):
    """PUT /posts/forms/{post_id}: ``post`` fields and/or all the lines; at least one of them.

    A line is whole as on POST (id and quantity). A body that changes nothing (empty, ``{}``,
    or not JSON at all, which reads as no fields) is refused rather than answered "수정 성공".
    """

    post = Nested(PostFieldsPatch)
    ingredients = List(Nested(IngredientLineIn), validate=Length(max=MAX_LINES))

    @validates_schema
    def _changes_something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "post" not in data and "ingredients" not in data:
            raise ValidationError(
                "send post fields and/or ingredients as a JSON body", field_name="body"
            )


class RecipeQuery(In):
    page_no = Integer(data_key="pageNo", load_default=1, validate=Range(1, MAX_PAGE_NO))
    page_size = Integer(data_key="pageSize", load_default=10, validate=Range(1, MAX_PAGE_SIZE))
    q = PlainText(
        load_default="", validate=Length(0, 100), metadata={"description": "title search"}
    )


class CommentIn(In):
    content = PlainText(required=True, validate=[Length(1, 2000), Regexp(NOT_BLANK)])


class CommentLikeIn(In):
    comment_id = _id(required=True)


class Envelope(Schema):
    result = String(metadata={"example": "success"})
    message = String()


class PostIdOut(Envelope):
    post_id = Integer()


class CommentIdOut(Envelope):
    comment_id = Integer()


class CatalogueItemOut(Schema):
    id = Integer()
    name = String()
    price = Amount(metadata={"description": "won for `unit` of the ingredient"})
    unit = Amount(metadata={"description": "the quantity `price` buys"})
    unit_label = String(metadata={"example": "g"})


class CatalogueOut(Envelope):
    ingredients = List(Nested(CatalogueItemOut))


class LineOut(Schema):
    id = Integer(attribute="line.ingredient_id")
    name = String(attribute="line.ingredient.name")
    quantity = Amount(attribute="line.quantity")
    unit = Amount(attribute="line.ingredient.unit")
    unit_label = String(attribute="line.ingredient.unit_label")
    price = Amount(attribute="line.ingredient.price")
    cost = Won(attribute="cost")


class PostCardOut(Schema):
    id = Integer(attribute="recipe.id")
    title = String(attribute="recipe.title")
    create_date = DateTime(attribute="recipe.created_at")
    user_id = Integer(attribute="recipe.user_id")
    username = String(attribute="recipe.author.username")
    price = Won(attribute="per_meal", metadata={"description": "one meal (한끼), whole won"})
    like = Integer(attribute="likes")
    servings = Integer(attribute="recipe.servings")


class PostListOut(Envelope):
    posts = List(Nested(PostCardOut))
    page_no = Integer(data_key="pageNo")
    page_size = Integer(data_key="pageSize")
    total = Integer()


class PostDetailOut(PostCardOut):
    content = String(attribute="recipe.content")
    modify_date = DateTime(attribute="recipe.modified_at")
    total_price = Won(attribute="total", metadata={"description": "all servings, whole won"})
    ingredients = List(Nested(LineOut), attribute="lines")


class CommentOut(Schema):
    id = Integer(attribute="comment.id")
    content = String(attribute="comment.content")
    user_id = Integer(attribute="comment.user_id")
    username = String(attribute="comment.author.username")
    create_date = DateTime(attribute="comment.created_at")
    modify_date = DateTime(attribute="comment.modified_at")
    like = Integer(attribute="likes")


class PostOut(Envelope):
    post = Nested(PostDetailOut)
    comments = List(Nested(CommentOut))


class PostFormOut(Envelope):
    id = Integer()
    title = String()
    content = String()
    servings = Integer()
    ingredients = List(Nested(LineOut))
