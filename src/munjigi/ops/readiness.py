"""Readiness: the database answers and its schema is at the Alembic head; Redis is reported.

Only the database decides readiness (SPEC §8): Redis is optional (rate limits fall back to
process memory), so a Redis outage must not take every pod out of the Service at once; its
state is reported in the body and as ``munjigi_redis_up``. A database behind the migrations
is "not ready", so pods do not serve before the migration Job has run.

Each check runs on a small per-process thread pool and is abandoned after a deadline, so a
database that hangs instead of refusing cannot hang the probe, and at most two stuck checks
exist at a time (later probes queue behind them and report a timeout).
"""

from __future__ import annotations

import ast
import logging
import os
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from prometheus_client import Gauge
from sqlalchemy import Engine
from sqlalchemy import text

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

OK = "ok"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
REDIS_UP = Gauge(
    "munjigi_redis_up",
    "1 when Redis answered the last check (readiness or scrape), 0 when not; Redis is optional.",
    multiprocess_mode="mostrecent",
)
_lock = threading.Lock()
_executor: tuple[int, ThreadPoolExecutor] | None = None
_redis_clients: dict[tuple[int, str, float], redis.Redis] = {}


def _pool() -> ThreadPoolExecutor:
    """This process's pool (a forked worker makes its own)."""
    global _executor
    with _lock:
        if _executor is None or _executor[0] != os.getpid():
            pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="munjigi-readyz")
            _executor = (os.getpid(), pool)
        return _executor[1]


class SchemaBehind(RuntimeError):
    """The database is not at the migrations' head (the migration Job has not run yet)."""


@cache
def schema_heads() -> frozenset[str]:
    """The head revisions of the migrations shipped with this code (read once).

    Read from the revision files' ``revision``/``down_revision`` assignments with ``ast``
    (nothing is executed) rather than through Alembic's ``ScriptDirectory``: Alembic, Mako
    and Pygments would add ~11 MB to every worker that answers a probe. A test compares the
    result with Alembic's own ``get_heads()``.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        names = _assignments(path.read_text(encoding="utf-8"))
        if isinstance(names.get("revision"), str):
            revisions.add(names["revision"])
            down = names.get("down_revision")
            parents.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - parents)


def _assignments(source: str) -> dict[str, Any]:
    """Top-level ``revision`` and ``down_revision`` literals of a migration file."""
    found: dict[str, Any] = {}
    for node in ast.parse(source).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            if value is not None:
                found[target.id] = ast.literal_eval(value)
    return found


def database_check(engine: Engine) -> Callable[[], None]:
    """A check that the database answers and that its schema is at the Alembic head."""

    def check() -> None:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        if frozenset(row[0] for row in rows) != schema_heads():
            raise SchemaBehind("the database schema is not at the migrations' head")

    return check


def redis_check(url: str, timeout: float) -> Callable[[], None]:
    """A check that PINGs Redis with short connect and read timeouts."""
    import redis  # only when Redis is configured (~5 MB per worker otherwise)

    key = (os.getpid(), url, timeout)
    with _lock:
        client = _redis_clients.get(key)
        if client is None:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=timeout, socket_timeout=timeout
            )
            _redis_clients[key] = client

    def check() -> None:
        client.ping()

    return check


def run_checks(checks: Mapping[str, Callable[[], None]], timeout: float) -> dict[str, str]:
    """Run ``checks`` concurrently; each result is ``"ok"``, ``"timeout"`` or the error's type."""
    pool = _pool()
    futures: dict[str, Future[None]] = {name: pool.submit(check) for name, check in checks.items()}
    deadline = time.monotonic() + timeout
    results: dict[str, str] = {}
    for name, future in futures.items():
        try:
            future.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            future.cancel()
            results[name] = "timeout"
            log.warning("readiness check %s timed out after %ss", name, timeout)
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            results[name] = f"error: {type(error).__name__}"
            log.warning("readiness check %s failed: %s", name, _first_line(error))
        else:
            results[name] = OK
    return results


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
