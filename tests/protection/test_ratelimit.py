"""Rate limits: every endpoint class, per IP and per user, 429 in our shape, three storages."""

from __future__ import annotations

import os
import secrets
import socket
import time
from typing import Any

import pytest
from flask import Blueprint

from munjigi import create_app
from munjigi.extensions import db
from munjigi.security import policy
from munjigi.security import ratelimit
from munjigi.security.ratelimit_storage import DatabaseStorage
from tests.conftest import make_settings
from tests.protection.conftest import BROWSER_UA
from tests.protection.conftest import at

STRICT = {
    "ratelimit_read": "4/minute",
    "ratelimit_user_read": "2/minute",
    "ratelimit_page": "2/minute",
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(STRICT)


def assert_limited(response: Any) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)[:300]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    if response.is_json:
        body = response.get_json()
        assert body["result"] == "failed"
        assert body["code"] == "rate_limited"


def test_read_limit_per_ip_answers_429_with_retry_after(client):
    for _ in range(4):
        assert client.get("/posts", **at("10.1.1.1")).status_code == 200
    refused = client.get("/posts", **at("10.1.1.1"))
    assert_limited(refused)
    assert refused.is_json
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    # Another address has its own budget.
    assert client.get("/posts", **at("10.1.1.2")).status_code == 200


def test_limit_is_shared_by_the_class_not_per_endpoint(client):
    for path in ("/posts", "/posts/forms/ingredients", "/posts", "/.well-known/jwks.json"):
        assert client.get(path, **at("10.1.2.1")).status_code == 200
    assert_limited(client.get("/posts/forms/ingredients", **at("10.1.2.1")))


def test_pages_answer_429_as_html(client):
    headers = {"User-Agent": BROWSER_UA, "Accept": "text/html"}
    for _ in range(2):
        assert client.get("/login", headers=headers, **at("10.1.3.1")).status_code == 200
    refused = client.get("/login", headers=headers, **at("10.1.3.1"))
    assert_limited(refused)
    assert refused.mimetype == "text/html"


def test_x_forwarded_for_is_not_trusted_by_default(client):
    for i in range(4):
        forwarded = {"X-Forwarded-For": f"203.0.113.{i}"}
        assert client.get("/posts", headers=forwarded, **at("10.2.2.2")).status_code == 200
    spoofed = client.get("/posts", headers={"X-Forwarded-For": "198.51.100.9"}, **at("10.2.2.2"))
    assert_limited(spoofed)


@pytest.mark.parametrize("settings_overrides", [{**STRICT, "trusted_proxies": 1}])
def test_x_forwarded_for_counts_through_a_trusted_proxy(client):
    behind = {"X-Forwarded-For": "203.0.113.7"}
    for _ in range(4):
        assert client.get("/posts", headers=behind, **at("10.3.3.3")).status_code == 200
    assert_limited(client.get("/posts", headers=behind, **at("10.3.3.3")))
    other = {"X-Forwarded-For": "203.0.113.8"}
    assert client.get("/posts", headers=other, **at("10.3.3.3")).status_code == 200


def test_per_user_limit_follows_the_user_across_ips(client, auth):
    tokens = auth.signup_and_login("rl_user")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/members/me", headers=bearer, **at("10.4.0.1")).status_code == 200
    assert client.get("/members/me", headers=bearer, **at("10.4.0.2")).status_code == 200
    assert_limited(client.get("/members/me", headers=bearer, **at("10.4.0.3")))
    # A token we did not sign names nobody: it spends only its IP's budget.
    forged = {"Authorization": "Bearer not.a.token"}
    assert client.get("/posts", headers=forged, **at("10.4.0.4")).status_code == 200


def test_health_and_metrics_are_exempt(client):
    for _ in range(10):
        assert client.get("/healthz", **at("10.5.0.1")).status_code == 200
        assert client.get("/metrics", **at("10.5.0.1")).status_code == 200


def test_breaches_are_audited_once_per_window(app, client):
    from tests.protection.conftest import audit_events

    for _ in range(8):
        client.get("/posts", **at("10.6.0.1"))
    events = audit_events(app, "rate_limited")
    assert len(events) == 1
    assert events[0].ip == "10.6.0.1"
    assert events[0].reason == "read"


def classify(app: Any, endpoint: str, method: str) -> str:
    return policy.lookup(app, endpoint).rate_class(method)  # type: ignore[union-attr]


