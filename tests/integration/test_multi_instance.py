"""SPEC §3/§8 across two gunicorn instances sharing one database: sessions, revocation, keys.

(The Bearer logout-on-B-refused-on-A case is in test_live_server.py; this file adds the cookie
transport, refresh rotation across instances and a key rotated by the CLI.)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import jwt
import pytest
import redis

from tests.helpers import PASSWORD
from tests.integration.live import LiveServer
from tests.integration.live import flask_cli
from tests.integration.live import gunicorn
from tests.integration.live import log_text
from tests.integration.live import server_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live")]

REDIS_URL = os.environ.get("MUNJIGI_TEST_REDIS_URL")
LIMIT = 4


@pytest.fixture
def env(database_url: str, tmp_path: Path, app: Any) -> dict[str, str]:
    # `app` empties the shared database after the test, like every other test.
    return server_env(database_url, tmp_path, secrets.token_urlsafe(48))


def signup_and_login(server: LiveServer, username: str) -> dict[str, Any]:
    email = f"{username}@example.com"
    created = server.call(
        "POST", "/members/forms", {"username": username, "password": PASSWORD, "email": email}
    )
    assert created.status == 200, created.body
    return login(server, username)


def login(server: LiveServer, username: str) -> dict[str, Any]:
    reply = server.call("POST", "/members/login", {"username": username, "password": PASSWORD})
    assert reply.status == 200, reply.body
    return reply.body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def cookies(tokens: dict[str, Any], *, csrf: bool = False) -> dict[str, str]:
    """What a browser sends after a login: the access cookies (and the CSRF header)."""
    jar = f"access_token_cookie={tokens['access_token']}; csrf_access_token={tokens['csrf_token']}"
    headers = {"Cookie": jar}
    if csrf:
        headers["X-CSRF-TOKEN"] = tokens["csrf_token"]
    return headers


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def secrets_in(*bodies: dict[str, Any]) -> set[str]:
    fields = ("access_token", "refresh_token", "csrf_token", "csrf_refresh_token")
    return {PASSWORD} | {body[f] for body in bodies for f in fields if body.get(f)}


def test_a_session_moves_between_instances_and_a_cookie_logout_ends_it_everywhere(env):
    with gunicorn(env, workers=1, threads=2) as a, gunicorn(env, workers=1, threads=2) as b:
        first = signup_and_login(a, "roaming_cook")
        assert b.call("GET", "/members/me", headers=bearer(first["access_token"])).status == 200
        assert b.call("GET", "/members/me", headers=cookies(first)).status == 200

        # Rotation on B; A accepts the new pair at once, and the old refresh token is spent.
        rotated = b.call("POST", "/members/tokens", headers=bearer(first["refresh_token"]))
        assert rotated.status == 200, rotated.body
        tokens = rotated.body
        assert a.call("GET", "/members/me", headers=bearer(tokens["access_token"])).status == 200

        # Logout on B through the browser transport: cookies + X-CSRF-TOKEN.
        out = b.call("POST", "/members/logout", headers=cookies(tokens, csrf=True))
        assert out.status == 200, out.body

        for headers in (bearer(tokens["access_token"]), cookies(tokens)):
            refused = a.call("GET", "/members/me", headers=headers)
            assert (refused.status, refused.body["code"]) == (401, "session_revoked")
        again = a.call("POST", "/members/tokens", headers=bearer(tokens["refresh_token"]))
        assert again.status == 401

        logs = log_text(env, a) + log_text(env, b)
        assert '"logger": "munjigi.request"' in logs
        assert [s for s in secrets_in(first, tokens) if s in logs] == []


def test_a_key_rotated_by_the_cli_is_honoured_by_both_instances(env):
    with gunicorn(env, workers=1, threads=2) as a, gunicorn(env, workers=1, threads=2) as b:
        old = signup_and_login(a, "key_keeper")
        old_kid = kid_of(old["access_token"])
        # Both instances have cached the old key set.
        assert b.call("GET", "/members/me", headers=bearer(old["access_token"])).status == 200

        rotated = flask_cli(env, "munjigi", "rotate-keys")
        assert rotated.returncode == 0, rotated.stderr[-2000:]
        new_kid = rotated.stdout.strip().rsplit(" ", 1)[-1]
        assert new_kid != old_kid

        on_a, on_b = login(a, "key_keeper"), login(b, "key_keeper")
        assert kid_of(on_a["access_token"]) == kid_of(on_b["access_token"]) == new_kid
        for server in (a, b):
            for tokens in (old, on_a, on_b):
                reply = server.call("GET", "/members/me", headers=bearer(tokens["access_token"]))
                assert reply.status == 200, (server.base, reply.body)
        # An old refresh token still rotates, into tokens signed by the new key.
        refreshed = b.call("POST", "/members/tokens", headers=bearer(old["refresh_token"]))
        assert refreshed.status == 200, refreshed.body
        assert kid_of(refreshed.body["access_token"]) == new_kid

        for server in (a, b):
            jwks = server.call("GET", "/.well-known/jwks.json")
            assert {key["kid"] for key in jwks.body["keys"]} >= {old_kid, new_kid}


def alternate(a: LiveServer, b: LiveServer, count: int) -> list[int]:
    """Username checks (the "lookup" limit class) sent to A, B, A, B, …"""
    servers = (a, b)
    return [
        servers[i % 2].call("POST", "/members/validation", {"username": "anyone"}).status
        for i in range(count)
    ]


def limited(env: dict[str, str], storage: str) -> dict[str, str]:
    # Per hour, so a window boundary practically never falls inside the test.
    return {
        **env,
        "MUNJIGI_RATELIMIT_ENABLED": "true",
        "MUNJIGI_RATELIMIT_STORAGE": storage,
        "MUNJIGI_RATELIMIT_LOOKUP": f"{LIMIT}/hour",
    }


def test_a_rate_limit_in_the_database_is_counted_across_both_instances(env):
    env = limited(env, "database")
    with gunicorn(env, workers=1) as a, gunicorn(env, workers=1) as b:
        assert alternate(a, b, LIMIT + 3) == [200] * LIMIT + [429] * 3


@pytest.mark.skipif(not REDIS_URL, reason="set MUNJIGI_TEST_REDIS_URL to share limits in Redis")
@pytest.mark.parametrize("backend", ["sqlite"], scope="session")
def test_a_rate_limit_in_redis_is_counted_across_both_instances(backend, env):
    prefix = f"munjigi-test-{secrets.token_hex(6)}"
    env = {**limited(env, str(REDIS_URL)), "MUNJIGI_RATELIMIT_KEY_PREFIX": prefix}
    client = redis.Redis.from_url(str(REDIS_URL))
    try:
        with gunicorn(env, workers=1) as a, gunicorn(env, workers=1) as b:
            assert alternate(a, b, LIMIT + 3) == [200] * LIMIT + [429] * 3
        assert any(True for _ in client.scan_iter(match=f"*{prefix}*"))
    finally:
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        client.close()
