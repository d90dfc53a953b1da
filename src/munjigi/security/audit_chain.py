"""The audit log's hash chain: every row is linked to the one before it by SHA-256.

Threat: someone with write access to the database edits, deletes or inserts audit rows to
hide what happened. Each row stores ``seq`` (its place in the chain), ``prev_hash`` and
``hash = SHA-256(prev_hash + canonical JSON of the row)``; ``verify`` recomputes the chain and
names the first row that does not fit. The newest link is kept in the ``audit_chain`` head
row, so cutting rows off the end is detected too. (An attacker who can rewrite *every* row
and the head can forge a new chain: export the head hash elsewhere to close that gap.)

Links are made at commit time, after everything else in the transaction, under a lock on
the head row: the head lock is always the last lock a transaction takes, so chaining cannot
deadlock with the row locks the transaction already holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import delete
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm import attributes
from sqlalchemy.orm import object_session

from munjigi.security.models import AuditEvent
from munjigi.security.protection_models import AuditChainHead

GENESIS = "0" * 64
HEAD_ID = 1
_PENDING = "munjigi.audit_chain.pending"
_DEFERRED = "munjigi.audit_chain.deferred"
# Columns covered by the hash, in a fixed order (adding one needs a new chain version).
HASHED = (
    "seq",
    "at",
    "event",
    "outcome",
    "user_id",
    "actor_id",
    "session_id",
    "ip",
    "user_agent",
    "reason",
    "detail",
)


class AppendOnlyError(RuntimeError):
    """An audit row was about to be changed or deleted through the ORM."""


def canonical(values: dict[str, Any]) -> bytes:
    """The bytes hashed for one row: sorted-key JSON, datetimes as naive-UTC ISO strings.

    ``detail`` goes through a JSON round trip first, so what is hashed equals what the
    database gives back (tuples become lists, integer keys become strings).
    """
    data: dict[str, Any] = {}
    for name in HASHED:
        value = values.get(name)
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            value = value.isoformat(timespec="microseconds")
        elif name == "detail" and value is not None:
            value = json.loads(json.dumps(value))
        data[name] = value
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, values: dict[str, Any]) -> str:
    """SHA-256 over the previous link and this row's canonical content (hex)."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(values)).hexdigest()


def row_values(row: Any) -> dict[str, Any]:
    """The hashed fields of an ``AuditEvent`` object or a result row."""
    return {name: getattr(row, name) for name in HASHED}


# --- chaining at commit ---------------------------------------------------------------


def _collect(session: Session, flush_context: Any) -> None:
    found = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if found:
        session.info.setdefault(_PENDING, []).extend(found)


def defer(session: Session, entry: AuditEvent) -> None:
    """Queue ``entry`` to be inserted at commit, already linked into the chain.

    Inserting audit rows only after the head lock is held (and with their final ``seq``
    and hash, so they are never updated) keeps concurrent writers from deadlocking on
    MariaDB, where an earlier insert plus a later unique-index update did.
    """
    if not session.in_transaction():
        session.begin()  # so that a rollback() before any query still drops the entry
    session.info.setdefault(_DEFERRED, []).append(entry)


def _drop_deferred(session: Session, previous_transaction: Any) -> None:
    # Every rollback() of the outer transaction, even one that never reached the database;
    # a savepoint's rollback keeps the outer transaction's events.
    if not previous_transaction.nested:
        session.info.pop(_DEFERRED, None)


def _chain_before_commit(session: Session) -> None:
    deferred: list[AuditEvent] = session.info.pop(_DEFERRED, [])
    if (
        not deferred
        and not session.info.get(_PENDING)
        and not any(isinstance(obj, AuditEvent) for obj in session.new)
    ):
        return
    session.flush()  # the rest of the transaction first: the head lock is the last one taken
    if deferred:
        _insert_linked(session, deferred)
    # Rows of a rolled-back (sub)transaction left the session: the session check drops them.
    pending: list[AuditEvent] = session.info.pop(_PENDING, [])
    rows = sorted(
        (r for r in pending if object_session(r) is session and r.id is not None and r.seq is None),
        key=lambda r: r.id,
    )
    if not rows:
        return
    connection = session.connection()
    seq, prev = lock_head(connection)
    for row in rows:
        seq += 1
        attributes.set_committed_value(row, "seq", seq)
        digest = link_hash(prev, row_values(row))
        connection.execute(
            update(AuditEvent)
            .where(AuditEvent.id == row.id)
            .values(seq=seq, prev_hash=prev, hash=digest)
        )
        attributes.set_committed_value(row, "prev_hash", prev)
        attributes.set_committed_value(row, "hash", digest)
        prev = digest
    connection.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(seq=seq, head_hash=prev)
    )


def _insert_linked(session: Session, entries: list[AuditEvent]) -> None:
    connection = session.connection()
    seq, prev = lock_head(connection)
    for entry in entries:
        seq += 1
        entry.seq = seq
        entry.prev_hash = prev
        entry.hash = link_hash(prev, row_values(entry))
        prev = entry.hash
        session.add(entry)
    session.flush()
    connection.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(seq=seq, head_hash=prev)
    )


def _refuse_change(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise AppendOnlyError(f"audit event {target.id} is append-only")


def install() -> None:
    """Chain audit rows of every session at commit; refuse ORM updates and deletes of them."""
    if event.contains(Session, "before_commit", _chain_before_commit):
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "before_commit", _chain_before_commit)
    event.listen(Session, "after_soft_rollback", _drop_deferred)
    event.listen(AuditEvent, "before_update", _refuse_change)
    event.listen(AuditEvent, "before_delete", _refuse_change)


