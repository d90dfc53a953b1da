"""`make bench`: Munjigi and the Flask-JWT-Extended reference peer under wrk, one table.

Both apps run under gunicorn on loopback with the same workers and threads (those of
gunicorn.conf.py, the production settings) and the same database backend. Each scenario
runs BENCH_RUNS times for BENCH_SECONDS, Munjigi and the peer interleaved, and the table
shows medians. Knobs (all optional): BENCH_SECONDS (5), BENCH_RUNS (3), BENCH_CONNECTIONS
(32), BENCH_WRK_THREADS (2), BENCH_REVOKED (1000000; 0 skips that step), BENCH_USERS
(1000000 users for the admin search; 0 skips it), BENCH_DATABASE (sqlite, or postgres with
BENCH_POSTGRES_URL, an admin URL), BENCH_WORKERS, BENCH_THREADS, BENCH_REFRESH_TOKENS (per
run, 6000), BENCH_PROFILE (1: also profile the protected GET), BENCH_WRITE_DOCS (1: put the
table, the command and the load average into docs/performance.md).
"""

from __future__ import annotations

import json
import os
import runpy
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import loadgen  # noqa: E402
import report  # noqa: E402
import search  # noqa: E402
import seed  # noqa: E402

PASSWORD = "correct horse battery staple"
USER = "bench_user"


def knob(name: str, default: int) -> int:
    return int(os.environ.get(f"BENCH_{name}") or default)


SECONDS, RUNS = knob("SECONDS", 5), knob("RUNS", 3)
CONNECTIONS, WRK_THREADS = knob("CONNECTIONS", 32), knob("WRK_THREADS", 2)
REVOKED, REFRESH_TOKENS = knob("REVOKED", 1_000_000), knob("REFRESH_TOKENS", 6000)
USERS = knob("USERS", 1_000_000)
ADMIN = "bench_admin"
# Production refuses to start without its public address (links in mail, passkeys' RP id).
PUBLIC_URL = "https://bench.munjigi.test"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
DOCS = ROOT / "docs" / "performance.md"
DOCS_BEGIN, DOCS_END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"
PROFILE_BEGIN, PROFILE_END = "<!-- profile:begin -->", "<!-- profile:end -->"
# The 1-minute load average, sampled before every wrk run: the machine's other work.
LOAD: list[float] = []


def gunicorn_shape() -> tuple[int, int]:
    """Workers and threads: the production config's unless BENCH_WORKERS/BENCH_THREADS say."""
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return knob("WORKERS", conf["workers"]), knob("THREADS", conf["threads"])


def databases(work: Path) -> tuple[str, Callable[[], None]]:
    """A database URL for this run (Munjigi and the peer use separate tables) and its cleanup."""
    if os.environ.get("BENCH_DATABASE", "sqlite") != "postgres":
        return f"sqlite:///{work / 'bench.sqlite'}", lambda: None
    import sqlalchemy as sa

    admin = sa.make_url(os.environ["BENCH_POSTGRES_URL"]).set(drivername="postgresql+psycopg")
    name = f"munjigi_bench_{secrets.token_hex(4)}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return admin.set(database=name).render_as_string(hide_password=False), drop


def start(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT)


def wait_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"server did not start:\n{log.read_text()[-3000:]}")


def post_json(url: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        cookies = {}
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name] = rest.split(";", 1)[0]
        return json.loads(response.read()), cookies


