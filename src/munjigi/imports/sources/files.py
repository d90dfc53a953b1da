"""Anything else: CSV or JSON Lines files, or the rows of a query on any SQLAlchemy URL.

Columns: ``username``, ``email``, ``password_hash`` (bcrypt or an argon2 PHC string) and
optionally ``created_at`` (ISO 8601) and ``id``. The mapping key of a row is its ``id``
when given, else its username. The cursor is the number of rows already read, so a
resumed run skips that many (a query should therefore ``ORDER BY`` something stable).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import tzinfo
from itertools import islice
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from munjigi.imports.sources import USER
from munjigi.imports.sources import Account
from munjigi.imports.sources import Batch
from munjigi.imports.sources import aware
from munjigi.imports.sources import engine_for
from munjigi.imports.sources import key

REQUIRED = ("username", "email", "password_hash")


class FormatError(ValueError):
    """The file or the query does not give the columns an import needs."""


class FileSource:
    """Accounts from a CSV/JSONL file (by extension) or from ``query`` on a database URL."""

    kinds: tuple[str, ...] = (USER,)

    def __init__(self, path: str, zone: tzinfo, *, query: str | None = None) -> None:
        self.path = path
        self.zone = zone
        self.query = query
        self.engine = engine_for(path) if query else None
        if self.engine is None:
            suffix = Path(path).suffix.lower()
            if suffix not in (".csv", ".jsonl", ".ndjson"):
                raise FormatError("a file must end in .csv, .jsonl or .ndjson")
            self.jsonl = suffix != ".csv"

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def count(self, kind: str) -> int | None:
        if self.engine is not None:
            assert self.query is not None
            inner = sa.text(self.query).columns().subquery()
            with self.engine.connect() as conn:
                return int(
                    conn.execute(sa.select(sa.func.count()).select_from(inner)).scalar() or 0
                )
        return sum(1 for _ in self._rows())

    def batches(self, kind: str, after: Any, size: int) -> Iterator[Batch]:
        done = int(after or 0)
        rows = islice(self._rows(), done, None)
        while True:
            chunk = list(islice(rows, size))
            if not chunk:
                return
            done += len(chunk)
            yield Batch([self._account(r) for r in chunk], done)

    def _rows(self) -> Iterator[dict[str, Any]]:
        if self.engine is not None:
            assert self.query is not None
            with self.engine.connect() as conn:
                result = conn.execution_options(stream_results=True, yield_per=1000).execute(
                    sa.text(self.query)
                )
                _check(result.keys())
                for row in result:
                    yield dict(row._mapping)
            return
        with open(self.path, encoding="utf-8-sig", newline="") as handle:
            if self.jsonl:
                for number, line in enumerate(handle, 1):
                    if line.strip():
                        try:
                            data = json.loads(line)
                        except json.JSONDecodeError as error:
                            raise FormatError(f"line {number}: {error.msg}") from None
                        if not isinstance(data, dict):
                            raise FormatError(f"line {number}: not a JSON object")
                        yield data  # a key left out is a missing value, reported per row
                return
            reader = csv.DictReader(handle)
            _check(reader.fieldnames or ())
            yield from reader

    def _account(self, row: dict[str, Any]) -> Account:
        username = _text(row.get("username"))
        old_id = key(row.get("id")) or username or ""
        try:
            created = aware(row.get("created_at"), self.zone)
        except ValueError:
            created = None
        return Account(
            old_id=old_id[:160],
            username=username,
            email=_text(row.get("email")),
            password=_text(row.get("password_hash")),
            created_at=created,
        )


def _check(columns: Iterable[str]) -> None:
    missing = [c for c in REQUIRED if c not in set(columns)]
    if missing:
        raise FormatError(f"missing column(s): {', '.join(missing)}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None
