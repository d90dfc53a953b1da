"""Checks on a decoded JSON body that no schema can make: nesting depth and storable text.

Python's decoder recurses once per level, so ``"[" * 5000`` escapes it as a
``RecursionError`` (not the ``ValueError`` Flask turns into 400). A lone surrogate
(``"\\ud800"``) is valid JSON but no UTF-8 encoder, hasher or database takes it. Both are
refused before any view runs, for every field of every JSON endpoint at once.
"""

from __future__ import annotations

from typing import Any

# Far deeper than any body of the API (a recipe is three levels), far below the recursion limit.
MAX_DEPTH = 32


class BodyProblem(ValueError):
    """The decoded body is unusable: ``message`` says why, ``path`` where (keys from the top)."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message, self.path = message, path

    def fields(self) -> dict[str, Any]:
        """The problem as the ``fields`` of a 422 body, nested like marshmallow's errors."""
        fields: Any = [self.message]
        for key in reversed(self.path or ("body",)):
            fields = {key: fields}
        return dict(fields)


def check(document: Any) -> None:
    """Refuse a document nested deeper than ``MAX_DEPTH`` or holding an unencodable string.

    Iterative, so a deep document costs no stack. Keys are checked like values.

    :raises BodyProblem: naming the first problem found.
    """
    pending: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, dict | list):
            if len(path) >= MAX_DEPTH:
                raise BodyProblem(f"JSON nested deeper than {MAX_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    _check_text(key, path)
                pending.append((item, (*path, key)))


def _check_text(text: str, path: tuple[str | int, ...]) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyProblem("lone surrogates are not allowed", path) from None
