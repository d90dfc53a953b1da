"""In-process A/B for the revocation check: protected GET before and after N revoked sessions.

Single-threaded, through Flask's test client, alternating short batches of the protected
GET and the bare endpoint so that machine noise hits both equally. Run:
.venv/bin/python bench/revoked_ab.py [revoked] [requests per batch]
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PASSWORD = "correct horse battery staple"


def per_request_us(client, path: str, headers: dict[str, str], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        assert client.get(path, headers=headers).status_code == 200
    return (time.perf_counter() - started) / n * 1e6


def measure(client, headers: dict[str, str], n: int, batches: int = 7) -> tuple[float, float]:
    """Median µs per request of (protected, bare), batches interleaved."""
    protected, bare = [], []
    for _ in range(batches):
        protected.append(per_request_us(client, "/bench/protected", headers, n))
        bare.append(per_request_us(client, "/bench/bare", {}, n))
    return statistics.median(protected), statistics.median(bare)


def main(revoked: int = 1_000_000, n: int = 1000) -> None:
    work = Path(tempfile.mkdtemp(prefix="munjigi-revoked-"))
    os.environ.update(
        {
            "MUNJIGI_ENV": "production",
            "MUNJIGI_SECRET_KEY": secrets.token_urlsafe(48),
            "MUNJIGI_DATABASE_URL": os.environ.get("BENCH_AB_DATABASE_URL")
            or f"sqlite:///{work / 'ab.sqlite'}",
            "MUNJIGI_INSTANCE_PATH": str(work),
            "MUNJIGI_LOG_LEVEL": "WARNING",
            "MUNJIGI_PUBLIC_URL": "https://bench.munjigi.test",
        }
    )
    # The limiter stays on (its cost is part of every request) but never refuses.
    from run import limits_that_never_refuse

    os.environ.update(limits_that_never_refuse())
    import seed
    from munjigi_bench_app import create_bench_app

    app = create_bench_app()
    seed.migrate(app)
    user_id = seed.create_user(app, "bench_user", PASSWORD)
    client = app.test_client()
    login = client.post("/members/login", json={"username": "bench_user", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    measure(client, headers, n // 4, batches=2)  # warm up
    before = measure(client, headers, n)
    took = seed.insert_revoked_sessions(app, user_id, revoked)
    measure(client, headers, n // 4, batches=2)
    after = measure(client, headers, n)
    auth_before, auth_after = before[0] - before[1], after[0] - after[1]
    print(f"inserted {revoked:,} revoked sessions in {took:.1f}s")
    print(
        f"before: protected {before[0]:.0f} µs, bare {before[1]:.0f} µs, auth {auth_before:.0f} µs"
    )
    print(f"after:  protected {after[0]:.0f} µs, bare {after[1]:.0f} µs, auth {auth_after:.0f} µs")
    loss = 1 - (after[1] / after[0]) / (before[1] / before[0])
    print(f"protected throughput relative to bare: {loss:+.1%} loss")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
