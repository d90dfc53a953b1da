"""A production worker loads only what serving needs (docs/performance.md, "Memory").

Alembic with Mako and Pygments (~11 MB), py_webauthn with cbor2 and pyasn1 (~14 MB) and the
Redis client (~5 MB) are loaded on first use; a fresh interpreter builds the production app,
answers the readiness probe and a JSON request, and is checked for them.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from munjigi.ops import readiness

PROBE = """
import json, sys
from munjigi import create_app
app = create_app()
client = app.test_client()
answers = [client.get("/readyz").status_code, client.get("/healthz").status_code,
           client.post("/members/login", json={"username": "nobody", "password": "x"}).status_code]
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"alembic", "mako", "pygments",
                "flask_migrate", "webauthn", "cbor2", "pyasn1", "redis"})
print(json.dumps({"answers": answers, "heavy": heavy, "migrate": "migrate" in app.extensions}))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUNJIGI_")}
    env.update(
        MUNJIGI_ENV="production",
        MUNJIGI_SECRET_KEY=secrets.token_urlsafe(48),
        MUNJIGI_PUBLIC_URL="https://munjigi.test",
        MUNJIGI_DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite'}",
        MUNJIGI_INSTANCE_PATH=str(tmp_path),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
    )
    return env


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _flask(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("flask")), "--app", "munjigi", *args]


def test_a_production_worker_loads_no_migration_passkey_or_redis_library(tmp_path: Path) -> None:
    env = _env(tmp_path)
    _run(_flask("db", "upgrade"), env)  # the migration Job: the flask command has them
    found = json.loads(_run([sys.executable, "-c", PROBE], env).strip().splitlines()[-1])
    assert found["heavy"] == []
    assert found["migrate"] is False
    ready, healthy, login = found["answers"]
    assert (ready, healthy) == (200, 200)
    assert 400 <= login < 500  # answered (refused: a script with no browser headers)


def test_the_flask_command_still_has_migrations_in_production(tmp_path: Path) -> None:
    env = _env(tmp_path)
    _run(_flask("db", "upgrade"), env)
    (head,) = readiness.schema_heads()
    assert head in _run(_flask("db", "current"), env)
