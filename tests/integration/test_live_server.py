"""SPEC §3 across real processes: concurrent refreshes, and revocation seen by another instance."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import PASSWORD
from tests.integration.live import LiveServer
from tests.integration.live import gunicorn
from tests.integration.live import server_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live")]


@pytest.fixture
def env(database_url: str, tmp_path: Path, app: Any) -> dict[str, str]:
    # `app` empties the shared database after the test, like every other test.
    return server_env(database_url, tmp_path, secrets.token_urlsafe(48))


def signup_and_login(server: LiveServer, username: str = "live_user") -> dict[str, Any]:
    email = f"{username}@example.com"
    created = server.call(
        "POST", "/members/forms", {"username": username, "password": PASSWORD, "email": email}
    )
    assert created.status == 200, created.body
    login = server.call("POST", "/members/login", {"username": username, "password": PASSWORD})
    assert login.status == 200, login.body
    return login.body


def jti_of(token: str) -> str:
    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"])


def test_concurrent_refreshes_inside_grace_window_all_succeed_on_one_chain(
    env: dict[str, str],
) -> None:
    with gunicorn(env, workers=2, threads=2) as server:
        tokens = signup_and_login(server)
        bearer = {"Authorization": f"Bearer {tokens['refresh_token']}"}
        barrier = threading.Barrier(4)
        replies: list[Any] = []

        def refresh() -> None:
            barrier.wait()
            replies.append(server.call("POST", "/members/tokens", headers=bearer))

        threads = [threading.Thread(target=refresh) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert [r.status for r in replies] == [200] * 4, [r.body for r in replies]
        # One chain: every tab got the same successor (same jti), whatever the race.
        assert len({jti_of(r.body["refresh_token"]) for r in replies}) == 1
        # Each tab's copy keeps working inside the grace window, again on one chain.
        again = []
        for reply in replies:
            renewed = server.call(
                "POST",
                "/members/tokens",
                headers={"Authorization": f"Bearer {reply.body['refresh_token']}"},
            )
            assert renewed.status == 200, renewed.body
            again.append(jti_of(renewed.body["refresh_token"]))
            me = server.call(
                "GET",
                "/members/me",
                headers={"Authorization": f"Bearer {renewed.body['access_token']}"},
            )
            assert me.status == 200, me.body
        assert len(set(again)) == 1


def test_logout_on_one_instance_is_refused_by_the_other_on_the_next_request(
    env: dict[str, str],
) -> None:
    with gunicorn(env, workers=1) as first, gunicorn(env, workers=1) as second:
        tokens = signup_and_login(first)
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert second.call("GET", "/members/me", headers=bearer).status == 200

        assert second.call("POST", "/members/logout", headers=bearer).status == 200

        refused = first.call("GET", "/members/me", headers=bearer)
        assert refused.status == 401
        assert refused.body["code"] == "session_revoked"
        refresh = first.call(
            "POST",
            "/members/tokens",
            headers={"Authorization": f"Bearer {tokens['refresh_token']}"},
        )
        assert refresh.status == 401
