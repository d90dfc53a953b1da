"""Title search (``q``) through an index on every backend: 1- and 2-character grams of titles.

``title LIKE '%q%'`` scans the whole table on SQLite, PostgreSQL and MariaDB alike, and
each backend's full-text engine works differently (and poorly for Hangul without add-ons).
Instead every title is cut into grams stored in ``recipe_title_grams``; a query looks up
its grams by primary key, and only the few recipes holding all of them are checked with
LIKE. Matching is by words: every word of ``q`` must appear in the title.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import select

from munjigi.recipes.models import Recipe
from munjigi.recipes.models import RecipeTitleGram


def search_key(text: str) -> str:
    """The comparable form of a title or a query: NFKC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _encode(gram: str) -> str:
    # Hex of the UTF-8 bytes: no database collation can fold two different grams together.
    return gram.encode().hex()


def title_grams(title: str) -> set[str]:
    """Every 1- and 2-character gram of every word of ``title``, encoded for storage."""
    grams: set[str] = set()
    for word in search_key(title).split():
        grams.update(word)
        grams.update(word[i : i + 2] for i in range(len(word) - 1))
    return {_encode(gram) for gram in grams}


def query_grams(query: str) -> set[str]:
    """The grams a title must hold to match ``query``: bigrams, or the letter of a 1-letter word."""
    grams: set[str] = set()
    for word in search_key(query).split():
        if len(word) == 1:
            grams.add(word)
        else:
            grams.update(word[i : i + 2] for i in range(len(word) - 1))
    return {_encode(gram) for gram in grams}


def title_filter(query: str) -> ColumnElement[bool] | None:
    """A WHERE clause selecting recipes whose title contains every word of ``query``.

    None when the query has no words (no filtering).
    """
    words = search_key(query).split()
    if not words:
        return None
    grams = query_grams(query)
    candidates = (
        select(RecipeTitleGram.recipe_id)
        .where(RecipeTitleGram.gram.in_(sorted(grams)))
        .group_by(RecipeTitleGram.recipe_id)
        .having(func.count(RecipeTitleGram.gram) == len(grams))
    )
    return and_(
        Recipe.id.in_(candidates),
        *(Recipe.title_key.contains(word, autoescape=True) for word in words),
    )
