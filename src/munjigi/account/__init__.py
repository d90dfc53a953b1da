"""/account: my details, my sessions, change password, delete my account."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from munjigi.account import views  # noqa: E402,F401  (routes register themselves on bp)
