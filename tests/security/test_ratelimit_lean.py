"""The lean rate-limit check and the in-process storage: same limits, less work per request.

``ratelimit._Limiter._lean_check`` must count exactly what Flask-Limiter's generic check
counts (same storage keys, same 429s); anything it does not model goes to the generic path.
``ratelimit_storage.MemoryStorage`` must not start a thread every 10 ms.
"""

from __future__ import annotations

import time
from typing import Any

import flask_limiter
import pytest
from flask import Blueprint

from munjigi.security import ratelimit
from munjigi.security.ratelimit_storage import MemoryStorage
from tests.protection.conftest import at

STRICT = {"ratelimit_read": "4/minute", "ratelimit_user_read": "3/minute"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(STRICT)


@pytest.fixture(autouse=True)
def _fresh_breach_memory():
    ratelimit.reset_audit_memory()
    yield
    ratelimit.reset_audit_memory()


def limiter_of(app: Any) -> Any:
    return app.extensions[ratelimit.EXTENSION_KEY]


def counters(app: Any) -> dict[str, int]:
    return dict(limiter_of(app).storage.storage)


def traffic(client: Any, bearer: dict[str, str]) -> list[int]:
    """The same mix every time: anonymous, per-user, exempt, refused."""
    anonymous = client.application.test_client()  # ``client`` holds the login's cookies
    statuses = []
    for ip in ("10.9.0.1", "10.9.0.1", "10.9.0.2"):
        statuses.append(anonymous.get("/posts", **at(ip)).status_code)
    for ip in ("10.9.1.1", "10.9.1.2", "10.9.1.3", "10.9.1.4"):  # the user budget is 3
        statuses.append(client.get("/members/me", headers=bearer, **at(ip)).status_code)
    statuses.append(anonymous.get("/healthz", **at("10.9.0.1")).status_code)
    for _ in range(5):  # the IP budget is 4: the last is refused
        statuses.append(anonymous.get("/posts", **at("10.9.2.1")).status_code)
    return statuses


def test_lean_check_counts_exactly_what_the_generic_check_counts(app, client, auth, monkeypatch):
    bearer = auth.bearer(auth.signup_and_login("lean_user")["access_token"])
    limiter = limiter_of(app)
    generic_calls = []
    original = flask_limiter.Limiter._check_request_limit

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        generic_calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(flask_limiter.Limiter, "_check_request_limit", spy)

    limiter.storage.reset()
    lean_statuses = traffic(client, bearer)
    lean_counters = counters(app)
    assert generic_calls == []  # every request above took the lean path

    limiter.storage.reset()
    monkeypatch.setattr(ratelimit._Limiter, "_lean_applies", lambda self: False)
    generic_statuses = traffic(client, bearer)
    assert len(generic_calls) == len(generic_statuses)

    assert lean_statuses == generic_statuses
    assert lean_statuses.count(429) == 2
    assert lean_counters == counters(app)
    # Both layers were counted: the IP budget and the user's.
    assert any("/ip:read" in key for key in lean_counters)
    assert any("/user:read" in key and "user:" in key for key in lean_counters)


def test_refusal_on_the_lean_path_has_retry_after_and_is_audited(app, client):
    from tests.protection.conftest import audit_events

    for _ in range(4):
        assert client.get("/posts", **at("10.9.3.1")).status_code == 200
    refused = client.get("/posts", **at("10.9.3.1"))
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert [e.reason for e in audit_events(app, "rate_limited")] == ["read"]


@pytest.fixture
def decorated_app(app):
    """A view with its own ``@limiter.limit``: the lean path must hand over to the generic one."""
    limiter = limiter_of(app)
    extra = Blueprint("lean_extra", __name__)

    @extra.get("/lean-extra")
    @limiter.limit("2/minute")
    def lean_extra() -> Any:
        return {"ok": True}

    app.register_blueprint(extra)
    return app


def test_a_view_decorated_with_its_own_limit_keeps_it(decorated_app):
    client = decorated_app.test_client()
    statuses = [client.get("/lean-extra", **at("10.9.4.1")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # The class limits still apply on every other endpoint.
    for _ in range(4):
        assert client.get("/posts", **at("10.9.4.2")).status_code == 200
    assert client.get("/posts", **at("10.9.4.2")).status_code == 429


def test_memory_storage_does_not_start_a_thread_per_hit():
    storage = MemoryStorage("munjigi-memory://")
    timers, sweepers = set(), set()
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline:  # ~30 of limits' 10 ms timer periods
        storage.incr("k", 60)
        timers.add(id(storage.timer))
        sweepers.add(id(storage.sweeper))
        time.sleep(0.002)
    # limits' own timer is the one made by __init__ only; one sweeper thread for them all.
    assert len(timers) == 1
    assert len(sweepers) == 1
    assert storage.sweeper is not None and storage.sweeper.daemon
    assert storage.get("k") > 50


def test_memory_storage_still_expires_windows_and_sweeps():
    storage = MemoryStorage("munjigi-memory://")
    storage.incr("short", 1)
    storage.incr("short", 1)
    storage.incr("forgotten", 1)
    assert storage.get("short") == 2
    time.sleep(1.1)
    assert storage.get("short") == 0  # a new window
    assert storage.incr("short", 1) == 1
    # The sweeper frees keys nobody asks for again, within about a second.
    deadline = time.monotonic() + 10
    while "forgotten" in storage.storage and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "forgotten" not in storage.storage


def test_the_sweeper_ends_with_its_storage():
    import gc

    storage = MemoryStorage("munjigi-memory://")
    storage.incr("k", 60)
    sweeper = storage.sweeper
    assert sweeper is not None and sweeper.is_alive()
    storage.timer.join(timeout=10)  # limits' first timer holds the storage while it runs
    del storage
    deadline = time.monotonic() + 10
    while sweeper.is_alive() and time.monotonic() < deadline:
        gc.collect()  # the storage and its timer are a reference cycle
        sweeper.join(timeout=0.2)
    assert not sweeper.is_alive()


def test_memory_setting_uses_the_lean_storage(app):
    assert isinstance(limiter_of(app).storage, MemoryStorage)
