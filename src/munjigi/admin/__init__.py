"""The admin console: /admin/users (search, view, role, lock, delete) and /admin/audit."""

from __future__ import annotations

from flask import Blueprint

from munjigi.security import policy

bp = Blueprint("admin", __name__, url_prefix="/admin")
policy.declare(bp, kind=policy.PAGE)  # what its routes are, unless a route says

from munjigi.admin import views  # noqa: E402,F401  (routes register themselves on bp)
