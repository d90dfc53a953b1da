"""Pages: /account/security (TOTP, recovery codes), the second login step, and /reauth."""

from __future__ import annotations

from http import HTTPStatus

from flask import Response
from flask import request
from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from munjigi import pages
from munjigi.mfa import bp
from munjigi.mfa import services
from munjigi.mfa.exceptions import AlreadyEnrolledError
from munjigi.mfa.exceptions import ChallengeInvalidError
from munjigi.mfa.exceptions import CodeInvalidError
from munjigi.mfa.exceptions import NotEnrolledError
from munjigi.mfa.exceptions import ReauthFailedError
from munjigi.security import policy
from munjigi.security import transport
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.stepup import fresh_auth_required

NOTICES = {
    "totp_enabled": _l("Two-step verification is on. Keep your recovery codes somewhere safe."),
    "totp_disabled": _l("Your authenticator app was removed."),
    "totp_missing": _l("Set up an authenticator app first."),
}
FORM_EXPIRED = _l("This form expired. Please submit it again.")
WRONG_CODE = _l("That code didn't work. Check your app (or your recovery codes) and try again.")
CONFIRM_FAILED = _l("That code didn't match. Type the 6-digit code your app shows now.")
REAUTH_FAILED = _l("That didn't match. Try your password again.")


@bp.get("/account/security")
@pages.page
def security() -> Response:
    state = services.overview(pages.principal().user_id)
    notice = NOTICES.get(request.args.get("notice", ""))
    return pages.render(
        "mfa/security.html",
        notice=notice,
        totp=state.totp,
        recovery_remaining=state.recovery_remaining,
        methods=state.methods,
    )


@bp.route("/account/security/totp", methods=["GET", "POST"])
@pages.page
@fresh_auth_required(page=True)
def enrol_totp() -> Response:
    principal = pages.principal()
    errors: dict[str, list[str]] = {}
    try:
        if request.method == "POST":
            codes = services.confirm_totp(principal, request.form.get("code", "")[:64])
            return _codes_page(codes, first_time=True)
        enrolment = services.start_totp(principal)
    except AlreadyEnrolledError:
        return pages.see_other(url_for("mfa.security"))
    except NotEnrolledError:
        return pages.see_other(url_for("mfa.enrol_totp"))
    except CodeInvalidError:
        errors = {"code": [CONFIRM_FAILED]}
        enrolment = services.start_totp(principal)
    status = HTTPStatus.BAD_REQUEST if errors else HTTPStatus.OK
    return pages.render("mfa/enrol_totp.html", status, enrolment=enrolment, errors=errors)


@bp.post("/account/security/totp/disable")
@pages.page
@fresh_auth_required(page=True)
def disable_totp() -> Response:
    try:
        services.disable_totp(pages.principal())
    except NotEnrolledError:
        pass
    return pages.see_other(url_for("mfa.security", notice="totp_disabled"))


@bp.post("/account/security/recovery-codes")
@pages.page
@fresh_auth_required(page=True)
def regenerate_recovery_codes() -> Response:
    try:
        codes = services.regenerate_recovery_codes(pages.principal())
    except NotEnrolledError:
        return pages.see_other(url_for("mfa.security", notice="totp_missing"))
    return _codes_page(codes, first_time=False)


@bp.post("/login/second-factor")
@policy.route(rate="login")
def second_step() -> Response:
    """The second step of /login: the challenge (hidden) and a TOTP or recovery code."""
    token = request.form.get("challenge", "")[:200]
    target = pages.safe_next(request.form.get("next"))
    code = request.form.get("code", "").strip()[:64]
    if not pages.form_csrf_ok():
        return second_step_page(token, target, {"form": [FORM_EXPIRED]}, HTTPStatus.BAD_REQUEST)
    if not code:
        errors = {"code": [gettext("Enter the code from your app or a recovery code.")]}
        return second_step_page(token, target, errors, HTTPStatus.UNPROCESSABLE_ENTITY)
    try:
        _, issued = services.login_with_code(token, code)
    except CodeInvalidError:
        return second_step_page(token, target, {"code": [WRONG_CODE]}, HTTPStatus.BAD_REQUEST)
    except ChallengeInvalidError:
        return pages.render(
            "message.html",
            HTTPStatus.UNAUTHORIZED,
            title=gettext("Please log in again"),
            message=gettext("This sign-in expired or had too many wrong codes. Start again."),
            link_url=url_for("auth.login_page", next=target),
            link_text=gettext("Log in"),
        )
    response = pages.see_other(target)
    transport.set_token_cookies(response, issued, gatekeeper().settings)
    return response


def second_step_page(
    token: str,
    target: str,
    errors: dict[str, list[str]] | None = None,
    status: int = HTTPStatus.OK,
    methods: list[str] | None = None,
) -> Response:
    """The form that asks for the second factor (also rendered by /login after the password)."""
    return pages.render(
        "mfa/second_step.html",
        status,
        challenge=token,
        next=target,
        errors=errors or {},
        methods=methods or [],
    )


@bp.route("/reauth", methods=["GET", "POST"])
@policy.route(form="login")
@pages.page
def reauth() -> Response:
    target = pages.safe_next(request.values.get("next"))
    principal = pages.principal()
    methods = services.overview(principal.user_id).methods
    if request.method == "GET":
        return pages.render("mfa/reauth.html", next=target, errors={}, methods=methods)
    form = request.form
    if not form.get("password") and not form.get("code", "").strip():
        # Nothing typed is not a wrong guess: it must not count toward revoking the session.
        errors = {"password": [gettext("Enter your password.")]}
        return pages.render(
            "mfa/reauth.html",
            HTTPStatus.UNPROCESSABLE_ENTITY,
            next=target,
            errors=errors,
            methods=methods,
        )
    try:
        services.reauthenticate(
            principal,
            password=form.get("password", "")[:1024],
            code=form.get("code", "").strip()[:64],
        )
    except ReauthFailedError:
        errors = {"form": [REAUTH_FAILED]}
        return pages.render(
            "mfa/reauth.html", HTTPStatus.BAD_REQUEST, next=target, errors=errors, methods=methods
        )
    return pages.see_other(target)


def _codes_page(codes: list[str], *, first_time: bool) -> Response:
    response = pages.render("mfa/recovery_codes.html", codes=codes, first_time=first_time)
    response.headers["Cache-Control"] = "no-store"
    return response
