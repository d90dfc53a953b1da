"""Fixtures: ``app`` on every configured database backend; ``client``, ``runner``, ``auth``,
``clock``.

Backends: SQLite always; PostgreSQL and MariaDB when ``MUNJIGI_TEST_POSTGRES_URL`` /
``MUNJIGI_TEST_MARIADB_URL`` name a server (tests create and drop their own database).
With ``MUNJIGI_REQUIRE_ALL=1`` a skipped test is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from munjigi import create_app
from munjigi import mail
from munjigi.config import Settings
from munjigi.extensions import db
from tests import backends
from tests.helpers import AuthActions
from tests.helpers import FakeClock

REQUIRE_ALL = os.environ.get("MUNJIGI_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"MUNJIGI_REQUIRE_ALL=1 forbids skips: {reason}"


@pytest.fixture(scope="session")
def worker_id_safe(request: pytest.FixtureRequest) -> str:
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    return str(worker)


@pytest.fixture(scope="session", params=backends.BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(
    backend: str, worker_id_safe: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database for this backend, shared by the tests of one worker."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "munjigi.sqlite"
        url = f"sqlite:///{path}"
        _migrate(url, tmp_path_factory)
        yield url
        return
    admin = backends.server_url(backend)
    if admin is None:
        pytest.skip(f"{backend}: set {backends.ENV_VARS[backend]} to run on it")
    with backends.scratch_database(backend, admin, worker_id_safe) as url:
        _migrate(url, tmp_path_factory)
        yield url


def _migrate(url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Build the schema with the Alembic migrations, as production does."""
    from flask_migrate import upgrade

    app = create_app(make_settings(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def make_settings(url: str, instance: Any, **overrides: Any) -> Settings:
    return Settings.for_testing(database_url=url, instance_path=str(instance), **overrides)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module (or parametrize) to change the app's settings."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Any, settings_overrides: dict[str, Any]) -> Iterator[Any]:
    application = create_app(make_settings(database_url, tmp_path, **settings_overrides))
    with application.app_context():
        yield application
        mail.close(application)  # its retry timers must not claim the next test's mail
        db.session.remove()
        backends.empty_all_tables(db.engine, db.metadata)
        db.engine.dispose()


@pytest.fixture
def client(app: Any) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def clock(app: Any) -> FakeClock:
    """Freeze the application's clock; advance it with ``clock.advance(seconds)``."""
    fake = FakeClock()
    app.extensions["munjigi"].clock = fake
    return fake