def lock_head(connection: Connection) -> tuple[int, str]:
    """Lock the head row (creating it if missing) and return (last seq, last hash).

    The no-op UPDATE takes the row lock on PostgreSQL and MariaDB and the write lock on
    SQLite, so the read that follows cannot race another appender.
    """
    touch = (
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(seq=AuditChainHead.seq)
    )
    if connection.execute(touch).rowcount == 0:
        last = connection.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.seq.is_not(None))
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()
        values = {
            "id": HEAD_ID,
            "seq": int(last.seq) if last else 0,
            "head_hash": str(last.hash) if last else GENESIS,
        }
        connection.execute(insert_ignore(connection, AuditChainHead, values))
        connection.execute(touch)
    # A locking read: under MariaDB's REPEATABLE READ a plain SELECT would see the snapshot
    # taken at the transaction's first read, not the link another worker just committed.
    head = connection.execute(
        select(AuditChainHead.seq, AuditChainHead.head_hash)
        .where(AuditChainHead.id == HEAD_ID)
        .with_for_update()
    ).one()
    return int(head.seq), str(head.head_hash)


def insert_ignore(connection: Connection, table: Any, values: dict[str, Any]) -> Any:
    """An INSERT that does nothing when the primary key exists, on each of our backends."""
    name = connection.dialect.name
    if name == "postgresql":
        return pg_insert(table).values(**values).on_conflict_do_nothing()
    if name in ("mysql", "mariadb"):
        return insert(table).values(**values).prefix_with("IGNORE")
    return insert(table).values(**values).prefix_with("OR IGNORE")


# --- verification and retention -------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why the chain does not verify, naming the first row at fault."""

    row_id: int | None
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"row id {self.row_id} (seq {self.seq})" if self.row_id else "chain head"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Report:
    """The outcome of :func:`verify`."""

    checked: int
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rows(connection: Connection, batch: int = 1000) -> Iterator[Any]:
    columns = [AuditEvent.id, AuditEvent.prev_hash, AuditEvent.hash, *_hashed_columns()]
    last = None
    while True:
        query = select(*columns).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq)
        if last is not None:
            query = query.where(AuditEvent.seq > last)
        found = connection.execute(query.limit(batch)).all()
        if not found:
            return
        yield from found
        last = found[-1].seq


def _hashed_columns() -> list[Any]:
    return [getattr(AuditEvent, name) for name in HASHED]


def verify(connection: Connection) -> Report:
    """Recompute the whole chain; the report names the first row that does not fit."""
    unchained = connection.execute(
        select(AuditEvent.id).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id).limit(1)
    ).scalar()
    if unchained is not None:
        return Report(
            0, Problem(unchained, None, "row is not part of the chain (inserted around it)")
        )
    head = connection.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)).first()
    expected_seq = int(head.anchor_seq) if head and head.anchor_seq is not None else 1
    prev = str(head.anchor_hash) if head and head.anchor_hash is not None else GENESIS
    checked = 0
    for row in _rows(connection):
        if row.seq != expected_seq:
            reason = f"expected seq {expected_seq}: rows are missing or were reordered"
            return Report(checked, Problem(row.id, row.seq, reason))
        if row.prev_hash != prev:
            return Report(
                checked, Problem(row.id, row.seq, "prev_hash does not match the row before")
            )
        if link_hash(prev, row_values(row)) != row.hash:
            return Report(
                checked, Problem(row.id, row.seq, "content does not match its hash (edited)")
            )
        prev = str(row.hash)
        expected_seq += 1
        checked += 1
    if head is not None and (int(head.seq) != expected_seq - 1 or head.head_hash != prev):
        reason = f"head says seq {head.seq}, the rows end at {expected_seq - 1}: rows were cut off"
        return Report(checked, Problem(None, None, reason))
    if head is None and checked:
        return Report(checked, Problem(None, None, "the chain head row is missing"))
    return Report(checked, None)


def purge(session: Session, before: datetime, now: datetime) -> int:
    """Delete the oldest rows, those older than ``before``, keeping the rest verifiable.

    Only a prefix of the chain is removed (up to the first row that is recent enough), and the
    head remembers where the remaining chain starts (``anchor_seq``/``anchor_hash``). The
    caller records the purge as an audit event and commits.
    """
    connection = session.connection()
    seq, head_hash = lock_head(connection)
    keep_from = connection.execute(
        select(func.min(AuditEvent.seq)).where(AuditEvent.seq.is_not(None), AuditEvent.at >= before)
    ).scalar()
    if keep_from is None:
        anchor_seq, anchor_hash = seq + 1, head_hash
    else:
        anchor_seq = int(keep_from)
        anchor_hash = str(
            connection.execute(
                select(AuditEvent.prev_hash).where(AuditEvent.seq == keep_from)
            ).scalar()
        )
    deleted = connection.execute(delete(AuditEvent).where(AuditEvent.seq < anchor_seq)).rowcount
    if deleted:
        connection.execute(
            update(AuditChainHead)
            .where(AuditChainHead.id == HEAD_ID)
            .values(anchor_seq=anchor_seq, anchor_hash=anchor_hash, purged_at=now)
        )
    return int(deleted or 0)