def test_every_endpoint_has_a_class(app):
    classes = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods or ():
            found = classify(app, rule.endpoint, method)
            assert found in (*ratelimit.CLASSES, ratelimit.EXEMPT), rule
            classes.add(found)
    assert {"login", "signup", "refresh", "write", "read", "page", "lookup"} <= classes
    expected = {
        ("auth.login", "POST"): "login",
        ("auth.login_page", "POST"): "login",
        ("auth.login_page", "GET"): "page",
        ("auth.create_member", "POST"): "signup",
        ("auth.signup_page", "POST"): "signup",
        ("auth.refresh_tokens", "POST"): "refresh",
        ("recipes.create_post", "POST"): "write",
        ("recipes.list_posts", "GET"): "read",
        ("ops.healthz", "GET"): ratelimit.EXEMPT,
        ("ops.readyz", "GET"): ratelimit.EXEMPT,
        ("ops.prometheus_metrics", "GET"): ratelimit.EXEMPT,
        # Second factors, re-authentication and passkeys prove identity: the login budget.
        ("auth.login_mfa", "POST"): "login",
        ("auth.reauthenticate", "POST"): "login",
        ("mfa.second_step", "POST"): "login",
        ("mfa.reauth", "POST"): "login",
        ("mfa.reauth", "GET"): "page",
        ("passkeys.login_with_passkey", "POST"): "login",
        ("passkeys.second_factor", "POST"): "login",
        ("passkeys.reauth_with_passkey", "POST"): "login",
        ("passkeys.login_options", "POST"): "lookup",
    }
    for (endpoint, method), wanted in expected.items():
        assert classify(app, endpoint, method) == wanted, endpoint


def test_views_added_later_are_limited_without_naming_them(app, client):
    extra = Blueprint("latecomer", __name__)

    @extra.get("/late")
    def late() -> dict[str, str]:
        return {"ok": "yes"}

    app.register_blueprint(extra)
    for _ in range(4):
        assert client.get("/late", **at("10.7.0.1")).status_code == 200
    assert_limited(client.get("/late", **at("10.7.0.1")))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket closes


DEAD_REDIS = {**STRICT, "ratelimit_storage": f"redis://127.0.0.1:{closed_port()}/0"}


@pytest.mark.parametrize("settings_overrides", [DEAD_REDIS])
def test_unreachable_redis_falls_back_to_memory_without_5xx(app, client, caplog):
    before = ratelimit.STORAGE_FAILURES._value.get()
    started = time.monotonic()
    statuses = [client.get("/posts", **at("10.8.0.1")).status_code for _ in range(6)]
    assert client.get("/healthz").status_code == 200
    assert all(status < 500 for status in statuses), statuses
    # Limits still hold, in process memory.
    assert statuses[:4] == [200] * 4
    assert statuses[4:] == [429, 429]
    assert ratelimit.STORAGE_FAILURES._value.get() == before + 1
    assert "rate-limit storage failed" in caplog.text
    assert time.monotonic() - started < 10


REDIS_URL = os.environ.get("MUNJIGI_TEST_REDIS_URL")


REDIS_PREFIX = f"munjigi-test-{secrets.token_hex(6)}"
ON_REDIS = {**STRICT, "ratelimit_storage": REDIS_URL or "", "ratelimit_key_prefix": REDIS_PREFIX}


@pytest.mark.skipif(not REDIS_URL, reason="set MUNJIGI_TEST_REDIS_URL to run against Redis")
@pytest.mark.parametrize("settings_overrides", [ON_REDIS])
def test_redis_storage_shares_one_limit_between_instances(app, database_url, tmp_path):
    import redis

    other = create_app(make_settings(database_url, tmp_path / "other", **ON_REDIS))
    server = redis.Redis.from_url(str(REDIS_URL))
    try:
        statuses = []
        for application in (app, other, app, other, app):
            with application.app_context():
                client = application.test_client()
                statuses.append(client.get("/posts", **at("10.9.0.1")).status_code)
        assert statuses == [200, 200, 200, 200, 429]
        assert list(server.scan_iter(match=f"*{REDIS_PREFIX}*"))
    finally:
        for key in server.scan_iter(match=f"*{REDIS_PREFIX}*"):
            server.delete(key)
        server.close()
        with other.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("settings_overrides", [{**STRICT, "ratelimit_storage": "database"}])
def test_database_storage_shares_one_limit_between_instances(app, database_url, tmp_path):
    other = create_app(
        make_settings(database_url, tmp_path / "other", **STRICT, ratelimit_storage="database")
    )
    statuses = []
    try:
        for application in (app, other, app, other, other):
            with application.app_context():
                statuses.append(
                    application.test_client().get("/posts", **at("10.9.1.1")).status_code
                )
    finally:
        with other.app_context():
            db.engine.dispose()
    assert statuses == [200, 200, 200, 200, 429]


def test_database_storage_counts_windows(app):
    storage = DatabaseStorage(engine=db.engine)
    key = "LIMITER/test/" + secrets.token_hex(4)
    assert storage.check()
    assert storage.get(key) == 0
    assert [storage.incr(key, 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr(key, 60, amount=2) == 5
    assert storage.get(key) == 5
    assert time.time() < storage.get_expiry(key) <= time.time() + 60
    storage.clear(key)
    assert storage.get(key) == 0
    long_key = "LIMITER/" + "x" * 400
    assert storage.incr(long_key, 1) == 1
    time.sleep(1.05)
    assert storage.get(long_key) == 0
    assert storage.incr(long_key, 1) == 1  # a new window starts at 1
    assert storage.reset() >= 1
