"""The API docs at /api/docs: Swagger UI served by the app from the installed package, no CDN.

APIFlask renders the page (``docs_path``) and loads its assets from CDN URLs by default.
The ``flask-swagger-ui`` package ships the same Swagger UI files; this module serves them
from that package's directory and points APIFlask's settings at them. It also tells the
OpenAPI document the real shape of our error bodies (``responses.failure``).
"""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from apiflask import APIFlask
from flask import Blueprint

from munjigi.security import policy

ASSETS_DIR = Path(flask_swagger_ui.__file__).parent / "dist"
ASSETS_URL = "/api/docs/assets"

bp = Blueprint("apidocs", __name__, static_folder=str(ASSETS_DIR), static_url_path=ASSETS_URL)

# The body of every failure (errors.error_response): documented once, used by every operation.
FAILURE_SCHEMA = {
    "type": "object",
    "required": ["result", "message", "code"],
    "properties": {
        "result": {"type": "string", "enum": ["failed"]},
        "message": {"type": "string", "example": "입력값이 올바르지 않음"},
        "code": {"type": "string", "example": "validation_error"},
        "fields": {"type": "object", "description": "what is wrong with each invalid field"},
    },
}


def init_app(app: APIFlask) -> None:
    """Serve the Swagger UI assets and configure the docs page and the error schemas."""
    app.register_blueprint(bp)
    policy.declare(bp, kind=policy.FILE, rate=policy.EXEMPT)  # Swagger UI's static files
    # APIFlask's own blueprint: the OpenAPI document and the docs page.
    policy.declare(app.blueprints["openapi"], kind=policy.API)
    # Relative to the page (/api/docs), so the docs also work under a URL prefix.
    relative = ASSETS_URL.removeprefix("/api/")
    app.config.update(
        SWAGGER_UI_CSS=f"{relative}/swagger-ui.css",
        SWAGGER_UI_BUNDLE_JS=f"{relative}/swagger-ui-bundle.js",
        SWAGGER_UI_STANDALONE_PRESET_JS=f"{relative}/swagger-ui-standalone-preset.js",
        DOCS_FAVICON=f"{relative}/favicon-32x32.png",
        HTTP_ERROR_SCHEMA=FAILURE_SCHEMA,
        VALIDATION_ERROR_SCHEMA=FAILURE_SCHEMA,
    )
