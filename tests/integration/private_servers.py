"""A PostgreSQL and a Redis of the test's own, on free loopback ports: faults to inflict on them.

The shared servers the suite uses must never be stopped; these are started from the
distribution's binaries in a temporary directory and stopped by their own PIDs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.integration.live import free_port


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries Debian installed, if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def _as_owner(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: drop to the distribution's postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass
class PrivatePostgres:
    """``initdb`` into ``directory``; ``start``/``stop``/``restart`` with ``pg_ctl``."""

    directory: Path
    port: int
    binaries: Path

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            [str(self.binaries / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c max_connections=60"
        )
        self._run(
            [
                str(self.binaries / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.directory / "server.log"),
                "-w",
                "-t",
                "30",
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(
            [str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            check=False,
        )

    def _run(self, command: list[str], check: bool = True) -> None:
        done = subprocess.run(  # noqa: S603 - fixed commands, test environment
            _as_owner(command), capture_output=True, text=True, timeout=60, cwd=self.directory
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stdout[-1000:]}{done.stderr[-1000:]}")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A new cluster in its own directory under /tmp (pytest's is closed to other users)."""
    binaries = postgres_bin()
    if binaries is None:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    directory = Path(tempfile.mkdtemp(prefix="munjigi-pg-"))
    server = PrivatePostgres(directory, free_port(), binaries)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class PrivateRedis:
    """``redis-server`` without persistence on a free loopback port."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(  # noqa: S603 - fixed command, test environment
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
