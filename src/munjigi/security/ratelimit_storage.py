"""A ``limits`` storage over SQLAlchemy: rate-limit counters shared by every worker, no Redis.

Threat: with ``memory://`` each gunicorn worker counts alone, so N workers allow N times the
limit (the seeds' shared-host case). This storage keeps fixed-window counters in the
``ratelimit_counters`` table. Each hit is one atomic ``UPDATE … SET count = count + n`` (or an
INSERT for a new window) in its own short transaction, on its own pooled connection, so it
never commits or waits on the request's unit of work. SQLite shares it through WAL with a
busy timeout (``db.py``); PostgreSQL and MariaDB lock the one counter row.

Registered with ``limits`` under the scheme ``munjigi-db://`` (``STORAGE_SCHEME``); the engine
is passed as the ``engine`` storage option.

``MemoryStorage`` (``munjigi-memory://``) counts in process memory without limits' timer
threads; ``FallbackStorage`` (ratelimit_fallback.py) puts it behind Redis.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from typing import Any
from typing import cast

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


class MemoryStorage(Storage):
    """Fixed-window counters in this process (``munjigi-memory://``), through limits' public API.

    limits' own ``MemoryStorage`` re-arms a 10 ms ``threading.Timer`` to expire counters: under
    steady traffic a new thread every few requests, and ``Thread.start()`` blocks the request
    until it runs (13 % of a protected request on a busy host, docs/performance.md). This one
    needs no thread: ``incr`` and ``get`` drop an expired window themselves, and at most once a
    second an ``incr`` also frees every expired counter. One lock guards the dictionary; no
    lock is ever held across a call out, so a fork (gunicorn) cannot inherit it taken.
    """

    STORAGE_SCHEME = [MEMORY_SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        self._counters: dict[str, list[float]] = {}  # key → [count, expires_at]
        self._lock = threading.Lock()
        self._next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter, starting a new window of ``expiry`` s if it ran out."""
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            entry = self._counters.get(key)
            if entry is None or entry[1] <= now:
                entry = self._counters[key] = [0, now + expiry]
            entry[0] += amount
            return int(entry[0])

    def get(self, key: str) -> int:
        """The counter of the current window (0 when none or expired)."""
        entry = self._counters.get(key)
        return int(entry[0]) if entry is not None and entry[1] > time.time() else 0

    def get_expiry(self, key: str) -> float:
        """When the current window ends (now, when there is none)."""
        now = time.time()
        entry = self._counters.get(key)
        return entry[1] if entry is not None and entry[1] > now else now

    def check(self) -> bool:
        """Always answers."""
        return True

    def reset(self) -> int | None:
        """Forget every counter."""
        with self._lock:
            count = len(self._counters)
            self._counters.clear()
        return count

    def clear(self, key: str) -> None:
        """Forget one counter."""
        with self._lock:
            self._counters.pop(key, None)

    def sweep(self) -> None:
        """Free every expired counter now."""
        with self._lock:
            self._sweep(time.time())

    def _sweep(self, now: float) -> None:
        expired = [key for key, (_, expires) in self._counters.items() if expires <= now]
        for key in expired:
            del self._counters[key]
        self._next_sweep = now + MEMORY_SWEEP_SECONDS

    def size(self) -> int:
        """How many counters are held (expired ones until the next sweep)."""
        return len(self._counters)
