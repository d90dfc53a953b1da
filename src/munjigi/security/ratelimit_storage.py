"""A ``limits`` storage over SQLAlchemy: rate-limit counters shared by every worker, no Redis.

Threat: with ``memory://`` each gunicorn worker counts alone, so N workers allow N times the
limit (the seeds' shared-host case). This storage keeps fixed-window counters in the
``ratelimit_counters`` table. Each hit is one atomic ``UPDATE … SET count = count + n`` (or an
INSERT for a new window) in its own short transaction, on its own pooled connection, so it
never commits or waits on the request's unit of work. SQLite shares it through WAL with a
busy timeout (``db.py``); PostgreSQL and MariaDB lock the one counter row.

Registered with ``limits`` under the scheme ``munjigi-db://`` (``STORAGE_SCHEME``); the engine
is passed as the ``engine`` storage option.

``MemoryStorage`` (``munjigi-memory://``, the ``memory`` setting) is limits' in-process storage
with one change, explained on the class: expired counters are swept once a second, not by a
new thread every 10 ms.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
import weakref
from typing import Any
from typing import cast

from limits.storage import MemoryStorage as LimitsMemoryStorage
from limits.storage import Storage
from sqlalchemy import Engine
from sqlalchemy import Table
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import SQLAlchemyError

from munjigi.security.protection_models import RateLimitCounter

# Load spreading, not security. A generator of our own: the module-level one is shared
# with tests (Hypothesis checks that nothing else moves it) and with other libraries.
_SPREAD = random.Random()  # noqa: S311

SCHEME = "munjigi-db"
MEMORY_SCHEME = "munjigi-memory"
# How often the in-process storage frees counters nobody asks for again (limits: 10 ms).
MEMORY_SWEEP_SECONDS = 1.0
# Keys longer than this are stored as a digest (the column is 255 characters).
_MAX_KEY = 190
# About one hit in this many also deletes expired counters (cheap: indexed by expiry).
_SWEEP_ONE_IN = 200

_table = cast(Table, RateLimitCounter.__table__)


def _key(key: str) -> str:
    if len(key) <= _MAX_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in the application database (``munjigi-db://``)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        engine: Engine | None = None,
        **options: Any,
    ) -> None:
        if engine is None:
            raise ValueError("the munjigi-db:// storage needs the engine= option")
        self.engine = engine
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter, starting a new window of ``expiry`` s if it ran out."""
        key = _key(key)
        now = time.time()
        expired = _table.c.expires_at <= now
        # MariaDB assigns left to right: ``count`` must be computed before ``expires_at``
        # changes, so the order of the SET clause is fixed.
        bump = (
            update(_table)
            .where(_table.c.key == key)
            .ordered_values(
                (_table.c.count, case((expired, amount), else_=_table.c.count + amount)),
                (_table.c.expires_at, case((expired, now + expiry), else_=_table.c.expires_at)),
            )
        )
        with self.engine.begin() as connection:
            if connection.execute(bump).rowcount == 0:
                try:
                    with connection.begin_nested():
                        connection.execute(
                            insert(_table).values(key=key, count=amount, expires_at=now + expiry)
                        )
                except IntegrityError:  # another worker made the row first
                    connection.execute(bump)
            count = connection.execute(select(_table.c.count).where(_table.c.key == key)).scalar()
            if _SPREAD.randrange(_SWEEP_ONE_IN) == 0:  # noqa: S311 - load spreading, not security
                connection.execute(delete(_table).where(_table.c.expires_at < now - 60))
        return int(count or 0)

    def get(self, key: str) -> int:
        """The counter of the current window (0 when none or expired)."""
        with self.engine.connect() as connection:
            count = connection.execute(
                select(_table.c.count).where(
                    _table.c.key == _key(key), _table.c.expires_at > time.time()
                )
            ).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        """When the current window ends (now, when there is none)."""
        now = time.time()
        with self.engine.connect() as connection:
            expires = connection.execute(
                select(_table.c.expires_at).where(_table.c.key == _key(key))
            ).scalar()
        return float(expires) if expires is not None and expires > now else now

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter."""
        with self.engine.begin() as connection:
            return int(connection.execute(delete(_table)).rowcount or 0)

    def clear(self, key: str) -> None:
        """Forget one counter."""
        with self.engine.begin() as connection:
            connection.execute(delete(_table).where(_table.c.key == _key(key)))


class MemoryStorage(LimitsMemoryStorage):
    """limits' ``MemoryStorage``, swept by one background thread instead of a thread per 10 ms.

    limits re-arms a 10 ms ``threading.Timer`` on any hit that finds the previous timer
    finished: under steady traffic that is a new thread every few requests, and
    ``Thread.start()`` blocks the request until the new thread has run. On a busy host the
    wait for the scheduler was 13 % of a protected request's wall time (docs/performance.md).
    Here one daemon thread per process sweeps once a second (started on the first hit, and
    again in a forked worker, where the parent's thread does not exist). Counting does not
    depend on the sweep: ``get`` and ``incr`` drop an expired window themselves; the sweep
    only frees the memory of keys that are never asked for again. (limits has no setting
    for this, hence the override of its private, name-mangled method;
    tests/security/test_ratelimit_lean.py checks that it still takes effect.)
    """

    STORAGE_SCHEME = [MEMORY_SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        self.sweeper: threading.Thread | None = None
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:
        sweeper = self.sweeper
        if sweeper is None or not sweeper.is_alive():
            # No lock (a lock held across a fork would deadlock the child): two hits racing
            # here may start two sweepers, which is harmless.
            sweeper = threading.Thread(
                target=_sweep_while_alive,
                args=(weakref.ref(self),),
                name="munjigi-ratelimit-sweep",
                daemon=True,  # never holds up the interpreter's exit
            )
            self.sweeper = sweeper
            sweeper.start()

    def sweep(self) -> None:
        """Drop expired counters now (what limits' timer does)."""
        self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _sweep_while_alive(ref: weakref.ReferenceType[MemoryStorage]) -> None:
    """Sweep ``ref``'s storage every MEMORY_SWEEP_SECONDS until it is garbage collected."""
    while True:
        time.sleep(MEMORY_SWEEP_SECONDS)
        storage = ref()
        if storage is None:
            return
        storage.sweep()
        del storage  # hold no reference while sleeping
