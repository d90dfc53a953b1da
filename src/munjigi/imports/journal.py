"""The run journal and the id mapping: what makes imports idempotent and resumable."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select

from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.imports.models import ImportMapping
from munjigi.imports.models import ImportRun
from munjigi.imports.sources import COMMENT
from munjigi.imports.sources import COMMENT_LIKE
from munjigi.imports.sources import INGREDIENT
from munjigi.imports.sources import POST
from munjigi.imports.sources import POST_LIKE
from munjigi.imports.sources import USER
from munjigi.recipes.models import Comment
from munjigi.recipes.models import CommentLike
from munjigi.recipes.models import Ingredient
from munjigi.recipes.models import Recipe
from munjigi.recipes.models import RecipeLike
from munjigi.security.models import User

OWNER = "owner"
# The rows a mapping points to (a mapping outlives a row deleted since, say by an admin).
TARGETS: dict[str, Any] = {
    USER: User,
    OWNER: User,
    INGREDIENT: Ingredient,
    POST: Recipe,
    COMMENT: Comment,
    POST_LIKE: RecipeLike,
    COMMENT_LIKE: CommentLike,
}
# A run in one of these states stopped half-way: the next run of its source resumes it.
UNFINISHED = ("running", "failed")


def start(source: str, preset: str, options: dict[str, Any]) -> ImportRun:
    """Open (and commit) the journal row of an ``--apply`` run.

    When the newest earlier run of ``source`` did not finish, this run takes over its
    cursors: rows up to them were committed with their mappings, the rest were not.
    """
    previous = db.session.scalar(
        select(ImportRun).where(ImportRun.source == source).order_by(ImportRun.id.desc()).limit(1)
    )
    run = ImportRun(source=source, preset=preset, options=options, cursors={}, counts={})
    if previous is not None and previous.status in UNFINISHED:
        run.cursors = dict(previous.cursors or {})
        run.resumed_from = previous.id
        previous.status = "resumed"
    db.session.add(run)
    db.session.commit()
    return run


def advance(run: ImportRun, kind: str, cursor: Any, counts: dict[str, Any]) -> None:
    """Move ``kind``'s cursor past a batch; commits with the batch (the caller commits)."""
    run.cursors = {**(run.cursors or {}), kind: cursor}
    run.counts = counts
    run.updated_at = utcnow()


def finish(run: ImportRun, status: str, counts: dict[str, Any]) -> None:
    """Close the run as ``done`` or ``failed`` and commit."""
    run.status = status
    run.counts = counts
    run.finished_at = run.updated_at = utcnow()
    db.session.commit()


def mapped(source: str, kind: str, old_ids: Iterable[str | None]) -> dict[str, int | None]:
    """old id → new id for the rows of ``kind`` already imported from ``source``.

    The new id is None when that row was deleted since: it is neither imported again nor
    referred to.
    """
    wanted = sorted({i for i in old_ids if i is not None})
    if not wanted:
        return {}
    target = TARGETS[kind]
    rows = db.session.execute(
        select(ImportMapping.old_id, target.id)
        .outerjoin(target, target.id == ImportMapping.new_id)
        .where(
            ImportMapping.source == source,
            ImportMapping.kind == kind,
            ImportMapping.old_id.in_(wanted),
        )
    )
    return {old: new for old, new in rows}


def remember(source: str, kind: str, run_id: int, pairs: Iterable[tuple[str, int]]) -> None:
    """Record old id → new id pairs (in the batch's transaction)."""
    rows = [
        {"source": source, "kind": kind, "old_id": old, "new_id": new, "run_id": run_id}
        for old, new in pairs
    ]
    write(ImportMapping, rows)


def write(model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` without ORM bookkeeping: COPY on PostgreSQL, else one executemany.

    psycopg runs an executemany as one statement per row; COPY sends the batch at once
    (a million recipes bring some twenty million title grams).
    """
    if not rows:
        return
    connection = db.session.connection()
    table = model.__table__
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    dialect = connection.dialect
    # The columns' own bind processing (UTC datetimes stored naive, say), as INSERT applies.
    process = [table.c[name].type.bind_processor(dialect) for name in names]
    quote = dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    raw = connection.connection.driver_connection
    assert raw is not None  # a checked-out connection always has its driver connection
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [f(row[n]) if f else row[n] for n, f in zip(names, process, strict=True)]
            )


def write_returning_ids(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT ``rows`` in one batch and return their new ids, in the order of ``rows``."""
    if not rows:
        return []
    stmt = insert(model.__table__).returning(model.__table__.c.id, sort_by_parameter_order=True)
    return [int(row[0]) for row in db.session.connection().execute(stmt, rows)]
