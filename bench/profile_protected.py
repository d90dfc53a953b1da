"""Where a bare and a protected GET spend their time: pyinstrument over N in-process requests.

The app is the bench app (production settings, SQLite in a temporary directory, rate limits
on but never refusing), driven by Flask's test client, so the profile shows the
application's share without gunicorn or the network. Prints, for both endpoints, the time
per request without the profiler and a breakdown by part (each sample goes to the innermost
part it is in), then the protected GET's top functions by self time; the full call trees
go to files.
Run: .venv/bin/python bench/profile_protected.py [requests]
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PASSWORD = "correct horse battery staple"
OTHER = "Flask, werkzeug, Flask-SQLAlchemy and the test client"
# (function name, a piece of its file's path) → the part of the request it stands for.
PARTS = (
    ("verified_claims", "decorators.py", "token: one parse, Ed25519 signature, claims"),
    ("check_access", "sessions.py", "session + user check (one Core SELECT, pool checkout)"),
    ("check", "ratelimit.py", "rate limiter (limits: keys, two counters)"),
    ("guard", "antibot.py", "anti-bot guard"),
    ("apply", "headers.py", "security headers (CSP nonce, …)"),
    ("start_request", "instrument.py", "request id, metrics, JSON log line"),
    ("finish_request", "instrument.py", "request id, metrics, JSON log line"),
    ("cors_after_request", "flask_cors", "flask-cors"),
    ("bare", "munjigi_bench_app.py", "the view (jsonify)"),
    ("protected_get", "munjigi_bench_app.py", "the view (jsonify)"),
)


def part_of(frame: Any) -> str | None:
    path = frame.file_path or ""
    for function, where, part in PARTS:
        if frame.function == function and where in path:
            return part
    return None


def breakdown(root: Any) -> dict[str, float]:
    """Seconds per part: each frame's self time goes to its innermost enclosing part."""
    totals: dict[str, float] = defaultdict(float)
    stack = [(root, OTHER)]
    while stack:
        frame, inherited = stack.pop()
        part = part_of(frame) or inherited
        children = frame.children
        totals[part] += frame.time - sum(child.time for child in children)
        stack.extend((child, part) for child in children)
    return dict(totals)


def main(requests: int = 3000) -> None:
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    work = Path(tempfile.mkdtemp(prefix="munjigi-profile-"))
    os.environ.update(
        {
            "MUNJIGI_ENV": "production",
            "MUNJIGI_PUBLIC_URL": "https://bench.munjigi.test",
            "MUNJIGI_SECRET_KEY": secrets.token_urlsafe(48),
            "MUNJIGI_DATABASE_URL": f"sqlite:///{work / 'profile.sqlite'}",
            "MUNJIGI_INSTANCE_PATH": str(work),
            # The request log line is written in production; keep it, but off the terminal.
            "MUNJIGI_LOG_LEVEL": "INFO",
        }
    )
    # The limiter stays on (its cost is part of every request) but never refuses.
    from run import limits_that_never_refuse

    os.environ.update(limits_that_never_refuse())
    import seed
    from munjigi_bench_app import create_bench_app

    app = create_bench_app()
    seed.migrate(app)
    seed.create_user(app, "bench_user", PASSWORD)
    client = app.test_client()
    login = client.post("/members/login", json={"username": "bench_user", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    client = app.test_client()  # no cookies from the login: the bare GET carries no token
    sys.stderr = open(work / "requests.log", "w")  # noqa: SIM115 - the request lines
    endpoints = {"bare": ("/bench/bare", {}), "protected": ("/bench/protected", headers)}
    for path, extra in endpoints.values():
        for _ in range(300):
            assert client.get(path, headers=extra).status_code == 200

    micros: dict[str, float] = {}
    for name, (path, extra) in endpoints.items():
        started = time.perf_counter()
        for _ in range(requests):
            assert client.get(path, headers=extra).status_code == 200
        micros[name] = (time.perf_counter() - started) / requests * 1e6
    shares: dict[str, dict[str, float]] = {}
    protected_profiler = None
    for name, (path, extra) in endpoints.items():
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(requests):
            client.get(path, headers=extra)
        profiler.stop()
        root = profiler.last_session.root_frame() if profiler.last_session else None
        totals = breakdown(root) if root else {}
        whole = sum(totals.values()) or 1.0
        shares[name] = {part: seconds / whole for part, seconds in totals.items()}
        (work / f"profile-{name}.txt").write_text(
            profiler.output_text(unicode=True, show_all=False)
        )
        protected_profiler = profiler
    sys.stderr = sys.__stderr__

    print(f"\nIn-process (test client), {requests} requests each, without the profiler:")
    for name, value in micros.items():
        print(f"  GET {endpoints[name][0]}: {value:.0f} µs per request")
    print(f"  → authentication adds {micros['protected'] - micros['bare']:.0f} µs\n")
    parts = sorted(
        {p for s in shares.values() for p in s}, key=lambda p: -shares["protected"].get(p, 0)
    )
    print("| part | bare: share | bare: µs | protected: share | protected: µs |")
    print("|---|---:|---:|---:|---:|")
    for part in parts:
        cells = []
        for name in ("bare", "protected"):
            share = shares[name].get(part, 0.0)
            cells += [f"{share:.0%}", f"{share * micros[name]:.0f}"]
        print(f"| {part} | " + " | ".join(cells) + " |")
    if protected_profiler is not None:
        flat = ConsoleRenderer(flat=True, time="percent_of_total", show_all=False)
        text = protected_profiler.output(flat)
        print("\nSelf time by function (pyinstrument, protected GET):")
        print("\n".join(text.splitlines()[:30]))
    print(f"\ncall trees: {work}/profile-bare.txt, {work}/profile-protected.txt")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
