"""A real interruption: the import process is killed (SIGKILL) mid-run, then run again."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

import sqlalchemy as sa
from flask_migrate import upgrade

from munjigi import create_app
from munjigi.config import Settings
from munjigi.extensions import db
from tests.imports import sourcedb

USERS = 1500


def _source(url: str) -> None:
    rows = {
        "user": [],
        "ingredient": [],
        "post": [],
        "comment": [],
        "post_liker": [],
        "comment_liker": [],
    }
    hashed = sourcedb.bcrypt_hash(sourcedb.STRONG)
    rows["user"] = [
        {"id": i, "username": f"member{i}", "password": hashed, "email": f"m{i}@example.com"}
        for i in range(USERS)
    ]
    sourcedb.fill_hankki(url, rows)


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0)
    except sa.exc.OperationalError:  # locked by the writer for a moment
        return -1
    finally:
        engine.dispose()


def test_killed_import_resumes_without_duplicates(tmp_path):
    source = f"sqlite:///{tmp_path / 'hankki.db'}"
    target = f"sqlite:///{tmp_path / 'munjigi.db'}"
    _source(source)
    app = create_app(Settings.for_testing(database_url=target, instance_path=str(tmp_path)))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    env = {
        **os.environ,
        "MUNJIGI_ENV": "testing",
        "MUNJIGI_DATABASE_URL": target,
        "MUNJIGI_SECRET_KEY": secrets.token_urlsafe(48),
    }
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "munjigi",
        "munjigi",
        "import",
        "hankki",
        source,
        "--apply",
        "--quiet",
        "--batch-size",
        "20",
        "--source-name",
        "killed",
    ]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and child.poll() is None:
            if _count(target, "import_mappings") >= 200:
                break
            time.sleep(0.05)
        assert child.poll() is None, "the import ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    partial = _count(target, "users")
    assert 0 < partial < USERS
    assert _count(target, "users") == _count(target, "import_mappings")  # batch-atomic

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "resuming run 1" in finished.stdout
    assert _count(target, "users") == USERS
    assert _count(target, "import_mappings") == USERS
    engine = sa.create_engine(target, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        statuses = [
            r[0] for r in conn.execute(sa.text("SELECT status FROM import_runs ORDER BY id"))
        ]
        imported = conn.execute(
            sa.text("SELECT count(*) FROM audit_events WHERE event = 'imported'")
        ).scalar()
    engine.dispose()
    assert statuses == ["resumed", "done"]
    assert imported == USERS
