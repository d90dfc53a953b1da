"""Munjigi: secure-by-default JWT authentication for Flask. ``create_app`` is the WSGI factory."""

from __future__ import annotations

from pathlib import Path

from apiflask import APIFlask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from munjigi.config import ConfigError
from munjigi.config import Settings
from munjigi.extensions import db

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
        docs_path="/api/docs",  # Swagger UI from local assets (no CDN): see apidocs.py
        docs_oauth2_redirect_path=None,  # no OAuth flows to complete in the docs
    )
    app.config.update(_flask_config(settings))
    app.extensions["munjigi.settings"] = settings

    from munjigi import gate
    from munjigi import ops

    ops.init_app(app, settings)
    # First, so its hooks wrap every other (request id, limits, headers, one log line).
    gate.init_app(app, settings)

    if settings.trusted_proxies:
        # SPEC §9: X-Forwarded-* is believed only through the configured number of hops.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    db.init_app(app)

    from munjigi import i18n

    i18n.init_app(app, settings)  # the page language: before any template or message
    _attach_migrations(app, settings)

    from munjigi.security.gatekeeper import Gatekeeper

    Gatekeeper(settings).init_app(app)

    from munjigi import protection

    # SPEC §6: headers, rate limits, anti-bot, audit chain; before the features' own hooks.
    protection.init_app(app, settings)

    from munjigi.security import caching

    caching.init_app(app)  # SPEC §3: no-store on everything that may carry tokens or PII

    from munjigi import auth
    from munjigi import recipes

    app.register_blueprint(auth.bp)
    app.register_blueprint(recipes.bp)

    from munjigi import account
    from munjigi import admin
    from munjigi import dashboard
    from munjigi import pages

    pages.init_app(app)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)

    from munjigi import reports

    app.register_blueprint(reports.bp)

    from munjigi import mfa

    mfa.init_app(app)  # second factors and /reauth: pages, after pages.init_app

    from munjigi import passkeys

    app.register_blueprint(passkeys.bp)  # after pages.init_app: it adds its pages there

    from munjigi.recipes import views as recipe_pages

    recipe_pages.init_app(app)  # the recipe pages: after pages.init_app

    from munjigi import lifecycle

    lifecycle.init_app(app, settings)  # mail, verification, reset, email change: after pages

    from munjigi import apidocs

    apidocs.init_app(app)
    _enable_cors(app, settings)

    from munjigi.errors import register_error_handlers

    register_error_handlers(app)

    from munjigi import cli

    cli.init_app(app)
    # Every route exists now: resolve their declared policies into the gate's table.
    gate.bind(app)
    return app


def _enable_cors(app: APIFlask, settings: Settings) -> None:
    """SPEC §4: a single-page app on a configured origin may call the API (Bearer or cookies).

    Only the listed origins are answered; a wildcard is never combined with credentials.
    """
    origins = list(settings.cors_origins)
    wildcard = "*" in origins
    CORS(
        app,
        origins=origins,
        # X-Altcha / X-Altcha-Capable: the proof-of-work flow of SPEC §6.
        allow_headers=[
            "Authorization",
            "Content-Type",
            "X-CSRF-Token",
            "X-Altcha",
            "X-Altcha-Capable",
        ],
        expose_headers=["Retry-After"],
        supports_credentials=not wildcard,
        send_wildcard=wildcard,
        max_age=600,
    )


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


def _attach_migrations(app: APIFlask, settings: Settings) -> None:
    """Flask-Migrate's ``flask db`` commands: on the command line, and outside production.

    Alembic, Mako and Pygments cost ~11 MB in every process that imports them. A production
    worker serving requests never migrates: the migration Job runs ``flask db upgrade``,
    which builds the app inside the ``flask`` command (a click context), so only it loads
    them (docs/performance.md, "Memory").
    """
    import click

    if settings.env == "production" and click.get_current_context(silent=True) is None:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True)
