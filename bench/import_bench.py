"""`make bench-import`: import a large 한끼얼마 database from SQLite into SQLite and PostgreSQL.

Not part of `make test`. Builds a source with IMPORT_USERS members (default 100,000; one
precomputed bcrypt hash shared by all: hashing 100,000 would take hours on 2 cores) and
IMPORT_RECIPES posts (default 1,000,000, each with one of 200 ingredients, a third of them
without an author), then runs `flask munjigi import hankki --apply` in a child process per
target and reports rows per second and the child's resident memory (peak, and sampled at
a quarter, half and three quarters of the run: flat when the import streams).
IMPORT_BATCH sets --batch-size (default 1000). Targets: IMPORT_TARGETS (default "sqlite postgres"); PostgreSQL needs IMPORT_POSTGRES_URL
or MUNJIGI_TEST_POSTGRES_URL (an admin URL: a scratch database is created and dropped).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import bcrypt
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests import backends  # noqa: E402
from tests.imports.sourcedb import hankki_metadata  # noqa: E402

CHUNK = 20_000


def build_source(path: Path, users: int, recipes: int) -> None:
    """A 한끼얼마 SQLite database of the requested size, written in chunks."""
    engine = sa.create_engine(f"sqlite:///{path}")
    md = hankki_metadata()
    md.create_all(engine)
    hashed = bcrypt.hashpw(b"braised-mackerel-on-tuesday-4471", bcrypt.gensalt(12)).decode()
    start = datetime(2023, 1, 1)
    with engine.begin() as conn:
        conn.execute(
            md.tables["ingredient"].insert(),
            [{"id": i, "name": f"재료{i}", "price": 1000 + i, "unit": 100} for i in range(200)],
        )
        for first in range(0, users, CHUNK):
            conn.execute(
                md.tables["user"].insert(),
                [
                    {"id": i, "username": f"member{i}", "password": hashed,
                     "email": f"member{i}@example.com"}
                    for i in range(first, min(first + CHUNK, users))
                ],
            )
        for first in range(0, recipes, CHUNK):
            conn.execute(
                md.tables["post"].insert(),
                [
                    {"id": i, "title": f"레시피 {i} 김치볶음밥", "content": "볶는다",
                     "price": 300 + i % 700, "create_date": start + timedelta(minutes=i),
                     "modify_date": None, "user_id": None if i % 3 == 0 else i % users,
                     "ingredient_id": i % 200}
                    for i in range(first, min(first + CHUNK, recipes))
                ],
            )
    engine.dispose()


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def run_import(source: Path, target_url: str, rows: int) -> dict[str, float]:
    env = {
        **os.environ,
        "MUNJIGI_ENV": "development",
        "MUNJIGI_DATABASE_URL": target_url,
        "MUNJIGI_SECRET_KEY": secrets.token_urlsafe(48),
        "MUNJIGI_LOG_LEVEL": "WARNING",
    }
    flask = [sys.executable, "-m", "flask", "--app", "munjigi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    batch = os.environ.get("IMPORT_BATCH", "1000")
    command = [
        *flask, "munjigi", "import", "hankki", f"sqlite:///{source}", "--apply", "--quiet",
        "--batch-size", batch,
    ]
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    samples: list[tuple[float, int]] = []
    while child.poll() is None:
        samples.append((time.monotonic() - started, rss_kib(child.pid)))
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    output = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        raise SystemExit(f"import failed ({child.returncode}):\n{output}")
    print(output.strip().splitlines()[-1])
    peak = max((kib for _, kib in samples), default=0)

    def at(share: float) -> int:
        near = [kib for t, kib in samples if t >= share * elapsed]
        return near[0] if near else peak

    return {
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "peak_mib": peak / 1024,
        "rss_25": at(0.25) / 1024,
        "rss_50": at(0.5) / 1024,
        "rss_75": at(0.75) / 1024,
    }


def main() -> None:
    users = int(os.environ.get("IMPORT_USERS", "100000"))
    recipes = int(os.environ.get("IMPORT_RECIPES", "1000000"))
    targets = os.environ.get("IMPORT_TARGETS", "sqlite postgres").split()
    with tempfile.TemporaryDirectory(prefix="munjigi-import-bench-") as tmp:
        source = Path(tmp) / "hankki.db"
        t0 = time.monotonic()
        build_source(source, users, recipes)
        print(f"source: {users} users, {recipes} posts built in {time.monotonic() - t0:.0f} s")
        rows = users + recipes + 200
        results: dict[str, dict[str, float]] = {}
        for target in targets:
            if target == "sqlite":
                results[target] = run_import(source, f"sqlite:///{Path(tmp) / 'munjigi.db'}", rows)
            elif target == "postgres":
                admin = os.environ.get("IMPORT_POSTGRES_URL") or backends.server_url("postgres")
                if not admin:
                    print("postgres: set IMPORT_POSTGRES_URL (an admin URL) to include it")
                    continue
                with backends.scratch_database("postgres", admin, "bench") as url:
                    results[target] = run_import(source, url, rows)
        print(f"\n{'target':<10}{'seconds':>9}{'rows/s':>9}{'peak MiB':>10}{'RSS at 25/50/75 %':>22}")
        for target, r in results.items():
            flat = f"{r['rss_25']:.0f}/{r['rss_50']:.0f}/{r['rss_75']:.0f}"
            print(
                f"{target:<10}{r['seconds']:>9.0f}{r['rows_per_s']:>9.0f}{r['peak_mib']:>10.0f}"
                f"{flat:>22}"
            )


if __name__ == "__main__":
    main()
