"""Tables of the recipe-cost API: the ingredient catalogue, recipes, their lines, comments, likes.

Every foreign key to a user or a recipe is ``ON DELETE CASCADE`` in the database, and the
relationships use ``passive_deletes``: deleting a user (done by the auth feature, which knows
nothing about recipes) or a recipe removes what hangs on it on every backend, in one statement.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import Numeric
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from munjigi.db import Base
from munjigi.db import UTCDateTime
from munjigi.db import utcnow
from munjigi.security.models import User

# Won with two decimals, quantities with three: 999,999,999.999 is far above any kitchen.
Money = Numeric(12, 2)
Quantity = Numeric(12, 3)


class Ingredient(Base):
    """A catalogue entry: ``price`` won buys ``unit`` of ``unit_label`` (3000 won per 1000 g)."""

    __tablename__ = "ingredients"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("unit > 0", name="unit_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    price: Mapped[Decimal] = mapped_column(Money)
    unit: Mapped[Decimal] = mapped_column(Quantity)
    unit_label: Mapped[str] = mapped_column(String(16))


class Recipe(Base):
    """A member's recipe (a "post" in the SPEC §4 paths)."""

    __tablename__ = "recipes"
    __table_args__ = (CheckConstraint("servings >= 1", name="servings_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    # The title NFKC-normalised and case-folded: what the search ``q`` is compared with.
    title_key: Mapped[str] = mapped_column(Text())
    content: Mapped[str] = mapped_column(Text())
    servings: Mapped[int] = mapped_column(Integer, default=1)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    lines: Mapped[list[RecipeIngredient]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="RecipeIngredient.position",
    )
    title_grams: Mapped[list[RecipeTitleGram]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class RecipeIngredient(Base):
    """One line of a recipe: ``quantity`` (in the ingredient's unit label) of an ingredient."""

    __tablename__ = "recipe_ingredients"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)

    recipe_id: Mapped[int] = mapped_column(
        ForeignKey("recipes.id", ondelete="CASCADE"), primary_key=True
    )
    # RESTRICT: a catalogue entry that a recipe uses cannot silently vanish from its cost.
    ingredient_id: Mapped[int] = mapped_column(
        ForeignKey("ingredients.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[Decimal] = mapped_column(Quantity)

    ingredient: Mapped[Ingredient] = relationship(lazy="joined", innerjoin=True)


class RecipeTitleGram(Base):
    """A 1- or 2-character piece of a recipe title: an index for substring search (``q``).

    ``LIKE '%q%'`` cannot use a B-tree index on any backend; looking up the grams of ``q``
    in this table can, on all three, and the few candidates are then checked with LIKE.
    The gram is stored hex-encoded so that no collation can fold two grams together.
    """

    __tablename__ = "recipe_title_grams"

    gram: Mapped[str] = mapped_column(String(16), primary_key=True)
    recipe_id: Mapped[int] = mapped_column(
        ForeignKey("recipes.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RecipeLike(Base):
    """A member likes a recipe, at most once."""

    __tablename__ = "recipe_likes"
    __table_args__ = (UniqueConstraint("user_id", "recipe_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Comment(Base):
    """A member's comment on a recipe."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    content: Mapped[str] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class CommentLike(Base):
    """A member likes a comment, at most once."""

    __tablename__ = "comment_likes"
    __table_args__ = (UniqueConstraint("user_id", "comment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
