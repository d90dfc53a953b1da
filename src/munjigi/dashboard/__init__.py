"""``/``: the signed-in landing page, and the signed login hand-off (``POST /``)."""

from __future__ import annotations

from flask import Blueprint

from munjigi.security import policy

bp = Blueprint("dashboard", __name__)
policy.declare(bp, kind=policy.PAGE)  # what its routes are, unless a route says

from munjigi.dashboard import views  # noqa: E402,F401  (routes register themselves on bp)
