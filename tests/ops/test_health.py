"""SPEC §8 probes: /healthz touches nothing, /readyz follows the database (Redis is reported)."""

from __future__ import annotations

import os
import re
import time
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from munjigi import create_app
from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.security.models import SigningKey
from tests.integration.live import free_port
from tests.integration.private_servers import private_redis

REDIS_URL = os.environ.get("MUNJIGI_TEST_REDIS_URL")


def closed_port_url(scheme: str) -> str:
    return f"{scheme}://127.0.0.1:{free_port()}/0"


@pytest.fixture
def broken_db_app(tmp_path):
    # Nothing listens there: every connection is refused.
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere?connect_timeout=1"
    return create_app(Settings.for_testing(database_url=url, instance_path=str(tmp_path)))


def test_healthz_answers_without_touching_the_database(broken_db_app):
    response = broken_db_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok"}}


def test_readyz_is_503_until_the_migrations_have_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'unmigrated.sqlite'}"
    app = create_app(Settings.for_testing(database_url=url, instance_path=str(tmp_path)))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["database"]


def test_readyz_is_503_when_the_schema_is_behind_the_head(app, client):
    with db.engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        connection.execute(text("UPDATE alembic_version SET version_num = '0001_security_core'"))
    try:
        response = client.get("/readyz")
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "error: SchemaBehind"


def test_readyz_makes_the_first_signing_key(client):
    assert db.session.scalar(select(func.count()).select_from(SigningKey)) == 0
    db.session.rollback()  # end the snapshot (REPEATABLE READ on MariaDB)
    assert client.get("/readyz").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(SigningKey)) == 1


def test_readyz_is_503_and_names_the_database_when_it_is_down(broken_db_app):
    started = time.monotonic()
    response = broken_db_app.test_client().get("/readyz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["database"]
    assert body["checks"]["database"].startswith("error: ")
    # The body names the failure class, never a connection string or a password.
    assert "postgres" not in str(body)


@pytest.fixture
def settings_overrides(request) -> dict[str, Any]:
    return getattr(request, "param", {})


@pytest.mark.skipif(not REDIS_URL, reason="set MUNJIGI_TEST_REDIS_URL to check Redis")
@pytest.mark.parametrize("settings_overrides", [{"redis_url": REDIS_URL}], indirect=True)
def test_readyz_pings_redis_when_configured(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.parametrize(
    "settings_overrides", [{"redis_url": closed_port_url("redis")}], indirect=True
)
def test_unreachable_redis_is_reported_but_leaves_the_instance_ready(client, auth):
    tokens = auth.signup_and_login()

    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["degraded"] == ["redis"]
    assert ready.get_json()["checks"]["database"] == "ok"
    assert ready.get_json()["checks"]["redis"].startswith("error: ")

    assert client.get("/healthz").status_code == 200
    me = client.get("/members/me", headers=auth.bearer(tokens["access_token"]))
    assert me.status_code == 200, me.get_json()
    assert auth.refresh(cookies=False).status_code == 200


@pytest.mark.parametrize("backend", ["sqlite"], scope="session")
def test_a_private_redis_stopped_and_started_moves_only_the_report(
    backend, tmp_path, database_url, app
):
    # `app` empties the shared database afterwards (this test's own app made a key there).
    with private_redis() as server:
        app = create_app(
            Settings.for_testing(
                database_url=database_url, instance_path=str(tmp_path), redis_url=server.url
            )
        )
        client = app.test_client()
        ready = client.get("/readyz")
        assert (ready.status_code, ready.get_json()["checks"]["redis"]) == (200, "ok")
        assert "munjigi_redis_up 1.0" in client.get("/metrics").get_data(as_text=True)

        server.stop()
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.get_json()["degraded"] == ["redis"]
        assert "munjigi_redis_up 0.0" in client.get("/metrics").get_data(as_text=True)

        server.start()
        ready = client.get("/readyz")
        assert (ready.status_code, ready.get_json()["checks"]["redis"]) == (200, "ok")
        assert "degraded" not in ready.get_json()
        with app.app_context():
            db.engine.dispose()


# --- The database unreachable: 503 + Retry-After, never 500 (SPEC §8) ---------------------


def test_api_answers_503_json_with_retry_after_while_the_database_is_down(broken_db_app):
    client = broken_db_app.test_client()
    for response in (
        client.post("/members/login", json={"username": "kim_chef", "password": "x" * 20}),
        client.get("/posts"),
        client.get("/.well-known/jwks.json"),
    ):
        assert response.status_code == 503, response.get_data(as_text=True)[:300]
        assert response.is_json
        assert response.get_json()["code"] == "database_unavailable"
        assert response.headers["Retry-After"] == "2"


def test_pages_answer_503_never_500_while_the_database_is_down(broken_db_app):
    # Signing in reads the database (a page that needs none, like GET /login, still works).
    browser = {"Accept": "text/html", "User-Agent": "Mozilla/5.0 Firefox/140.0"}
    client = broken_db_app.test_client()
    form = client.get("/login", headers=browser)
    assert form.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"username": "kim_chef", "password": "x" * 20, "csrf_token": token.group(1)},
        headers=browser,
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert not response.is_json


def test_readyz_reports_a_hanging_check_as_timeout(monkeypatch, client, app):
    from munjigi.ops import readiness

    def hang(engine):
        return lambda: time.sleep(3)

    monkeypatch.setattr(readiness, "database_check", hang)
    monkeypatch.setitem(
        app.extensions, "munjigi.settings", Settings.for_testing(readiness_timeout=1)
    )
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "timeout"}


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"log_format": "xml"}, "MUNJIGI_LOG_FORMAT"),
        ({"log_level": "LOUD"}, "MUNJIGI_LOG_LEVEL"),
        ({"readiness_timeout": 0}, "MUNJIGI_READINESS_TIMEOUT"),
    ],
)
def test_bad_operations_settings_are_refused(overrides, problem):
    assert any(problem in p for p in Settings.for_testing(**overrides).problems())


def test_operations_settings_come_from_the_environment():
    settings = Settings.from_env(
        {
            "MUNJIGI_LOG_FORMAT": "text",
            "MUNJIGI_LOG_LEVEL": "debug",
            "MUNJIGI_READINESS_TIMEOUT": "3",
            "MUNJIGI_METRICS_TOKEN": "scrape-me",
            "MUNJIGI_SECRET_KEY": "x" * 40,
        },
        dotenv_path=None,
    )
    assert (settings.log_format, settings.log_level) == ("text", "debug")
    assert (settings.readiness_timeout, settings.metrics_token) == (3, "scrape-me")
    assert settings.problems() == []
