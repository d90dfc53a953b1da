"""The sign-in pages: /login, /signup, /terms, the logout action and the no-script renewal.

Endpoint names are a contract: the protection layer keys its anti-bot and rate-limit rules
on ``auth.login_page`` and ``auth.signup_page``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from munjigi import pages
from munjigi import wording
from munjigi.auth import bp
from munjigi.auth import schemas
from munjigi.auth import services
from munjigi.auth.exceptions import DuplicateMemberError
from munjigi.auth.exceptions import LoginFailedError
from munjigi.errors import ValidationError
from munjigi.mfa import challenge
from munjigi.mfa import views as mfa_views
from munjigi.security import policy
from munjigi.security import sessions
from munjigi.security import tokens
from munjigi.security import transport
from munjigi.security.decorators import authenticate
from munjigi.security.decorators import verify_token
from munjigi.security.exceptions import AuthenticationError
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.sessions import IssuedTokens

FORM_EXPIRED = _l("This form expired. Please submit it again.")
LOGIN_FAILED = _l("Wrong username or password.")
TAKEN = _l("That username or email address is already taken.")


@bp.route("/login", methods=["GET", "POST"])
@policy.route(kind=policy.PAGE, form="login")
@bp.doc(hide=True)
def login_page() -> Response | str:
    target = pages.safe_next(request.values.get("next"))
    if request.method == "GET":
        return pages.see_other(target) if _signed_in() else _login_form(target)
    login = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not pages.form_csrf_ok():
        return _login_form(target, {"form": [FORM_EXPIRED]}, login, HTTPStatus.BAD_REQUEST)
    if not login or not password:
        required = [gettext("This field is required.")]
        missing = {f: required for f in ("username", "password") if not request.form.get(f)}
        return _login_form(target, missing, login, HTTPStatus.UNPROCESSABLE_ENTITY)
    try:
        _, issued = services.login(login, password)
    except LoginFailedError:
        return _login_form(target, {"form": [LOGIN_FAILED]}, login, HTTPStatus.BAD_REQUEST)
    if isinstance(issued, challenge.Pending):  # second factor enrolled: ask for it next
        return mfa_views.second_step_page(issued.token, target, methods=issued.methods)
    return _with_cookies(pages.see_other(target), issued)


@bp.route("/signup", methods=["GET", "POST"])
@policy.route(kind=policy.PAGE, form="signup")
@bp.doc(hide=True)
def signup_page() -> Response | str:
    if request.method == "GET":
        return _signup_form({}, {})
    values = {name: request.form.get(name, "").strip() for name in ("username", "email")}
    if not pages.form_csrf_ok():
        return _signup_form(values, {"form": [FORM_EXPIRED]}, HTTPStatus.BAD_REQUEST)
    password = request.form.get("password", "")
    errors = _signup_problems(values, password)
    if errors:
        return _signup_form(values, errors, HTTPStatus.UNPROCESSABLE_ENTITY)
    try:
        services.create_user(
            values["username"],
            password,
            values["email"],
            terms_accepted_at=gatekeeper().now(),
            send_verification=True,
        )
    except DuplicateMemberError:
        return _signup_form(values, {"username": [TAKEN]}, HTTPStatus.BAD_REQUEST)
    except ValidationError as error:
        return _signup_form(values, wording.field_errors(error.fields), error.status)
    done = url_for("auth.login_page", notice="signed_up", username=values["username"])
    return pages.see_other(done)


@bp.get("/terms")
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
def terms_page() -> str:
    return render_template("auth/terms.html")


@bp.post("/logout")
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
@pages.page(password_step=True)
def logout_page() -> Response:
    services.logout(pages.principal())
    pages.clear_cookies_after()
    pages.forget_user()
    html = render_template(
        "message.html",
        title=gettext("Signed out"),
        message=wording.NOTICES["signed_out"],
        session_event="logout",
        link_url=url_for("auth.login_page"),
        link_text=gettext("Log in again"),
    )
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


@bp.post("/members/tokens/renew")
@policy.route(kind=policy.PAGE, rate="refresh")
@bp.doc(hide=True)
def renew_page() -> Response:
    """The renew shell's button for browsers without script: rotate, then go back.

    Under the refresh cookie's path, so the browser sends that cookie here; the form
    carries ``csrf_refresh_token`` as ``csrf_token`` (double submit, plus the Origin rule).
    """
    target = pages.safe_next(request.form.get("next"))
    try:
        claims, _ = verify_token(tokens.REFRESH)
        issued = sessions.rotate_refresh(claims)
    except AuthenticationError:
        # Only a bad token or session ends this browser's sign-in. A CSRF or Origin refusal
        # (403) proves nothing about the session: clearing the cookies then would let any
        # site log our users out with a cross-site form.
        pages.clear_cookies_after()
        return pages.login_redirect("ended", target)
    return _with_cookies(pages.see_other(target), issued)


def _signed_in() -> bool:
    try:
        authenticate()
    except AuthenticationError:
        return False
    return True


def _login_form(
    target: str,
    errors: dict[str, list[str]] | None = None,
    login: str = "",
    status: int = HTTPStatus.OK,
) -> Response:
    notice = wording.NOTICES.get(request.args.get("notice", ""))
    html = render_template(
        "auth/login.html",
        next=target,
        errors=errors or {},
        login=login or request.args.get("username", ""),
        notice=notice,
        notice_kind="ended" if request.args.get("notice") == "ended" else "info",
    )
    return Response(html, status, mimetype="text/html")


def _signup_form(
    values: dict[str, str], errors: dict[str, list[str]], status: int = HTTPStatus.OK
) -> Response:
    html = render_template(
        "auth/signup.html",
        values=values,
        errors=errors,
        password_min=gatekeeper().settings.password_min_length,
    )
    return Response(html, status, mimetype="text/html")


def _signup_problems(values: dict[str, str], password: str) -> dict[str, list[str]]:
    """Field errors found before any service runs: the API's schema, plus the page's own."""
    found: dict[str, Any] = schemas.SignupIn().validate({**values, "password": password})
    errors = wording.field_errors(found)
    policy = gatekeeper().password_policy.problems(
        password, username=values["username"], email=values["email"]
    )
    if policy and "password" not in errors:
        errors["password"] = [wording.field_message(problem) for problem in policy]
    if password != request.form.get("password_confirm", ""):
        errors.setdefault("password_confirm", []).append(gettext("The two passwords don't match."))
    if request.form.get("terms") != "yes":
        errors["terms"] = [gettext("Please accept the terms to create an account.")]
    return errors


def _with_cookies(response: Response, issued: IssuedTokens) -> Response:
    transport.set_token_cookies(response, issued, gatekeeper().settings)
    return response
