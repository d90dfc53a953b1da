"""Rate limits on every endpoint class, per client IP and per authenticated user (Flask-Limiter).

Threats: credential stuffing, sign-up floods, scraping, and any client that would exhaust
the server. Every endpoint belongs to one class (login, signup, refresh, write, read, page,
report, lookup); each class has a limit per IP and, where a valid token names a user, a
second limit per user. Classes are decided centrally from the endpoint name and the view's
module after all blueprints are registered, so views written later get limits without
naming them. ``/healthz``, ``/readyz``, ``/metrics`` and static files are exempt.

The client IP is ``request.remote_addr``: ``X-Forwarded-For`` counts only through the
``MUNJIGI_TRUSTED_PROXIES`` hops ProxyFix was told about (never by default). A 429 is our
``RateLimitedError`` (JSON or HTML like every other error) with ``Retry-After``.

Storage: ``memory`` (one process), ``database`` (``ratelimit_storage.DatabaseStorage``:
several workers, no Redis) or a Redis URL. If Redis fails at run time, Flask-Limiter keeps
limiting in process memory (``in_memory_fallback_enabled``) and goes back to Redis once it
answers; the switch is logged and counted (``munjigi_ratelimit_storage_failures``).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask import current_app
from flask import request
from flask_limiter import Limit
from flask_limiter import Limiter
from flask_limiter import RateLimitExceeded
from flask_limiter import RequestLimit
from flask_limiter._limits import RuntimeLimit
from prometheus_client import Counter
from redis.backoff import NoBackoff
from redis.retry import Retry

from munjigi.config import RATELIMIT_CLASSES
from munjigi.config import RATELIMIT_USER_CLASSES
from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.security import audit
from munjigi.security import decorators
from munjigi.security import ratelimit_storage
from munjigi.security import tokens
from munjigi.security import transport
from munjigi.security.exceptions import RateLimitedError

log = logging.getLogger(__name__)

EXTENSION_KEY = "munjigi.ratelimit"
CLASSES = RATELIMIT_CLASSES
EXEMPT = "exempt"
# Classes whose requests may carry a user's token: they also get a per-user limit.
USER_CLASSES = RATELIMIT_USER_CLASSES

# Endpoints whose class does not follow from the method and the view's module.
ENDPOINT_CLASSES = {
    "auth.login": "login",
    "auth.create_member": "signup",
    "auth.refresh_tokens": "refresh",
    "auth.renew_page": "refresh",
    "auth.validate_username": "lookup",
    "protection.get_challenge": "lookup",
    "protection.password_strength": "lookup",
    # Every other way to prove who you are is budgeted like the password login.
    "auth.login_mfa": "login",
    "auth.reauthenticate": "login",
    "mfa.second_step": "login",
    "passkeys.login_with_passkey": "login",
    "passkeys.second_factor": "login",
    "passkeys.reauth_with_passkey": "login",
    "passkeys.login_options": "lookup",
    "passkeys.second_factor_options": "lookup",
    "passkeys.reauth_options": "lookup",
    "ops.healthz": EXEMPT,
    "ops.readyz": EXEMPT,
    "ops.prometheus_metrics": EXEMPT,
    "static": EXEMPT,
}
# HTML forms: GET shows the page, POST is the form's class.
FORM_CLASSES = {
    "auth.login_page": "login",
    "auth.signup_page": "signup",
    "mfa.reauth": "login",
    "dashboard.index": "login",  # POST / is the signed login hand-off (SPEC §5)
}
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Blueprints (or view modules) that render pages rather than JSON.
PAGE_BLUEPRINTS = frozenset({"account", "admin", "dashboard", "reports"})

STORAGE_FAILURES = Counter(
    "munjigi_ratelimit_storage_failures",
    "Times the rate-limit storage failed and limits fell back to process memory.",
)

# A flood must not become a flood of audit rows: one row per limit key and window.
_AUDITED_MAX = 10_000
_audited: dict[str, float] = {}
_audited_lock = threading.Lock()


def classify(app: Flask, endpoint: str | None, method: str) -> str:
    """The class of a request to ``endpoint`` with ``method``."""
    if not endpoint or method == "OPTIONS":
        return EXEMPT
    if endpoint in ENDPOINT_CLASSES:
        return ENDPOINT_CLASSES[endpoint]
    if endpoint.endswith(".static") or endpoint.startswith("apidocs."):
        return EXEMPT
    if endpoint in FORM_CLASSES:
        return "page" if method in SAFE_METHODS else FORM_CLASSES[endpoint]
    if "report" in endpoint:
        return "report"
    if _is_page(app, endpoint):
        return "page" if method in SAFE_METHODS else "write"
    return "read" if method in SAFE_METHODS else "write"


def _is_page(app: Flask, endpoint: str) -> bool:
    view = app.view_functions.get(endpoint)
    module = getattr(view, "__module__", "") or ""
    return (
        module.endswith(".views")
        or module == "munjigi.pages"
        or endpoint.partition(".")[0] in PAGE_BLUEPRINTS
    )


def request_class() -> str:
    """The class of the current request (computed once per request)."""
    # Kept in the WSGI environ: ``g`` can outlive a request (an app context pushed around it).
    found = request.environ.get("munjigi.rl_class")
    if found is None:
        found = classify(current_app, request.endpoint, request.method)
        request.environ["munjigi.rl_class"] = found
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
            # Verified once per request: the view's own check reuses this verification.
            claims = decorators.verified_claims(presented[0], token_type)
            found = f"user:{claims['sub']}"
        except Exception:  # noqa: BLE001 - any bad token is simply "no user" here
            found = ""
    request.environ["munjigi.rl_user"] = found
    return found


def _limits_for(prefix: str) -> Callable[[], str]:
    def provider() -> str:
        settings: Settings = current_app.extensions["munjigi.settings"]
        cls = request_class()
        if cls == EXEMPT or (prefix == "ratelimit_user_" and cls not in USER_CLASSES):
            return ""
        return str(getattr(settings, f"{prefix}{cls}", ""))

    return provider


def _scope(prefix: str) -> Callable[[str], str]:
    return lambda endpoint: f"{prefix}{request_class()}"


def storage_uri(settings: Settings) -> tuple[str, dict[str, Any]]:
    """The ``limits`` storage URI and options for ``MUNJIGI_RATELIMIT_STORAGE``."""
    choice = settings.ratelimit_storage
    if choice == "memory":
        return f"{ratelimit_storage.MEMORY_SCHEME}://", {}
    if choice == "database":
        return f"{ratelimit_storage.SCHEME}://", {"engine": db.engine}
    if choice == "redis":
        choice = settings.redis_url or ""
    timeout = settings.ratelimit_redis_timeout_ms / 1000
    # A dead Redis must cost milliseconds, not seconds: short timeouts and no retries.
    return choice, {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }


class _Limiter(Limiter):
    """Flask-Limiter with a lean per-request check, logging each switch to the memory fallback.

    Flask-Limiter's generic check resolves the limits of every request from scratch: view
    and blueprint lookups, exemption scopes (twice), the limit strings parsed into fresh
    ``RuntimeLimit`` objects, ordered-set bookkeeping, a ``RequestLimit`` (and its storage
    key) for every limit hit. That was a third of a bare request in the profile
    (docs/performance.md). Our limits depend only on the request's class, so ``_lean_check``
    resolves them once per class and app and does per request only what a limit needs: the
    key, the scope and one ``hit`` per limit, with exactly the storage keys the generic path
    uses. Anything the lean path does not model (a ``@limiter.limit`` decorator, exemptions,
    application or meta limits, request filters, a storage that failed) goes to the generic
    path, which also owns the fall back to memory and the recovery.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._resolved: dict[str, list[RuntimeLimit]] = {}

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        was_dead = self._storage_dead
        try:
            if not self._lean_check():
                super()._check_request_limit(callable_name, in_middleware)
        finally:
            if self._storage_dead and not was_dead:
                STORAGE_FAILURES.inc()
                log.error(
                    "rate-limit storage failed; limiting in process memory until it answers",
                    extra={"storage": type(self.storage).__name__},
                )
            elif was_dead and not self._storage_dead:
                log.warning("rate-limit storage answers again; shared limits restored")

    def _lean_check(self) -> bool:
        """Check the request's class limits; False when the generic path must decide."""
        if not self._lean_applies():
            return False
        cls = request_class()
        if cls == EXEMPT:
            return True
        resolved = self._resolved.get(cls)
        if resolved is None:
            # The providers read the current request's class: resolved once per class.
            resolved = sorted(self.limit_manager.default_limits, key=lambda lim: lim.limit)
            self._resolved[cls] = resolved
        try:
            for lim in resolved:
                if lim.is_exempt:
                    continue
                key = lim.key_func()
                scope = lim.scope_for("", None)  # shared: the scope alone, no endpoint
                if not key or not scope:
                    continue
                args = [self._key_prefix, key, scope] if self._key_prefix else [key, scope]
                if not self.limiter.hit(lim.limit, *args, cost=lim.deduction_amount):
                    breached = RequestLimit(self, lim.limit, args, True, lim.shared)
                    self.context.view_rate_limit = breached
                    self.context.view_rate_limits = [breached]
                    log.info("ratelimit %s (%s) exceeded: %s", lim.limit, key, scope)
                    raise RateLimitExceeded(lim)
        except RateLimitExceeded:
            raise
        except Exception:  # noqa: BLE001 - the storage failed: the generic path falls back
            return False
        return True

    def _lean_applies(self) -> bool:
        """Whether this limiter holds nothing but our two shared default layers, alive."""
        manager = self.limit_manager
        return bool(
            self.enabled
            and self.initialized
            and not self._storage_dead
            and not self._request_filters
            and not self._marked_for_limiting
            and not self._meta_limits
            and not manager._application_limits  # private: see the class docstring
            and not manager._decorated_limits
            and not manager._blueprint_limits
            and not manager._route_exemptions
            and not manager._blueprint_exemptions
            and not manager._endpoint_hints
        )


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Attach the limiter; limits are resolved per request, so later blueprints are covered."""
    with app.app_context():  # the database storage needs the app's engine
        uri, options = storage_uri(settings)
    app.config["RATELIMIT_STORAGE_OPTIONS"] = options
    limiter = _Limiter(
        client_ip,
        default_limits=[
            Limit(
                limit_provider=_limits_for("ratelimit_"),
                key_function=client_ip,
                scope=_scope("ip:"),
                shared=True,
            ),
            Limit(
                limit_provider=_limits_for("ratelimit_user_"),
                key_function=user_key,
                scope=_scope("user:"),
                shared=True,
                exempt_when=lambda: not user_key(),
            ),
        ],
        storage_uri=uri,
        strategy="fixed-window",
        key_prefix=settings.ratelimit_key_prefix,
        in_memory_fallback_enabled=settings.ratelimit_memory_fallback,
        headers_enabled=False,
        enabled=settings.ratelimit_enabled,
    )
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error: RateLimitExceeded) -> Any:
        breached = limiter.current_limit
        retry_after = _retry_after(breached)
        _audit_breach(breached)
        refused = RateLimitedError(retry_after=retry_after)
        return current_app.handle_user_exception(refused)

    return limiter


def _retry_after(breached: RequestLimit | None) -> int:
    if breached is None:
        return 60
    try:
        return max(1, math.ceil(breached.window.reset_time - time.time()))
    except Exception:  # noqa: BLE001 - the storage just failed: a safe guess
        return int(breached.limit.get_expiry())


def _audit_breach(breached: RequestLimit | None) -> None:
    """Record the first breach of each limit key per window (never fails the 429)."""
    key = breached.key if breached else f"unknown:{client_ip()}"
    now = time.time()
    with _audited_lock:
        if _audited.get(key, 0) > now:
            return
        if len(_audited) >= _AUDITED_MAX:
            _audited.clear()
        window = breached.limit.get_expiry() if breached else 60
        _audited[key] = now + window
    try:
        db.session.rollback()
        audit.record(
            "rate_limited",
            outcome="blocked",
            reason=request_class(),
            detail={
                "endpoint": request.endpoint,
                "limit": str(breached.limit) if breached else None,
                "per": "user" if breached and "/user:" in breached.key else "ip",
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
