"""A limit on the database storage is shared by two real gunicorn workers (no Redis)."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.integration.live import gunicorn
from tests.integration.live import gunicorn_configured
from tests.integration.live import server_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live")]
LIMIT = 10


@pytest.fixture
def env(database_url: str, tmp_path: Path, app: Any) -> dict[str, str]:
    # `app` empties the shared database after the test, like every other test.
    return server_env(
        database_url,
        tmp_path,
        secrets.token_urlsafe(48),
        MUNJIGI_RATELIMIT_ENABLED="true",
        MUNJIGI_RATELIMIT_LOOKUP=f"{LIMIT}/minute",
    )


def hammer(server: Any, count: int = 30, threads: int = 6) -> list[int]:
    """``count`` username checks (a "lookup" endpoint) from ``threads`` at once, so both
    workers answer some (the start-up probe reads /.well-known/jwks.json, another class)."""
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for _ in range(n):
            status = server.call("POST", "/members/validation", {"username": "anyone"}).status
            with lock:
                statuses.append(status)

    pool = [threading.Thread(target=worker, args=(count // threads,)) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return statuses


def test_database_storage_limit_is_shared_by_two_workers(env):
    env["MUNJIGI_RATELIMIT_STORAGE"] = "database"
    with gunicorn(env, workers=2) as server:
        statuses = hammer(server)
    assert sorted(set(statuses)) == [200, 429], statuses
    assert statuses.count(200) == LIMIT


def test_default_settings_share_a_security_limit_between_two_workers(env):
    """No storage configured (the default "shared"): the lookup class is counted in the
    database, so two workers together allow the limit once, not twice."""
    assert "MUNJIGI_RATELIMIT_STORAGE" not in env
    with gunicorn(env, workers=2) as server:
        statuses = hammer(server)
    assert sorted(set(statuses)) == [200, 429], statuses
    assert statuses.count(200) == LIMIT


def test_default_settings_split_a_high_volume_limit_across_workers(env):
    """The read class stays in process memory, each worker allowing its share: together
    never more than the limit (gunicorn.conf.py tells the app how many workers there are)."""
    env["MUNJIGI_RATELIMIT_READ"] = f"{LIMIT}/minute"
    env["MUNJIGI_RATELIMIT_USER_READ"] = ""
    statuses: list[int] = []
    lock = threading.Lock()
    with gunicorn_configured(env, workers=2, threads=2) as server:

        def worker() -> None:
            for _ in range(5):
                status = server.call("GET", "/posts").status
                with lock:
                    statuses.append(status)

        pool = [threading.Thread(target=worker) for _ in range(6)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    assert 429 in statuses
    assert statuses.count(200) <= LIMIT, statuses
