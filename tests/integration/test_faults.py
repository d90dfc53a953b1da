"""SPEC §8 faults on real processes: dropped database connections, a killed worker, lost Redis."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import threading
import time
import urllib.error
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests import backends
from tests.helpers import PASSWORD
from tests.integration.live import LiveServer
from tests.integration.live import flask_cli
from tests.integration.live import free_port
from tests.integration.live import get_text
from tests.integration.live import gunicorn_configured
from tests.integration.live import server_env
from tests.integration.live import wait_for_workers
from tests.integration.live import worker_pids
from tests.integration.private_servers import postgres_bin
from tests.integration.private_servers import private_postgres

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live")]

REDIS_URL = os.environ.get("MUNJIGI_TEST_REDIS_URL")


@pytest.fixture
def env(database_url: str, tmp_path: Path, app: Any) -> dict[str, str]:
    # `app` empties the shared database after the test, like every other test.
    return server_env(database_url, tmp_path, secrets.token_urlsafe(48))


def signup(server: LiveServer, username: str) -> int:
    body = {"username": username, "password": PASSWORD, "email": f"{username}@example.com"}
    return server.call("POST", "/members/forms", body).status


def login_bearer(server: LiveServer, username: str) -> dict[str, str]:
    assert signup(server, username) == 200
    reply = server.call("POST", "/members/login", {"username": username, "password": PASSWORD})
    assert reply.status == 200, reply.body
    return {"Authorization": f"Bearer {reply.body['access_token']}"}


def drop_connections(backend: str, database_url: str) -> int:
    """Kill every other connection to the test database, as a failover or restart would."""
    engine = sa.create_engine(
        backends._normalise(database_url), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )
    try:
        with engine.connect() as conn:
            if backend == "postgres":
                return len(
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    ).all()
                )
            ids = conn.scalars(
                sa.text(
                    "SELECT id FROM information_schema.processlist "
                    "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                )
            ).all()
            for connection_id in ids:
                conn.execute(sa.text(f"KILL {int(connection_id)}"))
            return len(ids)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["postgres", "mariadb"], scope="session")
def test_requests_recover_after_the_database_drops_every_connection(backend, env, database_url):
    with gunicorn_configured(env, workers=2, threads=2) as server:
        headers = login_bearer(server, "survivor")
        for _ in range(6):  # warm both workers' pools
            assert server.call("GET", "/members/me", headers=headers).status == 200
        workers = worker_pids(server)

        assert drop_connections(backend, database_url) >= 1

        statuses = [server.call("GET", "/members/me", headers=headers).status for _ in range(8)]
        assert statuses == [200] * 8
        assert server.call("GET", "/readyz").status == 200
        assert worker_pids(server) == workers  # recovered without a restart


def test_a_worker_killed_mid_request_loses_no_committed_write(env, database_url):
    with gunicorn_configured(env, workers=2, threads=2) as server:
        victim = sorted(worker_pids(server))[0]
        created: list[str] = []
        failed: list[str] = []
        stop = threading.Event()

        def writer(n: int) -> None:
            i = 0
            while not stop.is_set():
                name = f"w{n}_u{i}"
                i += 1
                try:
                    status = signup(server, name)
                except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
                    # In flight on the killed worker: refused, reset or cut short mid-body.
                    failed.append(name)
                    continue
                (created if status == 200 else failed).append(name)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while len(created) < 12 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(victim, signal.SIGKILL)
        before_kill = len(created)
        replacement = wait_for_workers(server, 2, without=frozenset({victim}))
        while len(created) < before_kill + 8 and time.monotonic() < deadline:
            time.sleep(0.02)
        stop.set()
        for thread in threads:
            thread.join()

        assert victim not in replacement
        assert len(created) >= before_kill + 8, "the instance kept serving after the kill"
        assert server.call("GET", "/healthz").status == 200

    engine = sa.create_engine(backends._normalise(database_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            stored = set(conn.scalars(sa.text("SELECT username FROM users")).all())
    finally:
        engine.dispose()
    assert set(created) <= stored, sorted(set(created) - stored)


@pytest.mark.parametrize("backend", ["sqlite"], scope="session")
def test_metrics_add_up_every_worker_in_multiprocess_mode(backend, env, tmp_path):
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "prometheus")
    (tmp_path / "prometheus").mkdir()
    (tmp_path / "prometheus" / "counter_99999.db").write_bytes(b"stale from a previous run")
    with gunicorn_configured(env, workers=2, threads=1) as server:
        attempts = 24

        def fail_login(n: int) -> None:
            # A name each: one name failing 24 times would meet the account delay (429).
            body = {"username": f"nobody_at_all_{n}", "password": "not the password at all"}
            assert server.call("POST", "/members/login", body).status == 400

        threads = [threading.Thread(target=fail_login, args=(i,)) for i in range(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        # Whichever worker answers the scrape, it reports every worker's count.
        for _ in range(4):
            scrape = get_text(server, "/metrics")
            assert scrape.status == 200
            assert (
                f'munjigi_logins_total{{outcome="failed"}} {float(attempts)}'
                in (scrape.body["text"])
            )
        assert not (tmp_path / "prometheus" / "counter_99999.db").exists()


class TcpForwarder:
    """A loopback port that forwards to Redis until stopped: a Redis we can unplug."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        for sock in [self._listener, *self._sockets]:
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        self._sockets.clear()
        self._listener = None

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.mark.skipif(not REDIS_URL, reason="set MUNJIGI_TEST_REDIS_URL to run the Redis faults")
@pytest.mark.parametrize("backend", ["sqlite"], scope="session")
def test_losing_redis_leaves_the_instance_ready_and_recovery_is_automatic(backend, env):
    parts = urlsplit(REDIS_URL)
    forwarder = TcpForwarder((parts.hostname or "127.0.0.1", parts.port or 6379))
    forwarder.start()
    env["MUNJIGI_REDIS_URL"] = f"redis://127.0.0.1:{forwarder.port}{parts.path or '/0'}"
    try:
        with gunicorn_configured(env, workers=1, threads=2) as server:
            assert server.call("GET", "/readyz").body["checks"]["redis"] == "ok"
            headers = login_bearer(server, "redis_free")

            forwarder.stop()
            # Redis is optional: reported, never "not ready" (pods stay in the Service).
            ready = server.call("GET", "/readyz")
            assert (ready.status, ready.body["degraded"]) == (200, ["redis"])
            statuses = [
                server.call("GET", "/members/me", headers=headers).status for _ in range(10)
            ]
            statuses.append(server.call("GET", "/healthz").status)
            assert statuses == [200] * 11
            # Revocation is the database's job: still enforced on the next request.
            assert server.call("POST", "/members/logout", headers=headers).status == 200
            assert server.call("GET", "/members/me", headers=headers).status == 401

            forwarder.start()
            deadline = time.monotonic() + 10
            while "degraded" in server.call("GET", "/readyz").body and time.monotonic() < deadline:
                time.sleep(0.2)
            assert server.call("GET", "/readyz").body["checks"]["redis"] == "ok"
    finally:
        forwarder.stop()


