"""/account: my details, my sessions, change password, delete my account."""

from __future__ import annotations

from flask import Blueprint

from munjigi.security import policy

bp = Blueprint("account", __name__, url_prefix="/account")
policy.declare(bp, kind=policy.PAGE)  # what its routes are, unless a route says

from munjigi.account import views  # noqa: E402,F401  (routes register themselves on bp)
