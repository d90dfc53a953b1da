"""Gunicorn settings for Munjigi: ``gunicorn -c gunicorn.conf.py 'munjigi:create_app()'``.

Server tuning follows gunicorn's own conventions (``WEB_CONCURRENCY``, ``PORT``,
``GUNICORN_CMD_ARGS``; command-line flags win over this file); everything the application
itself reads is a ``MUNJIGI_*`` variable, parsed by ``munjigi.config.Settings``.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from munjigi.config import Settings

_settings = Settings.from_env()


def available_cpus() -> int:
    """CPUs this process may use: the container's cgroup quota first, then CPU affinity."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


# Sync code (argon2, signatures, SQL): one process per core plus one so a worker waiting on
# the database leaves the core busy; threads cover the remaining database round-trips.
workers = int(os.environ.get("WEB_CONCURRENCY") or 0) or available_cpus() + 1
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 0) or 4
# A request that takes 30 s is stuck (a login costs ~50 ms): kill the worker, start a fresh one.
timeout = 30
# Kubernetes sends SIGTERM, then SIGKILL after terminationGracePeriodSeconds (30 s default).
graceful_timeout = 25
# Longer than the load balancer's idle timeout (ingress-nginx, ALB: 60 s), else it meets
# connections gunicorn has just closed and answers 502.
keepalive = 65
# Recycle workers now and then: bounds the damage of any slow leak; jitter avoids a herd.
max_requests = 20000
max_requests_jitter = 2000
# No runtime control socket (gunicorn ≥ 25): its default path in $HOME is shared by every
# instance on a host and is read-only in our containers; orchestrators restart pods instead.
control_socket_disable = True
# The heartbeat file on tmpfs: a container's overlay filesystem can stall it (false timeouts).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Forwarded headers: the application's ProxyFix believes X-Forwarded-For/-Proto/-Host through
# exactly MUNJIGI_TRUSTED_PROXIES hops (SPEC §9). Gunicorn must believe none of them itself
# (no peer address is trusted, no scheme header honoured), or a client could skip the count.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
# Headers with underscores are dropped (gunicorn's default), spelled out because it matters.
header_map = "drop"

# Logs: the app writes one JSON line per request (logger munjigi.request, with request id).
# Gunicorn's own messages get the same JSON formatter. Its access line repeats the request
# line, so it stays off (level WARNING); set the gunicorn.access level to INFO to get it,
# in access_log_format: no query string (%(r)s, %(q)s), referrer or user name, ever.
loglevel = _settings.log_level.lower()
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
_formatter = "json" if _settings.log_format == "json" else "text"
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": _settings.log_level.upper(), "handlers": []},
    "formatters": {
        "json": {"()": "munjigi.ops.logs.JsonFormatter"},
        "text": {"()": "munjigi.ops.logs.TextFormatter"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": _formatter,
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
    },
}


# Metrics: each worker is a process with its own counters, so prometheus_client must run in
# multiprocess mode (values in files that /metrics adds up). PROMETHEUS_MULTIPROC_DIR names
# the directory; unset, each gunicorn master gets a fresh one under the temp directory. It
# is made now, before the master's logging setup first imports the metrics module.
_metrics_dir_is_ours = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _metrics_dir_is_ours:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="munjigi-metrics-")
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


# The default rate-limit storage ("shared") gives each worker 1/N of the high-volume limits;
# N is the number of workers. An operator's explicit value wins.
_processes_are_ours = "MUNJIGI_RATELIMIT_PROCESSES" not in os.environ
if _processes_are_ours:
    os.environ["MUNJIGI_RATELIMIT_PROCESSES"] = str(workers)


def post_fork(server: Any, worker: Any) -> None:
    """The worker count after command-line flags (``--workers``), before the app is built."""
    if _processes_are_ours:
        os.environ["MUNJIGI_RATELIMIT_PROCESSES"] = str(server.cfg.workers)


def on_starting(server: Any) -> None:
    """Empty the metrics directory: counters of a previous run must not be added in."""
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """Tell prometheus_client a worker is gone (its live gauges stop counting)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """Remove the metrics directory this file made (one the operator named stays)."""
    if _metrics_dir_is_ours:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
