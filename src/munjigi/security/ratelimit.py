"""Rate limits on every endpoint class, per client IP and per authenticated user (``limits``).

Threats: credential stuffing, sign-up floods, scraping, and any client that would exhaust
the server. Every route declares its class (login, signup, refresh, write, read, page,
report, lookup or exempt: security/policy.py); each class has a limit per IP and, where a
valid token names a user, a second limit per user. The gate (munjigi/gate.py) calls
``RateLimiter.check`` once per request with the class of the route's policy.

The client IP is ``request.remote_addr``: ``X-Forwarded-For`` counts only through the
``MUNJIGI_TRUSTED_PROXIES`` hops ProxyFix was told about (never by default). A 429 is our
``RateLimitedError`` (JSON or HTML like every other error) with ``Retry-After``.

Counting uses limits' public API only: ``FixedWindowRateLimiter`` over a storage —
``MemoryStorage`` (one process), ``DatabaseStorage`` (every worker, no Redis), Redis behind
``FallbackStorage`` (memory while Redis fails; logged and counted as
``munjigi_ratelimit_storage_failures``), or by default ("shared") both: the security-critical
classes (``SHARED_CLASSES``, mail) in the database, exact across every worker, and the
high-volume classes in process memory with each limit split across
``MUNJIGI_RATELIMIT_PROCESSES`` (never more than the limit in total; docs/security.md).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from flask import Flask
from flask import current_app
from flask import request
from limits import RateLimitItem
from limits import parse_many
from limits.storage import Storage
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from prometheus_client import Counter

from munjigi.config import RATELIMIT_CLASSES
from munjigi.config import RATELIMIT_USER_CLASSES
from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.security import audit
from munjigi.security import decorators
from munjigi.security import policy
from munjigi.security import ratelimit_storage
from munjigi.security import tokens
from munjigi.security import transport
from munjigi.security.exceptions import RateLimitedError
from munjigi.security.ratelimit_fallback import FallbackStorage

log = logging.getLogger(__name__)

EXTENSION_KEY = "munjigi.ratelimit"
CLASSES = RATELIMIT_CLASSES
EXEMPT = policy.EXEMPT
# Classes whose requests may carry a user's token: they also get a per-user limit.
USER_CLASSES = RATELIMIT_USER_CLASSES
# Security-critical classes: with the default "shared" storage they are counted in the
# database, exactly, whatever the number of processes (the mail budgets too).
SHARED_CLASSES = frozenset({"login", "signup", "refresh", "lookup"})
CLASS_KEY = "munjigi.rl_class"

STORAGE_FAILURES = Counter(
    "munjigi_ratelimit_storage_failures",
    "Times the rate-limit storage failed and limits fell back to process memory.",
)

# A flood must not become a flood of audit rows: one row per limit key and window.
_AUDITED_MAX = 10_000
_audited: dict[str, float] = {}
_audited_lock = threading.Lock()


def request_class() -> str:
    """The rate class of the current request, from its route's declared policy."""
    # Kept in the WSGI environ: ``g`` can outlive a request (an app context pushed around it).
    found = request.environ.get(CLASS_KEY)
    if found is None:
        declared = policy.lookup(current_app, request.endpoint)
        found = declared.rate_class(request.method) if declared is not None else EXEMPT
        request.environ[CLASS_KEY] = found
    return str(found)


def client_ip() -> str:
    """The socket address (or what ProxyFix made of trusted ``X-Forwarded-For`` hops)."""
    return request.remote_addr or "unknown"


def user_key() -> str:
    """``user:<id>`` when the request carries a token we signed and that is current, else "".

    The token's signature and claims are verified (a forged ``sub`` must not spend a victim's
    budget); the session row is not read here, the view's own check does that.
    """
    if "munjigi.rl_user" in request.environ:
        return str(request.environ["munjigi.rl_user"])
    found = ""
    token_type = tokens.REFRESH if request_class() == "refresh" else tokens.ACCESS
    presented = transport.read_token(request, token_type)
    if presented and presented[0]:
        try:
            # The view's own check reuses this verification (decorators.verified_claims).
            claims = decorators.verified_claims(presented[0], token_type)
            found = f"user:{claims['sub']}"
        except Exception:  # noqa: BLE001 - any bad token is simply "no user" here
            found = ""
    request.environ["munjigi.rl_user"] = found
    return found


def _items(value: str, share: int = 1) -> tuple[RateLimitItem, ...]:
    """The limits of ``value``, each cut to ``1/share`` (rounded up) for one of ``share``
    processes; the shortest window first, so a burst is refused before it spends more."""
    items = sorted(parse_many(value), key=lambda item: item.get_expiry()) if value else []
    if share > 1:
        items = [
            type(item)(math.ceil(item.amount / share), item.multiples, item.namespace)
            for item in items
        ]
    return tuple(items)


