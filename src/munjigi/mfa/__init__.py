"""Second factors: TOTP and recovery codes, the second login step, /reauth (step-up).

The JSON side of the MFA login (``POST /members/login`` → ``mfa_required``, then
``POST /members/login/mfa``) and ``POST /members/reauth`` live with the members API in
auth/api.py; the pages live here.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask

from munjigi.mfa import models  # noqa: F401  (tables join the metadata)
from munjigi.security import policy

bp = Blueprint("mfa", __name__)
policy.declare(bp, kind=policy.PAGE)  # what its routes are, unless a route says

from munjigi.mfa import views  # noqa: E402,F401  (routes register themselves on bp)


def init_app(app: Flask) -> None:
    """Register the pages (declared pages above: errors on them are pages too)."""
    app.register_blueprint(bp)
