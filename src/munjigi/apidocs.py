"""The API docs at /api/docs: Swagger UI served by the app from the installed package, no CDN.

APIFlask renders the page (``docs_path``) and loads its assets from CDN URLs by default.
The ``flask-swagger-ui`` package ships the same Swagger UI files; this module serves them
from that package's directory and points APIFlask's settings at them. It also tells the
OpenAPI document the real shape of our error bodies (``responses.failure``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import flask_swagger_ui
from apiflask import APIFlask
from flask import Blueprint
from flask import Response
from flask import request

from munjigi.security import policy
from munjigi.security.headers import csp_nonce

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


# APIFlask's Swagger UI page has one bare <style> block; the CSP allows styles by nonce only.
_BARE_STYLE = re.compile(rb"<style>")


def _style_nonce(response: Response) -> Response:
    if request.endpoint == "openapi.docs" and response.mimetype == "text/html":
        tag = f'<style nonce="{csp_nonce()}">'.encode()
        response.set_data(_BARE_STYLE.sub(tag, response.get_data()))
    return response


def exact(spec: dict[Any, Any] | str) -> dict[Any, Any] | str:
    """What APIFlask leaves loose in the document, made exact (openapi-spec-validator passes).

    - ``operationId`` unique: a view served at two paths (``/posts`` and ``/posts/``) gets
      one id per path, the second suffixed with its position.
    - A request body is ``required``: every operation with a body refuses a request
      without one (422), APIFlask just never says so.
    """
    if isinstance(spec, str):  # APIFlask hands over a dict (the JSON document is built later)
        return spec
    seen: dict[str, int] = {}
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            if "operationId" in operation:
                name = operation["operationId"]
                seen[name] = seen.get(name, 0) + 1
                if seen[name] > 1:
                    operation["operationId"] = f"{name}_{seen[name]}"
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return spec


def init_app(app: APIFlask) -> None:
    """Serve the Swagger UI assets and configure the docs page and the error schemas."""
    app.register_blueprint(bp)
    app.after_request(_style_nonce)
    app.spec_processor(exact)
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
        # Every operation gets an id (``<method>_<endpoint>`` unless the route names one).
        AUTO_OPERATION_ID=True,
        HTTP_ERROR_SCHEMA=FAILURE_SCHEMA,
        VALIDATION_ERROR_SCHEMA=FAILURE_SCHEMA,
    )
