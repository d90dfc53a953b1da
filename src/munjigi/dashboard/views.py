"""``GET /`` and ``POST /``: the landing page; a POST with hand-off fields signs in.

Both methods are served (the seeds' WordPress POSTed to ``/`` and met a 405).
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Response
from flask import render_template
from flask import request
from flask import url_for

from munjigi import pages
from munjigi.auth import devices
from munjigi.auth import handoff
from munjigi.dashboard import bp
from munjigi.dashboard import services
from munjigi.db import utcnow
from munjigi.mfa import challenge
from munjigi.mfa import views as mfa_views
from munjigi.recipes import pricing
from munjigi.reports import audit_links
from munjigi.reports import charts
from munjigi.reports import queries
from munjigi.reports import services as reports
from munjigi.security import policy
from munjigi.security import transport
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.handoff import HandoffError
from munjigi.security.models import Role


@bp.route("/", methods=["GET", "POST"])
@policy.route(form="login")
def index() -> Response | str:
    if request.method == "POST":  # SPEC §5: anything but a valid hand-off is 401
        return _accept_handoff()
    return _home()


@pages.page
def _home() -> str:
    overview = services.overview(pages.principal())
    recipe = request.args.get("recipe", "")
    kitchen = reports.kitchen(
        pages.principal().user_id, int(recipe) if recipe.isdigit() and len(recipe) < 10 else None
    )
    return render_template(
        "dashboard/index.html",
        overview=overview,
        describe=devices.describe,
        kitchen=kitchen,
        charts=charts,
        won=pricing.won,
    )


@bp.get("/admin/security")
@pages.page(role=Role.ADMIN)
def security() -> str:
    report = reports.security(request.args.get("range"), utcnow())
    return render_template(
        "dashboard/security.html",
        report=report,
        charts=charts,
        links=audit_links.AuditLinks(report.period),
        labels=queries.LABELS,
    )


def _accept_handoff() -> Response:
    """Open the session, then land on ``/`` through a page of our own (SameSite=Strict).

    The hand-off arrives as a cross-site POST: a redirect from it would still be
    cross-site, and the browser would withhold the Strict cookies it has just stored. The
    landing page's own navigation to ``/`` is same-site, so the cookies ride along.
    """
    try:
        _, issued = handoff.accept(request.form)
    except HandoffError:
        return pages.render(
            "message.html",
            HTTPStatus.UNAUTHORIZED,
            title="This sign-in link can't be used",
            message=(
                "It may have expired or been used already. Go back to the site that sent "
                "you here and sign in again, or log in with your Munjigi password."
            ),
            link_url=url_for("auth.login_page"),
            link_text="Log in",
        )
    if isinstance(issued, challenge.Pending):  # a second factor: continue at its step
        response = mfa_views.second_step_page(
            issued.token, url_for("dashboard.index"), methods=issued.methods
        )
        response.headers["Cache-Control"] = "no-store"
        return response
    response = pages.render("handoff.html", target=url_for("dashboard.index"))
    response.headers["Cache-Control"] = "no-store"
    transport.set_token_cookies(response, issued, gatekeeper().settings)
    return response
