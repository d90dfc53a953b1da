"""Admin pages. Every view needs an admin; a member gets the 403 page."""

from __future__ import annotations

from http import HTTPStatus

from flask import Response
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from munjigi import pages
from munjigi import wording
from munjigi.admin import auditlog
from munjigi.admin import bp
from munjigi.admin import search
from munjigi.admin import services
from munjigi.auth import devices
from munjigi.errors import AppError
from munjigi.security.models import Role
from munjigi.security.stepup import fresh_auth_required

admin_page = pages.page(role=Role.ADMIN)


@bp.get("/")
@admin_page
def index() -> Response:
    return pages.see_other(url_for("admin.users"))


@bp.get("/users")
@admin_page
def users() -> str:
    query = search.UserQuery(
        q=request.args.get("q", "")[:254],
        by=request.args.get("by", ""),
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    found = search.find_users(query)
    return render_template("admin/users.html", query=query, page=found, notice=_notice())


@bp.get("/users/<int:user_id>")
@admin_page
def user(user_id: int) -> Response:
    return _user_page(user_id)


@bp.post("/users/<int:user_id>/role")
@admin_page
@fresh_auth_required(page=True)
def change_role(user_id: int) -> Response:
    try:
        services.change_role(pages.principal(), user_id, request.form.get("role", ""))
    except AppError as error:
        return _user_page(user_id, error)
    return pages.see_other(url_for("admin.user", user_id=user_id, notice="role_changed"))


@bp.post("/users/<int:user_id>/lock")
@admin_page
@fresh_auth_required(page=True)
def lock(user_id: int) -> Response:
    try:
        services.set_locked(pages.principal(), user_id, locked=True)
    except AppError as error:
        return _user_page(user_id, error)
    return pages.see_other(url_for("admin.user", user_id=user_id, notice="locked"))


@bp.post("/users/<int:user_id>/unlock")
@admin_page
@fresh_auth_required(page=True)
def unlock(user_id: int) -> Response:
    services.set_locked(pages.principal(), user_id, locked=False)
    return pages.see_other(url_for("admin.user", user_id=user_id, notice="unlocked"))


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@admin_page
@fresh_auth_required(page=True)
def delete(user_id: int) -> Response:
    target = services.get_user(user_id)
    if request.method == "GET":
        return pages.render("admin/delete.html", target=target, errors={})
    try:
        services.delete_user(pages.principal(), user_id, request.form.get("confirm", ""))
    except AppError as error:
        errors = wording.field_errors(error.fields) or {"form": [_english(error)]}
        return pages.render("admin/delete.html", error.status, target=target, errors=errors)
    return pages.see_other(url_for("admin.users", notice="deleted"))


@bp.post("/users/<int:user_id>/reset-factors")
@admin_page
@fresh_auth_required(page=True)
def reset_factors(user_id: int) -> Response:
    services.reset_factors(pages.principal(), user_id)
    return pages.see_other(url_for("admin.user", user_id=user_id, notice="factors_reset"))


@bp.get("/audit")
@admin_page
def audit() -> str:
    query = auditlog.AuditQuery(
        event=request.args.get("event", "").strip(),
        outcome=request.args.get("outcome", ""),
        user=request.args.get("user", "").strip()[:254],
        after=request.args.get("after"),
        before=request.args.get("before"),
        ip=request.args.get("ip", "").strip()[:45],
        since=request.args.get("since", "").strip()[:40],
        until=request.args.get("until", "").strip()[:40],
    )
    found = auditlog.find_events(query)
    return render_template(
        "admin/audit.html",
        query=query,
        found=found,
        events=auditlog.KNOWN_EVENTS,
        outcomes=auditlog.OUTCOMES,
    )


def _user_page(user_id: int, error: AppError | None = None) -> Response:
    target = services.get_user(user_id)
    status = error.status if error else HTTPStatus.OK
    return pages.render(
        "admin/user.html",
        status,
        target=target,
        sessions=services.live_sessions(target.id),
        factors=services.second_factors(target.id),
        describe=devices.describe,
        roles=[str(role) for role in Role],
        error=_english(error) if error else None,
        notice=_notice(),
    )


def _english(error: AppError) -> str:
    # The API's messages are Korean; the page says it in the page's language.
    return wording.error_message(error.code)


def _notice() -> str | None:
    key = request.args.get("notice", "")
    if key == "factors_reset":
        return str(
            _("Second factors removed. The user can log in with the password and enrol again.")
        )
    return wording.NOTICES.get(key)
