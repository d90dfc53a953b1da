"""The default "shared" storage: security classes in the shared storage, whole; high-volume
classes in process memory, each limit cut to this process's share."""

from __future__ import annotations

import pytest

from munjigi.config import Settings
from munjigi.security.exceptions import RateLimitedError
from munjigi.security.ratelimit import SHARED_CLASSES
from munjigi.security.ratelimit import RateLimiter
from munjigi.security.ratelimit_storage import MemoryStorage


def spend(app, limiter: RateLimiter, cls: str, times: int) -> int:
    """How many of ``times`` requests of class ``cls`` from one IP are let through."""
    allowed = 0
    for _ in range(times):
        with app.test_request_context(environ_base={"REMOTE_ADDR": "10.20.0.1"}):
            try:
                limiter.check(cls)
                allowed += 1
            except RateLimitedError:
                pass
    return allowed


def test_shared_classes_count_whole_in_the_shared_storage(app):
    settings = Settings.for_testing(ratelimit_lookup="10/minute", ratelimit_read="10/minute")
    shared, local = MemoryStorage(), MemoryStorage()
    limiter = RateLimiter(settings, shared, local, share=4)
    assert {"login", "signup", "refresh", "lookup"} == SHARED_CLASSES
    assert spend(app, limiter, "lookup", 15) == 10
    assert shared.size() == 1 and local.size() == 0
    # A high-volume class: this process's quarter of 10, rounded up.
    assert spend(app, limiter, "read", 15) == 3
    assert local.size() == 1


@pytest.mark.parametrize(("limit", "share", "each"), [(10, 1, 10), (10, 3, 4), (5, 8, 1)])
def test_the_split_never_allows_more_than_the_limit_plus_rounding(app, limit, share, each):
    settings = Settings.for_testing(ratelimit_write=f"{limit}/minute", ratelimit_user_write="")
    limiter = RateLimiter(settings, MemoryStorage(), MemoryStorage(), share=share)
    assert spend(app, limiter, "write", limit * 2) == each
    assert share * each <= limit + share - 1