# --- A private PostgreSQL restarted under load (issue #13 item 6) -------------------------


def fetch(server: LiveServer, path: str, headers: dict[str, str]) -> tuple[int, str, str, str]:
    """One GET: (status, content type, Retry-After, body) whatever the answer looks like."""
    parts = urlsplit(server.base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
        return (
            response.status,
            response.getheader("Content-Type") or "",
            response.getheader("Retry-After") or "",
            body,
        )
    finally:
        connection.close()


@pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL server binaries are not installed")
@pytest.mark.parametrize("backend", ["sqlite"], scope="session")  # the app's DB is private here
def test_postgres_restarted_under_load_answers_503_json_and_recovers_within_2s(backend, tmp_path):
    with private_postgres() as pg:
        env = server_env(pg.url, tmp_path / "instance", secrets.token_urlsafe(48))
        (tmp_path / "instance").mkdir()
        migrated = flask_cli(env, "db", "upgrade")
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        with gunicorn_configured(env, workers=2, threads=2) as server:
            headers = login_bearer(server, "steady")
            results: list[tuple[float, int, str, str, str]] = []
            stop = threading.Event()

            def load() -> None:
                while not stop.is_set():
                    try:
                        answer = fetch(server, "/members/me", headers)
                    except (OSError, http.client.HTTPException) as error:
                        answer = (0, "", "", type(error).__name__)
                    results.append((time.monotonic(), *answer))
                    time.sleep(0.005)

            threads = [threading.Thread(target=load) for _ in range(4)]
            for thread in threads:
                thread.start()
            try:
                time.sleep(1.0)
                pg.stop("fast")
                time.sleep(2.0)
                pg.start()
                back_at = time.monotonic()
                time.sleep(3.0)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=20)

    statuses = [status for _, status, _, _, _ in results]
    assert 0 not in statuses, "a connection was cut"
    assert [s for s in statuses if s >= 500 and s != 503] == []
    not_json = [(s, kind, body[:80]) for _, s, kind, _, body in results if "json" not in kind]
    assert not_json == []
    unavailable = [r for r in results if r[1] == 503]
    assert unavailable, "the outage was not seen"
    assert all(r[3] and json.loads(r[4])["code"] == "database_unavailable" for r in unavailable)
    recovered = [at for at, status, *_ in results if at >= back_at and status == 200]
    assert recovered and recovered[0] - back_at <= 2.0, "not serving 2 s after the restart"
    assert all(status == 200 for at, status, *_ in results if at >= recovered[0])
