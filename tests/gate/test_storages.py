"""The limiter's storages: memory without timer threads, Redis falling back to memory under
threads with one log line and no error, through ``limits``' public API only."""

from __future__ import annotations

import logging
import threading
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from redis.backoff import NoBackoff
from redis.retry import Retry

from munjigi.security import ratelimit
from munjigi.security.ratelimit_fallback import FallbackStorage
from munjigi.security.ratelimit_storage import MemoryStorage
from tests.gate.private_redis import private_redis


def test_memory_storage_counts_per_window_and_starts_no_thread():
    storage = MemoryStorage()
    limiter = FixedWindowRateLimiter(storage)
    item = parse("3/second")
    threads = threading.active_count()
    results = [limiter.hit(item, "k") for _ in range(5)]
    assert results == [True, True, True, False, False]
    for n in range(2000):
        storage.incr(f"other-{n}", 1)
    assert threading.active_count() == threads  # limits' own storage starts timer threads
    time.sleep(1.1)
    assert limiter.hit(item, "k")  # a new window
    assert storage.get("other-1") == 0
    storage.incr("after", 1)  # the first hit after a second frees the expired counters
    assert storage.size() <= 2


def test_memory_storage_is_exact_under_threads():
    storage = MemoryStorage()

    def spend() -> None:
        for _ in range(500):
            storage.incr("shared", 60)

    pool = [threading.Thread(target=spend) for _ in range(8)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert storage.get("shared") == 4000


def test_redis_failure_falls_back_once_and_no_thread_sees_an_error(tmp_path, caplog):
    """Issue #13 item 5 at the storage: Redis killed while 8 threads count."""
    before = ratelimit.STORAGE_FAILURES._value.get()
    with private_redis(tmp_path) as (url, process):
        redis = storage_from_string(
            url, socket_connect_timeout=0.2, socket_timeout=0.2, retry=Retry(NoBackoff(), 0)
        )
        storage = FallbackStorage(
            redis, MemoryStorage(), retry_seconds=60, on_failure=ratelimit.STORAGE_FAILURES.inc
        )
        limiter = FixedWindowRateLimiter(storage)
        item = parse("100000/minute")
        errors: list[BaseException] = []
        counted = []
        started = threading.Barrier(9)

        def spend() -> None:
            started.wait()
            for _ in range(300):
                try:
                    counted.append(limiter.hit(item, "fault", "ip"))
                except BaseException as error:  # noqa: BLE001 - the test counts them
                    errors.append(error)

        pool = [threading.Thread(target=spend) for _ in range(8)]
        for thread in pool:
            thread.start()
        started.wait()
        time.sleep(0.05)
        process.kill()  # mid-run: some threads are inside a Redis call
        process.wait()
        with caplog.at_level(logging.ERROR):
            for thread in pool:
                thread.join(timeout=60)
    assert errors == []
    assert len(counted) == 8 * 300 and all(counted)
    assert storage.failed_over
    assert ratelimit.STORAGE_FAILURES._value.get() == before + 1
    assert caplog.text.count("rate-limit storage failed") == 1


def test_a_redis_that_answers_again_is_used_again(tmp_path):
    with private_redis(tmp_path) as (url, process):
        redis = storage_from_string(url, socket_timeout=0.2, socket_connect_timeout=0.2)
        storage = FallbackStorage(redis, MemoryStorage(), retry_seconds=0.0)
        storage.incr("k", 60)
        assert redis.get("k") == 1
    # Stopped: counted in memory, the caller sees nothing.
    assert storage.incr("k", 60) == 1
    assert storage.failed_over
