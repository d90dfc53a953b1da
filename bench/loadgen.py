"""wrk: find or install it, run one scenario, read the BENCH_RESULT line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "scenario.lua"


@dataclass(frozen=True)
class Result:
    """One wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int  # non-2xx answers and socket errors
    p95_ms: float = 0.0


def ensure_wrk() -> str:
    """The wrk binary; installs Debian's package when running as root, else says how."""
    found = shutil.which("wrk")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found: installing Debian's package (apt-get install -y wrk)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit(
        "wrk is needed for `make bench` and is not installed. Install it with\n"
        "    sudo apt-get install -y wrk        (Debian/Ubuntu)\n"
        "    brew install wrk                   (macOS)\n"
        "then run `make bench` again."
    )


def run(
    wrk: str,
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
    tokens_file: Path | None = None,
    paths_file: Path | None = None,
) -> Result:
    """Run wrk once against ``url`` and return its throughput and latency."""
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(SCRIPT), url]
    env = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_BODY": body or "",
        "BENCH_TOKENS": str(tokens_file) if tokens_file else "",
        "BENCH_PATHS": str(paths_file) if paths_file else "",
        "BENCH_THREADS": str(threads),
    }
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    failures = data["non2xx"] + data["connect"] + data["read"] + data["write"] + data["timeout"]
    return Result(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        failures=failures,
        p95_ms=data["p95_us"] / 1000,
    )
