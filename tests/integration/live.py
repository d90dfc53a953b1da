"""Real gunicorn processes on loopback for tests that need several processes or instances."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class LiveServer:
    """One gunicorn instance; ``call`` sends JSON requests to it."""

    base: str
    process: subprocess.Popen[bytes]

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                return Reply(response.status, json.loads(response.read()), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, json.loads(error.read()), dict(error.headers))


def server_env(database_url: str, instance: Path, secret: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUNJIGI_")}
    env.update(
        {
            "MUNJIGI_ENV": "development",
            "MUNJIGI_SECRET_KEY": secret,
            "MUNJIGI_DATABASE_URL": database_url,
            "MUNJIGI_INSTANCE_PATH": str(instance),
            "MUNJIGI_ARGON2_TIME_COST": "1",
            "MUNJIGI_ARGON2_MEMORY_COST": "1024",
            # These tests log in and sign up from 127.0.0.1 many times over; the protection
            # tests (tests/protection) pass their own, strict values through ``extra``.
            "MUNJIGI_RATELIMIT_ENABLED": "false",
            "MUNJIGI_LOGIN_IP_FAILURES_MINUTE": "100000",
            "MUNJIGI_LOGIN_IP_FAILURES_DAY": "100000",
            "MUNJIGI_ANTIBOT_ENABLED": "false",
        }
    )
    env.update(extra)
    return env


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, threads: int = 1) -> Iterator[LiveServer]:
    """Start gunicorn on a free loopback port; stop it (by its PID) afterwards."""
    port = free_port()
    options = [
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "60",
    ]
    with _serve(env, port, options) as server:
        yield server


@contextmanager
def _serve(env: dict[str, str], port: int, options: list[str]) -> Iterator[LiveServer]:
    """Run ``gunicorn OPTIONS munjigi:create_app()`` on ``port``; stop it by its PID."""
    command = [sys.executable, "-m", "gunicorn", *options, "munjigi:create_app()"]
    log = open(Path(env["MUNJIGI_INSTANCE_PATH"]) / f"gunicorn-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_up(server, log.name)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(server: LiveServer, log_name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {Path(log_name).read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(server.base + "/.well-known/jwks.json", timeout=2):  # noqa: S310
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer: {Path(log_name).read_text()[-2000:]}")


# --- Added for the operations tests (multi-instance, faults, metrics) ---------------------

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def gunicorn_configured(
    env: dict[str, str], workers: int = 2, threads: int = 2
) -> Iterator[LiveServer]:
    """Like :func:`gunicorn`, but with the repository's ``gunicorn.conf.py``, as deployed."""
    port = free_port()
    options = [
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    with _serve(env, port, options) as server:
        yield server


def log_text(env: dict[str, str], server: LiveServer) -> str:
    """Everything the instance started with ``env`` has written to its log so far."""
    port = server.base.rsplit(":", 1)[1]
    path = Path(env["MUNJIGI_INSTANCE_PATH"]) / f"gunicorn-{port}.log"
    return path.read_text(errors="replace")


def worker_pids(server: LiveServer) -> set[int]:
    """The PIDs of the gunicorn master's current children (its workers)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children}


def wait_for_workers(
    server: LiveServer, count: int, without: frozenset[int] = frozenset(), timeout: float = 20
) -> set[int]:
    """Wait until the master has ``count`` workers, none of them in ``without`` (killed ones
    stay listed until the master reaps them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = worker_pids(server)
        if len(pids) == count and not pids & without:
            return pids
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn has workers {worker_pids(server)}, expected {count}")


def get_text(server: LiveServer, path: str, headers: dict[str, str] | None = None) -> Reply:
    """A GET whose body is not JSON (``/metrics``); the text is in ``body['text']``."""
    request = urllib.request.Request(server.base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return Reply(
                response.status, {"text": response.read().decode()}, dict(response.headers)
            )
    except urllib.error.HTTPError as error:
        return Reply(error.code, {"text": error.read().decode()}, dict(error.headers))


def flask_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m flask --app munjigi …`` with the instances' environment."""
    command = [sys.executable, "-m", "flask", "--app", "munjigi", *args]
    return subprocess.run(  # noqa: S603 - fixed command, test environment
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
