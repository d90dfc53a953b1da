"""Runs an import: every kind of row in order, batch by batch, one transaction per batch.

A dry run (the default) goes through the same checks and writes nothing; ``--apply``
commits each batch together with its mappings and the run's cursor, so a run stopped at
any point resumes after the last committed batch and a finished one is a no-op next time.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import TextIO
from typing import cast

import click

from munjigi.extensions import db
from munjigi.imports import accounts
from munjigi.imports import content
from munjigi.imports import journal
from munjigi.imports import likes
from munjigi.imports.context import Context
from munjigi.imports.context import Options
from munjigi.imports.sources import COMMENT
from munjigi.imports.sources import COMMENT_LIKE
from munjigi.imports.sources import INGREDIENT
from munjigi.imports.sources import POST
from munjigi.imports.sources import POST_LIKE
from munjigi.imports.sources import USER
from munjigi.imports.sources import Source

Writer = Callable[[Context, list[Any]], None]
WRITERS: dict[str, Writer] = {
    USER: accounts.import_accounts,
    INGREDIENT: content.import_ingredients,
    POST: content.import_posts,
    COMMENT: content.import_comments,
    POST_LIKE: lambda ctx, batch: likes.import_likes(ctx, POST_LIKE, batch),
    COMMENT_LIKE: lambda ctx, batch: likes.import_likes(ctx, COMMENT_LIKE, batch),
}


@dataclass(frozen=True)
class Outcome:
    """What a run did: counts per kind, the journal row (apply) and how long it took."""

    counts: dict[str, Any]
    run_id: int | None
    seconds: float
    resumed_from: int | None


def run(
    source: Source,
    options: Options,
    report: Callable[[str], None],
    *,
    progress: bool = True,
    max_batches: int | None = None,
) -> Outcome:
    """Import every kind ``source`` has; ``max_batches`` stops early, leaving it resumable."""
    started = time.monotonic()
    ctx = Context(options=options, report=report)
    if options.apply:
        ctx.run = journal.start(options.source, options.preset, options.journal())
    done = 0
    try:
        for kind in source.kinds:
            cursor = ctx.run.cursors.get(kind) if ctx.run is not None else None
            total = source.count(kind)
            with click.progressbar(
                length=total or 0,
                label=f"{kind:<13}",
                file=sys.stderr if progress else cast(TextIO, _Null()),
                show_eta=True,
                show_pos=True,
            ) as bar:
                for batch in source.batches(kind, cursor, options.batch_size):
                    if max_batches is not None and done >= max_batches:
                        db.session.rollback()
                        return _outcome(ctx, started)
                    WRITERS[kind](ctx, batch.records)
                    if ctx.run is not None:
                        journal.advance(ctx.run, kind, batch.cursor, ctx.journal_counts())
                        db.session.commit()
                    else:
                        db.session.rollback()  # a dry run writes nothing
                    done += 1
                    bar.update(len(batch.records))
        if ctx.run is not None:
            journal.finish(ctx.run, "done", ctx.journal_counts())
    except BaseException:
        db.session.rollback()
        if ctx.run is not None:
            journal.finish(ctx.run, "failed", ctx.journal_counts())
        raise
    return _outcome(ctx, started)


def _outcome(ctx: Context, started: float) -> Outcome:
    return Outcome(
        counts=ctx.journal_counts(),
        run_id=ctx.run.id if ctx.run is not None else None,
        seconds=time.monotonic() - started,
        resumed_from=ctx.run.resumed_from if ctx.run is not None else None,
    )


class _Null:
    """A text stream that drops what it is given (no progress bar)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False
