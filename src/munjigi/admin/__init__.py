"""The admin console: /admin/users (search, view, role, lock, delete) and /admin/audit."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from munjigi.admin import views  # noqa: E402,F401  (routes register themselves on bp)