class RateLimiter:
    """The per-class limits of one app, resolved once, counted through ``limits``' strategy.

    Two storages: ``shared`` counts what every process must see alike (the classes of
    ``SHARED_CLASSES`` and the mail budgets), ``local`` the high-volume classes. With the
    default "shared" storage, ``local`` is this process's memory and each of its limits is
    ``1/processes`` of the setting. ``limiter`` (the shared strategy), ``hit`` and ``enabled``
    are what other budgets (lifecycle/throttle.py) use.
    """

    def __init__(
        self, settings: Settings, shared: Storage, local: Storage | None = None, share: int = 1
    ) -> None:
        self.enabled = settings.ratelimit_enabled
        self.storage = shared
        self.limiter = FixedWindowRateLimiter(shared)
        local_limiter = FixedWindowRateLimiter(local) if local is not None else self.limiter
        split = share if local is not None else 1
        self.prefix = settings.ratelimit_key_prefix
        self.strategy = {
            cls: self.limiter if local is None or cls in SHARED_CLASSES else local_limiter
            for cls in CLASSES
        }

        def items(cls: str, name: str) -> tuple[RateLimitItem, ...]:
            value = getattr(settings, name)
            return _items(value, 1 if cls in SHARED_CLASSES else split)

        self.per_ip = {cls: items(cls, f"ratelimit_{cls}") for cls in CLASSES}
        self.per_user = {cls: items(cls, f"ratelimit_user_{cls}") for cls in USER_CLASSES}

    def check(self, cls: str) -> None:
        """Spend one request of class ``cls`` from the client's (and its user's) budget.

        :raises RateLimitedError: a budget is exhausted (429 with ``Retry-After``; audited).
        """
        if not self.enabled or cls == EXEMPT:
            return
        items = self.per_ip.get(cls, ())
        if items:
            self._spend(cls, items, client_ip(), f"ip:{cls}")
        items = self.per_user.get(cls, ())
        if items:
            key = user_key()
            if key:
                self._spend(cls, items, key, f"user:{cls}")

    def _spend(self, cls: str, items: tuple[RateLimitItem, ...], key: str, scope: str) -> None:
        strategy = self.strategy[cls]
        for item in items:
            if not strategy.hit(item, self.prefix, key, scope):
                log.info("ratelimit %s (%s) exceeded: %s", item, key, scope)
                wait = _retry_after(strategy, item, self.prefix, key, scope)
                _audit_breach(item.key_for(self.prefix, key, scope), item, cls)
                raise RateLimitedError(retry_after=wait)

    def hit(self, items: list[RateLimitItem], *key: str) -> int | None:
        """Count one use of ``key`` against every item in the shared storage; seconds to
        wait if one ran out, else None."""
        for item in items:
            if not self.limiter.hit(item, *key):
                return _retry_after(self.limiter, item, *key)
        return None


def _retry_after(strategy: FixedWindowRateLimiter, item: RateLimitItem, *key: str) -> int:
    """Whole seconds until the window of ``item`` for ``key`` ends (at least 1)."""
    try:
        reset = strategy.get_window_stats(item, *key).reset_time
        return max(1, math.ceil(reset - time.time()))
    except Exception:  # noqa: BLE001 - the storage just failed: a safe guess
        return int(item.get_expiry())


def storage_for(settings: Settings, engine: Any) -> Storage:
    """The (shared) storage ``MUNJIGI_RATELIMIT_STORAGE`` names; Redis behind the fall-back."""
    choice = settings.ratelimit_storage
    if choice == "memory":
        return ratelimit_storage.MemoryStorage()
    if choice in ("database", "shared"):
        return ratelimit_storage.DatabaseStorage(engine=engine)
    if choice == "redis":
        choice = settings.redis_url or ""
    # Imported here: a deployment without Redis never loads the client (~5 MB per worker).
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    timeout = settings.ratelimit_redis_timeout_ms / 1000
    # A dead Redis must cost milliseconds, not seconds: short timeouts and no retries.
    redis = storage_from_string(
        choice,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),  # type: ignore[arg-type]
    )
    if not isinstance(redis, Storage):  # config.py allows only synchronous Redis schemes
        raise TypeError(f"not a synchronous storage: {choice}")
    if not settings.ratelimit_memory_fallback:
        return redis
    return FallbackStorage(
        redis, ratelimit_storage.MemoryStorage(), on_failure=STORAGE_FAILURES.inc
    )


def init_app(app: Flask, settings: Settings) -> RateLimiter:
    """Build the app's limiter; the gate calls ``check`` with each request's declared class."""
    with app.app_context():  # the database storage needs the app's engine
        storage = storage_for(settings, db.engine)
    if settings.ratelimit_storage == "shared":
        local = ratelimit_storage.MemoryStorage()
        limiter = RateLimiter(settings, storage, local, settings.ratelimit_processes)
    else:
        limiter = RateLimiter(settings, storage)
    app.extensions[EXTENSION_KEY] = limiter
    return limiter


def limiter_of(app: Flask) -> RateLimiter:
    """The app's limiter."""
    found: RateLimiter = app.extensions[EXTENSION_KEY]
    return found


def _audit_breach(key: str, item: RateLimitItem, cls: str) -> None:
    """Record the first breach of each limit key per window (never fails the 429)."""
    now = time.time()
    with _audited_lock:
        if _audited.get(key, 0) > now:
            return
        if len(_audited) >= _AUDITED_MAX:
            _audited.clear()
        _audited[key] = now + item.get_expiry()
    try:
        db.session.rollback()
        audit.record(
            "rate_limited",
            outcome="blocked",
            reason=cls,
            detail={
                "endpoint": request.endpoint,
                "limit": str(item),
                "per": "user" if "/user:" in key else "ip",
            },
        )
        db.session.commit()
    except Exception:  # noqa: BLE001 - auditing must not turn a 429 into a 500
        db.session.rollback()
        log.exception("could not audit a rate-limit breach")


def reset_audit_memory() -> None:
    """Forget which breaches were audited (tests start each app from a clean slate)."""
    with _audited_lock:
        _audited.clear()