def scenarios(munjigi: dict[str, Any], peer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per scenario, the wrk arguments for each app (None: the app has no such scenario)."""
    login_body = json.dumps({"username": USER, "password": PASSWORD})

    def cookie(app: dict[str, Any]) -> dict[str, str]:
        jar = f"access_token_cookie={app['access']}; csrf_access_token={app['csrf']}"
        return {"Cookie": jar}

    def bearer(app: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {app['access']}"}

    def both(**spec: Any) -> dict[str, Any]:
        return {"munjigi": spec, "peer": spec}

    return {
        "bare": both(path="/bench/bare"),
        "bearer": {
            name: {
                "path": "/bench/protected",
                "headers": {"Authorization": f"Bearer {a['access']}"},
            }
            for name, a in (("munjigi", munjigi), ("peer", peer))
        },
        "cookie_get": {
            name: {"path": "/bench/protected", "headers": cookie(a)}
            for name, a in (("munjigi", munjigi), ("peer", peer))
        },
        "cookie_post": {
            name: {
                "path": "/bench/protected",
                "method": "POST",
                "headers": {**cookie(a), "X-CSRF-TOKEN": a["csrf"]},
            }
            for name, a in (("munjigi", munjigi), ("peer", peer))
        },
        "me": {
            "munjigi": {
                "path": "/members/me",
                "headers": {"Authorization": f"Bearer {munjigi['access']}"},
            }
        },
        "refresh": {
            "munjigi": {"path": "/members/tokens", "method": "POST", "tokens": True},
            "peer": {
                "path": "/members/tokens",
                "method": "POST",
                "headers": {"Authorization": f"Bearer {peer['refresh']}"},
            },
        },
        "login": both(path="/members/login", method="POST", body=login_body),
    }


def wrk_once(
    wrk: str,
    base: str,
    spec: dict[str, Any],
    tokens: Path | None,
    *,
    connections: int = CONNECTIONS,
) -> loadgen.Result:
    LOAD.append(os.getloadavg()[0])
    return loadgen.run(
        wrk,
        base + spec["path"],
        seconds=SECONDS,
        connections=connections,
        threads=min(WRK_THREADS, connections),
        method=spec.get("method", "GET"),
        headers=spec.get("headers"),
        body=spec.get("body"),
        tokens_file=tokens if spec.get("tokens") else None,
        paths_file=spec.get("paths"),
    )


def limits_that_never_refuse() -> dict[str, str]:
    """Rate limits stay on (their cost is part of every request) but never refuse wrk."""
    import munjigi.config as config

    classes = getattr(config, "RATELIMIT_CLASSES", ())
    user_classes = getattr(config, "RATELIMIT_USER_CLASSES", ())
    env = {f"MUNJIGI_RATELIMIT_{name.upper()}": "1000000/second" for name in classes}
    env.update({f"MUNJIGI_RATELIMIT_USER_{n.upper()}": "1000000/second" for n in user_classes})
    return env


def argon2_median_seconds(samples: int = 15) -> float:
    """Median time of one production-cost argon2id hash (Munjigi's hasher and defaults)."""
    from munjigi.config import Settings
    from munjigi.security.passwords import PasswordHasher

    defaults = Settings()
    hasher = PasswordHasher(
        time_cost=defaults.argon2_time_cost,
        memory_cost=defaults.argon2_memory_cost,
        parallelism=defaults.argon2_parallelism,
    )
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        hasher.hash(PASSWORD)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    wrk = loadgen.ensure_wrk()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    work = ROOT / "instance" / "bench" / stamp
    work.mkdir(parents=True)
    database_url, drop_database = databases(work)
    workers, threads = gunicorn_shape()
    print(
        f"bench: {database_url.split('://')[0]}, gunicorn {workers}×{threads} gthread, "
        f"wrk -t{WRK_THREADS} -c{CONNECTIONS} -d{SECONDS}s × {RUNS}, work dir {work}"
    )

    secret = secrets.token_urlsafe(48)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUNJIGI_")}
    munjigi_env = {
        **env,
        "MUNJIGI_ENV": "production",
        "MUNJIGI_PUBLIC_URL": PUBLIC_URL,
        "MUNJIGI_SECRET_KEY": secret,
        "MUNJIGI_DATABASE_URL": database_url,
        "MUNJIGI_INSTANCE_PATH": str(work),
        "PROMETHEUS_MULTIPROC_DIR": str(work / "prometheus"),
        **limits_that_never_refuse(),
    }
    app = seed.app_for(munjigi_env)
    seed.migrate(app)
    user_id = seed.create_user(app, USER, PASSWORD)
    seed.create_user(app, ADMIN, PASSWORD)
    search.make_admin(app, ADMIN)
    token_files = [work / f"refresh-{run}.txt" for run in range(RUNS)]
    spent = sum(seed.write_refresh_tokens(app, USER, REFRESH_TOKENS, f) for f in token_files)
    print(f"seeded {RUNS}×{REFRESH_TOKENS} sessions for refresh in {spent:.1f}s")

    peer_env = {**env, "BENCH_PEER_DATABASE_URL": database_url, "BENCH_PEER_SECRET": secret}
    os.environ.update({k: peer_env[k] for k in ("BENCH_PEER_DATABASE_URL", "BENCH_PEER_SECRET")})
    import peer_app

    peer_app.seed(peer_app.create_peer_app(), USER, PASSWORD)

    ports = {"munjigi": loadgen_port(), "peer": loadgen_port()}
    shape = ["--workers", str(workers), "--threads", str(threads)]
    python = [sys.executable, "-m", "gunicorn", "--bind"]
    processes = {
        "munjigi": start(
            [
                *python,
                f"127.0.0.1:{ports['munjigi']}",
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                *shape,
                "--pythonpath",
                str(HERE),
                "munjigi_bench_app:create_bench_app()",
            ],
            munjigi_env,
            ROOT,
            work / "munjigi.log",
        ),
        "peer": start(
            [
                *python,
                f"127.0.0.1:{ports['peer']}",
                "--worker-class",
                "gthread",
                *shape,
                "--keep-alive",
                "65",
                "--no-control-socket",
                "--pythonpath",
                str(HERE),
                "peer_app:create_peer_app()",
            ],
            peer_env,
            HERE,
            work / "peer.log",
        ),
    }
    bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        for name in processes:
            wait_up(bases[name] + "/bench/bare", processes[name], work / f"{name}.log")
        m_body, _ = post_json(
            bases["munjigi"] + "/members/login", {"username": USER, "password": PASSWORD}
        )
        p_body, p_cookies = post_json(
            bases["peer"] + "/members/login", {"username": USER, "password": PASSWORD}
        )
        creds = {
            "munjigi": {"access": m_body["access_token"], "csrf": m_body["csrf_token"]},
            "peer": {
                "access": p_body["access_token"],
                "csrf": p_cookies["csrf_access_token"],
                "refresh": p_body["refresh_token"],
            },
        }
        plan = scenarios(creds["munjigi"], creds["peer"])
        results: dict[str, dict[str, list[loadgen.Result]]] = {s: {} for s in plan}

        for name in ("munjigi", "peer"):  # warm up: imports, pools, key caches
            loadgen.run(wrk, bases[name] + "/bench/bare", seconds=1, connections=4, threads=1)
        hash_seconds = argon2_median_seconds()
        for run in range(RUNS):
            for scenario, per_app in plan.items():
                for name, spec in per_app.items():
                    result = wrk_once(wrk, bases[name], spec, token_files[run])
                    results[scenario].setdefault(name, []).append(result)
                    time.sleep(0.5)  # let a backlog of queued requests drain
            print(f"run {run + 1}/{RUNS} done")
        hash_seconds = statistics.median([hash_seconds, argon2_median_seconds()])

        if REVOKED:
            took = seed.insert_revoked_sessions(app, user_id, REVOKED)
            print(f"inserted {REVOKED:,} revoked sessions in {took:.1f}s")
            for _ in range(RUNS):
                for scenario, key in (("bare", "bare_after"), ("bearer", "bearer_after")):
                    result = wrk_once(wrk, bases["munjigi"], plan[scenario]["munjigi"], None)
                    results.setdefault(key, {}).setdefault("munjigi", []).append(result)

        if USERS:
            shared_hash = seed.password_hash(app, PASSWORD)
            took = search.seed_users(app, USERS, shared_hash)
            print(f"inserted {USERS:,} users in {took:.1f}s ({search.user_count(app):,} in all)")
            _, cookies = post_json(
                bases["munjigi"] + "/members/login", {"username": ADMIN, "password": PASSWORD}
            )
            jar = "; ".join(f"{name}={value}" for name, value in cookies.items())
            paths = search.write_paths(search.search_paths(app), work / "search-paths.txt")
            # A person in a browser: the anti-bot guard refuses scripted agents on pages.
            headers = {"Cookie": jar, "User-Agent": BROWSER_UA, "Accept": "text/html"}
            spec = {"path": "/admin/users", "headers": headers, "paths": paths}
            for _ in range(RUNS):
                for key, conns in (("search_1", 1), ("search", CONNECTIONS)):
                    result = wrk_once(wrk, bases["munjigi"], spec, None, connections=conns)
                    results.setdefault(key, {}).setdefault("munjigi", []).append(result)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        drop_database()

    load = f"{min(LOAD):.1f}–{max(LOAD):.1f} (median {statistics.median(LOAD):.1f})"
    text = report.render(
        results,
        hash_seconds=hash_seconds,
        cores=os.cpu_count() or 1,
        revoked=REVOKED,
        users=USERS,
        connections=CONNECTIONS,
        setup=f"{database_url.split('://')[0]}; {os.cpu_count()} cores; gunicorn {workers} "
        f"workers × {threads} threads (gthread); wrk -t{WRK_THREADS} -c{CONNECTIONS}, "
        f"{RUNS} × {SECONDS}s, medians; 1-minute load average before the runs {load}",
    )
    print(text)
    (work / "results.md").write_text(text)
    (work / "results.json").write_text(json.dumps(report.as_json(results), indent=1))
    print(f"written to {work / 'results.md'}")
    if os.environ.get("BENCH_WRITE_DOCS", "1") == "1":
        write_docs(text)
        print(f"and to {DOCS.relative_to(ROOT)}")
    if os.environ.get("BENCH_PROFILE", "1") == "1":
        profile = subprocess.run(
            [sys.executable, str(HERE / "profile_protected.py")],
            check=False,
            capture_output=True,
            text=True,
        )
        print(profile.stdout)
        if profile.returncode == 0 and os.environ.get("BENCH_WRITE_DOCS", "1") == "1":
            write_docs_block(PROFILE_BEGIN, PROFILE_END, profile_summary(profile.stdout))


def command() -> str:
    """The command that reproduces this run: the BENCH_ knobs that were set, then make."""
    knobs = sorted(
        f"{k}={v}"
        for k, v in os.environ.items()
        if k.startswith("BENCH_") and k not in ("BENCH_PEER_DATABASE_URL", "BENCH_PEER_SECRET")
    )
    return " ".join([*knobs, "make bench"])


def write_docs(table: str) -> None:
    """Replace the results block of docs/performance.md with this run's."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    write_docs_block(DOCS_BEGIN, DOCS_END, f"Run of {stamp}: `{command()}`\n\n{table}")


def profile_summary(stdout: str) -> str:
    """The per-request times and the breakdown table of profile_protected.py's output."""
    lines = stdout.splitlines()
    times = [f"- {line.strip()}" for line in lines if line.lstrip().startswith(("GET ", "→"))]
    table = [line for line in lines if line.startswith("|")]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    head = f"Profile of {stamp} (load average {load}), without the profiler:"
    return "\n".join([head, "", *times, "", *table]) + "\n"


def write_docs_block(begin: str, end: str, body: str) -> None:
    """Replace what stands between ``begin`` and ``end`` in docs/performance.md."""
    block = f"{begin}\n{body}{end}"
    text = DOCS.read_text(encoding="utf-8")
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(text, encoding="utf-8")


def loadgen_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
