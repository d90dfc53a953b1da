"""Where a protected GET spends its time: pyinstrument over N in-process requests.

The app is the bench app (production settings, SQLite in a temporary directory), driven by
Flask's test client, so the profile shows the application's share without gunicorn or the
network. Prints the flat self-time list (top functions) and the call tree's top levels.
Run: .venv/bin/python bench/profile_protected.py [requests]
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PASSWORD = "correct horse battery staple"


def main(requests: int = 3000) -> None:
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    work = Path(tempfile.mkdtemp(prefix="munjigi-profile-"))
    os.environ.update(
        {
            "MUNJIGI_ENV": "production",
            "MUNJIGI_SECRET_KEY": secrets.token_urlsafe(48),
            "MUNJIGI_DATABASE_URL": f"sqlite:///{work / 'profile.sqlite'}",
            "MUNJIGI_INSTANCE_PATH": str(work),
            # The request log line is written in production; keep it, but off the terminal.
            "MUNJIGI_LOG_LEVEL": "INFO",
        }
    )
    import seed
    from munjigi_bench_app import create_bench_app

    app = create_bench_app()
    seed.migrate(app)
    seed.create_user(app, "bench_user", PASSWORD)
    client = app.test_client()
    login = client.post("/members/login", json={"username": "bench_user", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    sys.stderr = open(work / "requests.log", "w")  # noqa: SIM115 - the request lines
    for _ in range(300):
        client.get("/bench/protected", headers=headers)
        client.get("/bench/bare")

    timings = {}
    for path, extra in (("/bench/bare", {}), ("/bench/protected", headers)):
        started = time.perf_counter()
        for _ in range(requests):
            assert client.get(path, headers=extra).status_code == 200
        timings[path] = (time.perf_counter() - started) / requests * 1e6
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(requests):
        client.get("/bench/protected", headers=headers)
    profiler.stop()
    sys.stderr = sys.__stderr__

    print(f"\nIn-process (test client), {requests} requests each:")
    for path, micros in timings.items():
        print(f"  {path}: {micros:.0f} µs per request")
    print(
        f"  → authentication adds {timings['/bench/protected'] - timings['/bench/bare']:.0f} µs\n"
    )
    flat = ConsoleRenderer(flat=True, time="percent_of_total", show_all=False)
    text = profiler.output(flat)
    print("Self time by function (pyinstrument, protected GET):")
    print("\n".join(text.splitlines()[:40]))
    (work / "profile-tree.txt").write_text(profiler.output_text(unicode=True, show_all=False))
    print(f"\ncall tree: {work / 'profile-tree.txt'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
