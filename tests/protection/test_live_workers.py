"""A limit on the database storage is shared by two real gunicorn workers (no Redis)."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.integration.live import gunicorn
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
