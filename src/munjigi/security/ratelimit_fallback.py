"""Shared limits on Redis that fall back to process memory while Redis does not answer.

Threat: a Redis outage must neither open the gates (no limits) nor close them (5xx on every
request). ``FallbackStorage`` sends each call to Redis; the first failure switches *this
process* to its in-memory counters for ``retry_seconds``, after which the next call tries
Redis again. The switch is one compare-and-set under a lock, so under gthread exactly one
thread per outage logs "storage failed" and counts it, and every thread — the one that saw
the error and those that raced it — gets its answer from memory: no call ever raises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from limits.storage import Storage

log = logging.getLogger(__name__)

# How long a failed Redis is left alone before the next call tries it again.
RETRY_SECONDS = 5.0


class FallbackStorage(Storage):
    """``primary`` (Redis) while it answers, else ``fallback`` (memory); never raises."""

    STORAGE_SCHEME = None  # built in code, never from a URI

    def __init__(
        self,
        primary: Storage,
        fallback: Storage,
        *,
        retry_seconds: float = RETRY_SECONDS,
        on_failure: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.primary = primary
        self.fallback = fallback
        self.retry_seconds = retry_seconds
        self.on_failure = on_failure
        self._lock = threading.Lock()
        self._dead_until = 0.0  # monotonic; 0.0 while the primary answers

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return Exception

    @property
    def failed_over(self) -> bool:
        """Whether this process counts in memory now."""
        return self._dead_until != 0.0

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        dead_until = self._dead_until
        if dead_until and time.monotonic() < dead_until:
            return getattr(self.fallback, name)(*args, **kwargs)
        try:
            result = getattr(self.primary, name)(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - any storage failure: count in memory
            self._failed(error)
            return getattr(self.fallback, name)(*args, **kwargs)
        if dead_until:
            self._recovered()
        return result

    def _failed(self, error: Exception) -> None:
        with self._lock:
            first = self._dead_until == 0.0
            self._dead_until = time.monotonic() + self.retry_seconds
        if first:  # one line per outage and process, whichever thread saw it first
            if self.on_failure is not None:
                self.on_failure()
            log.error(
                "rate-limit storage failed; limiting in process memory until it answers",
                extra={"storage": type(self.primary).__name__, "error": type(error).__name__},
            )

    def _recovered(self) -> None:
        with self._lock:
            was_dead = self._dead_until != 0.0
            self._dead_until = 0.0
        if was_dead:
            log.warning("rate-limit storage answers again; shared limits restored")

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return int(self._call("incr", key, expiry, amount=amount))

    def get(self, key: str) -> int:
        return int(self._call("get", key))

    def get_expiry(self, key: str) -> float:
        return float(self._call("get_expiry", key))

    def check(self) -> bool:
        return bool(self.primary.check())

    def reset(self) -> int | None:
        self.fallback.reset()
        found: int | None = self._call("reset")
        return found

    def clear(self, key: str) -> None:
        self.fallback.clear(key)
        self._call("clear", key)
