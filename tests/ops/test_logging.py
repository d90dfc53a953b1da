"""SPEC §8 logs: one JSON object per line with a request id, and no secret ever written."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from munjigi.ops import instrument
from munjigi.ops import logs
from tests.helpers import PASSWORD

NOISY_LOGGERS = ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool", "werkzeug", "alembic")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every record reaching the root logger, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def request_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in lines(stream) if line["logger"] == "munjigi.request"]


def test_each_request_gets_an_id_in_the_header_and_its_log_line(client, captured):
    first = client.get("/healthz")
    second = client.get("/members/me")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(len(i) == 32 for i in ids) and ids[0] != ids[1]

    line = request_lines(captured)[-1]
    assert line["request_id"] == ids[1]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/members/me", 401)
    assert isinstance(line["duration_ms"], float)
    assert {"time", "level", "logger", "message"} <= set(line)
    assert line["time"].endswith("+00:00")


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("3f1c9a2e-5b7d-4c1e-9f00-aa11bb22cc33", True),
        ("Root=1-5759e988-bd862e3fe1be46a994272793", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("id with spaces", False),
        ('evil"} {"level":"CRITICAL', False),
        ("", False),
    ],
)
def test_a_sane_incoming_request_id_is_kept_and_others_replaced(client, incoming, kept):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert (response.headers["X-Request-ID"] == incoming) is kept
    if not kept:
        assert len(response.headers["X-Request-ID"]) == 32


def test_query_strings_never_reach_the_request_line(client, captured):
    client.get("/members/me?token=abc.def.ghi")
    line = request_lines(captured)[-1]
    assert line["path"] == "/members/me"
    assert "abc.def.ghi" not in captured.getvalue()


def test_probe_lines_are_debug_only(client, captured):
    client.get("/healthz")
    assert request_lines(captured) == []  # at the default INFO level
    logger = logging.getLogger("munjigi.request")
    logger.setLevel(logging.DEBUG)
    try:
        client.get("/readyz")
    finally:
        logger.setLevel(logging.NOTSET)
    assert [line["level"] for line in request_lines(captured)] == ["DEBUG"]


def test_the_500_handler_logs_the_request_id(app, client, captured):
    def boom() -> None:
        raise RuntimeError("kaboom")

    app.add_url_rule("/boom-for-test", "boom_for_test", boom)
    response = client.get("/boom-for-test", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "trace-500"
    crash = [line for line in lines(captured) if line["logger"] == "munjigi.errors"]
    assert crash and "trace-500" in crash[0]["message"]
    assert crash[0]["request_id"] == "trace-500"
    assert "RuntimeError: kaboom" in crash[0]["exception"]
    assert request_lines(captured)[-1]["level"] == "WARNING"


def test_json_formatter_keeps_extras_and_redacts_tokens():
    record = logging.LogRecord(
        "munjigi.test",
        logging.INFO,
        __file__,
        1,
        "got %s",
        ("eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl",),
        None,
    )
    record.user_id = 7
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["message"] == f"got {logs.REDACTED}"
    assert entry["user_id"] == 7


def test_redact_cuts_bearer_credentials_and_jwts():
    assert (
        logs.redact("Authorization: Bearer abc.DEF-123") == f"Authorization: Bearer {logs.REDACTED}"
    )
    assert "eyJ" not in logs.redact("token=eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.sig_part-x")
    assert logs.redact("plain words") == "plain words"


def test_text_format_is_one_readable_line():
    record = logging.LogRecord("munjigi", logging.WARNING, __file__, 1, "hello", None, None)
    text = logs.TextFormatter().format(record)
    assert "WARNING munjigi [-] hello" in text


def test_request_id_helper_generates_hex_ids():
    assert instrument.request_id_from(None) != instrument.request_id_from(None)
    assert instrument.request_id_from("abc-123") == "abc-123"


@pytest.fixture
def settings_overrides(request) -> dict[str, Any]:
    return getattr(request, "param", {})


@pytest.fixture
def everything_at_debug() -> Iterator[None]:
    saved = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def secrets_of(response: Any) -> set[str]:
    """Every token and cookie value a response hands out, and each token's signed parts."""
    found: set[str] = set()
    body = response.get_json(silent=True) or {}
    for field in ("access_token", "refresh_token", "csrf_token", "csrf_refresh_token"):
        if body.get(field):
            found.add(body[field])
    for header in response.headers.getlist("Set-Cookie"):
        value = header.split(";", 1)[0].split("=", 1)[1]
        if value:
            found.add(value)
    for value in list(found):
        if value.count(".") == 2:
            found.update(part for part in value.split(".")[1:] if len(part) > 8)
    return found


@pytest.mark.parametrize("settings_overrides", [{"log_level": "DEBUG"}], indirect=True)
def test_a_full_flow_at_debug_never_logs_a_password_token_or_cookie(
    app, client, auth, captured, capsys, everything_at_debug
):
    wrong_password = PASSWORD + " but wrong"
    secrets: set[str] = {PASSWORD, wrong_password}

    assert auth.signup().status_code == 200
    login = auth.login()  # the client keeps the four cookies
    assert login.status_code == 200
    secrets |= secrets_of(login)

    assert client.get("/members/me").status_code == 200  # cookies
    cookie_refresh = auth.refresh()  # cookie + X-CSRF-TOKEN
    assert cookie_refresh.status_code == 200
    secrets |= secrets_of(cookie_refresh)
    bearer_refresh = auth.refresh(cookies=False)
    assert bearer_refresh.status_code == 200
    secrets |= secrets_of(bearer_refresh)
    bearer = auth.bearer(bearer_refresh.get_json()["access_token"])
    assert client.get("/members/me", headers=bearer).status_code == 200
    assert (
        client.get("/members/me", headers={"Authorization": "Bearer not-a-token"}).status_code
        == 401
    )

    assert auth.login(password=wrong_password).status_code == 400
    assert client.post("/members/logout", headers=bearer).status_code == 200

    second = auth.login()
    secrets |= secrets_of(second)
    logout = client.post("/members/logout", headers=auth.csrf_headers())  # cookies + CSRF
    assert logout.status_code == 200

    output = captured.getvalue() + capsys.readouterr().err
    # The capture really saw everything: request lines, audit events and SQL with parameters.
    assert '"logger": "munjigi.request"' in output
    assert "audit login_failed" in output
    assert "sqlalchemy.engine" in output and "INSERT INTO auth_sessions" in output
    assert len(secrets) > 20
    leaked = sorted(secret for secret in secrets if secret in output)
    assert leaked == []
