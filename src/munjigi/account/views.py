"""/account pages: details, sessions, password, deletion. Errors appear next to their field."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response
from flask import request
from flask import url_for
from flask_babel import gettext as _

from munjigi import pages
from munjigi import wording
from munjigi.account import bp
from munjigi.account import services
from munjigi.auth import devices
from munjigi.auth import services as auth_services
from munjigi.auth.exceptions import SessionNotFoundError
from munjigi.errors import AppError
from munjigi.errors import ValidationError
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.stepup import fresh_auth_required


@bp.get("")
@pages.page(password_step=True)
def account() -> Response:
    return _account_page()


@bp.post("")
@pages.page
def update_profile() -> Response:
    try:
        services.update_profile(pages.principal(), request.form.to_dict())
    except ValidationError as error:
        return _account_page(profile_errors=wording.field_errors(error.fields), status=error.status)
    return pages.see_other(url_for("account.account", notice="profile_saved"))


@bp.post("/locale")
@pages.page
def set_locale() -> Response:
    try:
        services.set_locale(pages.principal(), request.form.get("locale", ""))
    except ValidationError as error:
        return _account_page(locale_errors=wording.field_errors(error.fields), status=error.status)
    return pages.see_other(url_for("account.account", notice="locale_saved") + "#language")


@bp.post("/password")
@pages.page(password_step=True)
@fresh_auth_required(page=True)
def change_password() -> Response:
    form = request.form
    try:
        services.change_password(
            pages.principal(),
            form.get("current_password", ""),
            form.get("new_password", ""),
            form.get("new_password_confirm", ""),
        )
    except ValidationError as error:
        errors = wording.field_errors(error.fields)
        return _account_page(password_errors=errors, status=error.status)
    return pages.see_other(url_for("account.account", notice="password_changed"))


@bp.post("/sessions/<string:session_id>/revoke")
@pages.page
def revoke_session(session_id: str) -> Response:
    principal = pages.principal()
    try:
        auth_services.revoke_session(principal, session_id[:32])
    except SessionNotFoundError:
        return pages.see_other(url_for("account.account", notice="session_revoked"))
    if session_id == principal.session_id:
        pages.clear_cookies_after()
        return pages.login_redirect("signed_out", "/")
    return pages.see_other(url_for("account.account", notice="session_revoked"))


@bp.post("/sessions/revoke-others")
@pages.page
def revoke_other_sessions() -> Response:
    auth_services.revoke_other_sessions(pages.principal())
    return pages.see_other(url_for("account.account", notice="others_revoked"))


@bp.route("/delete", methods=["GET", "POST"])
@pages.page
@fresh_auth_required(page=True)
def delete_account() -> Response:
    if request.method == "GET":
        return pages.render("account/delete.html", errors={})
    if request.form.get("understood") != "yes":
        errors = {"understood": [_("Tick the box to confirm you understand.")]}
        return pages.render("account/delete.html", HTTPStatus.UNPROCESSABLE_ENTITY, errors=errors)
    try:
        services.delete_account(pages.principal(), request.form.get("password", ""))
    except AppError as error:
        errors = wording.field_errors(error.fields) or {"form": [_english(error)]}
        return pages.render("account/delete.html", error.status, errors=errors)
    pages.clear_cookies_after()
    pages.forget_user()
    return pages.render(
        "message.html",
        title=_("Account deleted"),
        message=_("Your account and everything in it were deleted. Thank you for using Munjigi."),
        session_event="logout",
        link_url=url_for("auth.signup_page"),
        link_text=_("Create a new account"),
    )


def _account_page(
    profile_errors: dict[str, list[str]] | None = None,
    password_errors: dict[str, list[str]] | None = None,
    locale_errors: dict[str, list[str]] | None = None,
    status: int = HTTPStatus.OK,
) -> Response:
    principal = pages.principal()
    context: dict[str, Any] = {
        "user": pages.page_user(),
        "sessions": auth_services.list_sessions(principal),
        "current_session": principal.session_id,
        "describe": devices.describe,
        "profile_errors": profile_errors or {},
        "password_errors": password_errors or {},
        "locale_errors": locale_errors or {},
        "values": request.form if profile_errors else None,
        "notice": wording.NOTICES.get(request.args.get("notice", "")),
        "password_min": gatekeeper().settings.password_min_length,
    }
    return pages.render("account/index.html", status, **context)


def _english(error: AppError) -> str:
    if error.code == "last_admin":
        text = _("You are the only admin. Make someone else an admin before deleting your account.")
        return str(text)
    return wording.error_message(error.code)
