"""Account lifecycle: email verification, password reset, change of email, notifications."""

from __future__ import annotations

from apiflask import APIBlueprint
from apiflask import APIFlask
from flask import Response

from munjigi import mail
from munjigi.config import Settings
from munjigi.security import policy

bp = APIBlueprint("lifecycle", __name__, tag="account lifecycle")
policy.declare(bp, kind=policy.API)  # what its routes are, unless a route says

from munjigi.lifecycle import api  # noqa: E402,F401  (routes register themselves on bp)
from munjigi.lifecycle import views  # noqa: E402,F401  (the pages)


def init_app(app: APIFlask, settings: Settings) -> None:
    """Mail, the lifecycle routes and pages, the audit-driven notifications."""
    from munjigi import pages
    from munjigi.errors import wants_json_response
    from munjigi.lifecycle import notify
    from munjigi.lifecycle import verification
    from munjigi.lifecycle.exceptions import EmailUnverifiedError

    mail.init_app(app, settings)
    verification.install()
    notify.install(app)
    app.register_blueprint(bp)

    @app.errorhandler(EmailUnverifiedError)
    def unverified(error: EmailUnverifiedError) -> Response:
        # A page (the login form) explains and offers a new mail; JSON keeps the envelope.
        if wants_json_response():
            from munjigi.errors import error_response

            return error_response(error.status, error.code, error.message)
        return pages.render("lifecycle/unverified.html", error.status, errors={}, email="")
