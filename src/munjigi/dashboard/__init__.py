"""``/``: the signed-in landing page, and the signed login hand-off (``POST /``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from munjigi.dashboard import views  # noqa: E402,F401  (routes register themselves on bp)
