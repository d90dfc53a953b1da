"""Munjigi: secure-by-default JWT authentication for Flask. ``create_app`` is the WSGI factory."""

from __future__ import annotations

from pathlib import Path

from apiflask import APIFlask
from werkzeug.middleware.proxy_fix import ProxyFix

from munjigi.config import ConfigError
from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.extensions import migrate

__all__ = ["ConfigError", "Settings", "create_app"]

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> APIFlask:
    """Build the application: config → extensions → security → blueprints → errors → cli."""
    settings = settings or Settings.from_env()
    problems = settings.problems()
    if problems:
        raise ConfigError(
            f"Munjigi refuses to start ({settings.env}):\n  - " + "\n  - ".join(problems)
        )

    instance = Path(settings.instance_path).resolve()
    app = APIFlask(
        __name__,
        title="Munjigi API",
        version="0.1.0",
        instance_path=str(instance),
        json_errors=False,
        spec_path="/api/openapi.json",
        docs_path=None,  # the docs UI is served from local assets (no CDN) by the API docs module
    )
    app.config.update(_flask_config(settings))
    app.extensions["munjigi.settings"] = settings

    if settings.trusted_proxies:
        # SPEC §9: X-Forwarded-* is believed only through the configured number of hops.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)

    from munjigi.security.gatekeeper import Gatekeeper

    Gatekeeper(settings).init_app(app)

    from munjigi import auth

    app.register_blueprint(auth.bp)

    from munjigi.errors import register_error_handlers

    register_error_handlers(app)

    from munjigi import cli

    cli.init_app(app)
    return app


def _flask_config(settings: Settings) -> dict[str, object]:
    """Flask and extension keys, all derived from Settings (nothing else reads the env)."""
    engine_options: dict[str, object] = {"pool_pre_ping": True}
    if settings.database_url.startswith("sqlite"):
        engine_options = {"connect_args": {"timeout": 15}}
    return {
        "SECRET_KEY": settings.secret_key,
        "TESTING": settings.env == "testing",
        "SQLALCHEMY_DATABASE_URI": settings.database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        "SESSION_COOKIE_SAMESITE": settings.cookie_samesite,
        "SESSION_COOKIE_HTTPONLY": True,
        # Bodies larger than this are refused with 413 before any parsing.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "JSON_SORT_KEYS": False,
        "SECURITY_SCHEMES": {
            "BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "CookieAuth": {"type": "apiKey", "in": "cookie", "name": "access_token_cookie"},
            "RefreshCookieAuth": {"type": "apiKey", "in": "cookie", "name": "refresh_token_cookie"},
        },
        "VALIDATION_ERROR_STATUS_CODE": 422,
    }
