"""Issue #13 item 5: Redis killed under concurrent gthread load → zero 5xx, one log line per
worker. A private redis-server (started here, loopback) behind real gunicorn workers."""

from __future__ import annotations

import secrets
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.gate.private_redis import private_redis
from tests.integration.live import gunicorn_configured
from tests.integration.live import log_text
from tests.integration.live import server_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live")]
WORKERS = 2
SECONDS = 4.0


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_redis_killed_under_gthread_load_answers_no_5xx(
    database_url: str, tmp_path: Path, app: Any
) -> None:
    with private_redis(tmp_path) as (redis_url, redis_process):
        env = server_env(
            database_url,
            tmp_path,
            secrets.token_urlsafe(48),
            MUNJIGI_RATELIMIT_ENABLED="true",
            MUNJIGI_RATELIMIT_STORAGE=redis_url,
            MUNJIGI_RATELIMIT_READ="100000/minute",
            MUNJIGI_RATELIMIT_USER_READ="100000/minute",
        )
        statuses: list[int] = []
        lock = threading.Lock()
        with gunicorn_configured(env, workers=WORKERS, threads=4) as server:
            deadline = time.monotonic() + SECONDS

            def load() -> None:
                while time.monotonic() < deadline:
                    found = status_of(server.base + "/posts")
                    with lock:
                        statuses.append(found)

            pool = [threading.Thread(target=load) for _ in range(8)]
            for thread in pool:
                thread.start()
            time.sleep(SECONDS / 3)
            redis_process.kill()  # in the middle of the load
            for thread in pool:
                thread.join(timeout=60)
            log = log_text(env, server)
    assert statuses, "no request was answered"
    assert all(status < 500 for status in statuses), sorted(set(statuses))
    assert statuses.count(200) == len(statuses)
    failures = log.count("rate-limit storage failed")
    assert 1 <= failures <= WORKERS, failures  # once per worker that counted, never twice
