"""Second factors: TOTP and recovery codes, the second login step, /reauth (step-up).

The JSON side of the MFA login (``POST /members/login`` → ``mfa_required``, then
``POST /members/login/mfa``) and ``POST /members/reauth`` live with the members API in
auth/api.py; the pages live here.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask

from munjigi.mfa import models  # noqa: F401  (tables join the metadata)

bp = Blueprint("mfa", __name__)

from munjigi.mfa import views  # noqa: E402,F401  (routes register themselves on bp)


def init_app(app: Flask) -> None:
    """Register the pages; errors on them are pages too (errors.wants_json_response)."""
    app.register_blueprint(bp)
    app.extensions["munjigi.pages"]["blueprints"].add("mfa")
