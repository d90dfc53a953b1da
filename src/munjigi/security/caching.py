"""``Cache-Control: no-store`` on every response that may carry tokens or personal data.

Declared once, as a rule on the response rather than per view (SPEC §3): a response is
private when the request carried credentials (``Authorization`` or any cookie), when it
used an unsafe method (logins, token refreshes, second factors, passkey ceremonies answer
POSTs), or when the response sets a cookie. Threat: a token or a member's details kept in
a shared proxy's or the browser's disk cache. A view that chose its own ``Cache-Control``
(the public JWKS, robots.txt) keeps it; public anonymous reads are left cacheable.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_private(response: Response) -> bool:
    """Whether ``response`` may carry a token or personal data."""
    return (
        request.method not in SAFE_METHODS
        or "Authorization" in request.headers
        or bool(request.cookies)
        or "Set-Cookie" in response.headers
    )


def apply(response: Response) -> Response:
    """Mark a private response ``no-store`` unless its view said otherwise."""
    if "Cache-Control" not in response.headers and is_private(response):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Apply the rule after every request, error responses included."""
    app.after_request(apply)
