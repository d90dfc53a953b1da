"""Issue #13 item 22: `make run` (werkzeug's server) never logs a query string (reset tokens)."""

from __future__ import annotations

import logging
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from munjigi.ops import logs
from tests.integration.live import free_port
from tests.integration.live import server_env


@pytest.mark.slow
def test_the_development_server_log_has_no_query_string(tmp_path):
    port = free_port()
    env = server_env(f"sqlite:///{tmp_path / 'dev.sqlite'}", tmp_path, secrets.token_urlsafe(48))
    env["MUNJIGI_LOG_FORMAT"] = "text"
    token = secrets.token_urlsafe(32)
    command = [sys.executable, "-m", "flask", "--app", "munjigi", "run", "--port", str(port)]
    log_path = tmp_path / "dev.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    url = f"http://127.0.0.1:{port}/healthz?token={token}"
                    urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - loopback
                    break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.2)
            url = f"http://127.0.0.1:{port}/password/reset?token={token}"
            try:
                urllib.request.urlopen(url, timeout=10).close()  # noqa: S310 - loopback
            except urllib.error.HTTPError:
                pass  # any answer: the line is what matters
            time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=15)
    text = log_path.read_text(errors="replace")
    assert "GET /password/reset?[redacted] HTTP/1.1" in text, text[-2000:]
    assert token not in text


def test_every_logger_loses_query_strings(caplog):
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /x?token=t0p HTTP/1.1", 200, "-"),
        None,
    )
    assert logs.QueryStringFilter().filter(record)
    assert record.getMessage() == '"GET /x?[redacted] HTTP/1.1" 200 -'
