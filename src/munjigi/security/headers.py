"""Security headers on every response (errors and 404s included), with a CSP nonce per request.

Threats: cross-site scripting (a Content-Security-Policy that runs only our own files and
scripts carrying this request's nonce: no ``'unsafe-inline'`` for scripts), clickjacking
(``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), MIME sniffing, leaking URLs in
``Referer``, powerful browser features nobody asked for, and protocol downgrade (HSTS, in
production only: a development server on plain http must not pin itself to https).

Templates write ``<script nonce="{{ csp_nonce() }}">``; the nonce is random per request, so
an injected ``<script>`` cannot guess it. Styles are files too (no ``style=`` attribute, no
``'unsafe-inline'``); a ``<style>`` block needs the nonce. The only third-party page, the
Swagger UI at ``/api/docs``, gets the nonce added to its inline bootstrap script here (and
to its ``<style>`` block in apidocs.py).
"""

from __future__ import annotations

import re
import secrets

from flask import Flask
from flask import Response
from flask import request

from munjigi.config import Settings

NONCE_BYTES = 16
# Features a recipe site never needs; an XSS cannot turn them on.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# APIFlask renders the Swagger UI page with bare inline <script> tags.
_DOCS_ENDPOINTS = frozenset({"openapi.docs"})
_BARE_SCRIPT = re.compile(rb"<script>")


def csp_nonce() -> str:
    """This request's CSP nonce (the same value for every call within the request)."""
    # Kept in the WSGI environ: ``g`` can outlive a request (an app context pushed around it).
    nonce = request.environ.get("munjigi.csp_nonce")
    if nonce is None:
        nonce = secrets.token_urlsafe(NONCE_BYTES)
        request.environ["munjigi.csp_nonce"] = nonce
    return str(nonce)


def content_security_policy(nonce: str) -> str:
    """The policy for a response whose scripts carry ``nonce``."""
    return _CSP_HEAD + nonce + _CSP_MID + nonce + _CSP_TAIL


# Precomputed around the nonce: scripts and styles both need it (no 'unsafe-inline').
_CSP_HEAD = "default-src 'self'; script-src 'self' 'nonce-"
_CSP_MID = "'; style-src 'self' 'nonce-"
_CSP_TAIL = "'; " + "; ".join(
    (
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class SecurityHeaders:
    """The headers of one app, computed once; ``apply`` only adds this request's nonce."""

    def __init__(self, settings: Settings) -> None:
        fixed = [
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("Permissions-Policy", PERMISSIONS_POLICY),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        if settings.env == "production":
            hsts = f"max-age={settings.hsts_max_age}; includeSubDomains"
            fixed.append(("Strict-Transport-Security", hsts))
        self.fixed = tuple(fixed)

    def apply(self, response: Response) -> Response:
        """Set every security header on ``response`` (kept if a view chose its own)."""
        nonce = csp_nonce()
        if request.endpoint in _DOCS_ENDPOINTS and response.mimetype == "text/html":
            body = response.get_data()
            response.set_data(_BARE_SCRIPT.sub(f'<script nonce="{nonce}">'.encode(), body))
        headers = response.headers
        if "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = content_security_policy(nonce)
        for name, value in self.fixed:
            if name not in headers:
                headers[name] = value
        return response


def init_app(app: Flask, settings: Settings) -> SecurityHeaders:
    """``csp_nonce()`` for templates; the gate (munjigi/gate.py) applies the headers."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    found = SecurityHeaders(settings)
    app.extensions["munjigi.headers"] = found
    return found
