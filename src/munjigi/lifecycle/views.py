"""The lifecycle pages: forgot / reset password, verify an address, change it (/account/email).

Links in mail open a confirm page (GET spends nothing: mail scanners fetch links) whose
button POSTs the token. Token pages send ``Referrer-Policy: no-referrer`` and no-store.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Response
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from munjigi import pages
from munjigi import wording
from munjigi.errors import ValidationError
from munjigi.lifecycle import bp
from munjigi.lifecycle import services
from munjigi.lifecycle.exceptions import EmailTakenError
from munjigi.lifecycle.exceptions import LinkInvalidError
from munjigi.security import policy
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.stepup import fresh_auth_required

FORM_EXPIRED = _l("This form expired. Please submit it again.")
EMAIL_INVALID = _l("Enter an email address like kim@example.com.")
LINK_INVALID = _l(
    "This link doesn't work any more: it was used already, a newer one was sent, or it "
    "expired. Ask for a new one."
)


def _token_page(template: str, status: int = HTTPStatus.OK, **context: object) -> Response:
    minimum = gatekeeper().settings.password_min_length
    response = pages.render(template, status, password_min=minimum, **context)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(title: str, message: str, link: str, link_text: str, status: int = 200) -> Response:
    return _token_page(
        "message.html", status, title=title, message=message, link_url=link, link_text=link_text
    )


def _invalid_link(again: str) -> Response:
    return _message(
        _("Link not valid"), str(LINK_INVALID), url_for(again), _("Ask for a new link"), 400
    )


def _email_problems(email: str) -> dict[str, list[str]]:
    if not email or "@" not in email or len(email) > 254:
        return {"email": [EMAIL_INVALID]}
    return {}


@bp.route("/password/forgot", methods=["GET", "POST"])
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
def forgot_password_page() -> Response:
    email = request.form.get("email", "").strip()
    if request.method == "GET":
        return pages.render("lifecycle/forgot.html", errors={}, email="")
    errors = _email_problems(email) if pages.form_csrf_ok() else {"form": [FORM_EXPIRED]}
    if errors:
        return pages.render("lifecycle/forgot.html", 422, errors=errors, email=email)
    services.request_password_reset(email)
    return _message(
        _("Check your inbox"),
        _(
            "If an account uses %(email)s, a mail is on its way. The link in it works once.",
            email=email,
        ),
        url_for("auth.login_page"),
        _("Back to log in"),
    )


@bp.route("/password/reset", methods=["GET", "POST"])
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
def reset_password_page() -> Response:
    token = request.values.get("token", "")
    if request.method == "GET":
        if not services.reset_link_ok(token):
            return _invalid_link("lifecycle.forgot_password_page")
        return _token_page("lifecycle/reset.html", token=token, errors={})
    if not pages.form_csrf_ok():
        return _token_page(
            "lifecycle/reset.html", 400, token=token, errors={"form": [FORM_EXPIRED]}
        )
    form = request.form
    try:
        services.reset_password(token, form.get("password", ""), form.get("password_confirm", ""))
    except LinkInvalidError:
        return _invalid_link("lifecycle.forgot_password_page")
    except ValidationError as error:
        errors = wording.field_errors(error.fields)
        return _token_page("lifecycle/reset.html", error.status, token=token, errors=errors)
    pages.clear_cookies_after()  # every session ended, this browser's too
    return _message(
        _("Password changed"),
        _("Your new password is set and every session was signed out. Log in with it now."),
        url_for("auth.login_page"),
        _("Log in"),
    )


@bp.route("/email/verify", methods=["GET", "POST"])
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
def verify_email_page() -> Response:
    token = request.values.get("token", "")
    if request.method == "GET":
        if not services.verify_link_ok(token):
            return _invalid_link("lifecycle.resend_verification_page")
        return _token_page("lifecycle/confirm.html", token=token, kind="verify")
    if not pages.form_csrf_ok():
        return _token_page("lifecycle/confirm.html", 400, token=token, kind="verify")
    try:
        services.verify_email(token)
    except LinkInvalidError:
        return _invalid_link("lifecycle.resend_verification_page")
    return _message(
        _("Email verified"),
        _("Thank you: your address is confirmed."),
        "/",
        _("Go to the dashboard"),
    )


@bp.route("/email/resend", methods=["GET", "POST"])
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
def resend_verification_page() -> Response:
    email = request.form.get("email", "").strip()
    if request.method == "GET":
        return pages.render("lifecycle/resend.html", errors={}, email="")
    errors = _email_problems(email) if pages.form_csrf_ok() else {"form": [FORM_EXPIRED]}
    if errors:
        return pages.render("lifecycle/resend.html", 422, errors=errors, email=email)
    services.resend_verification(email)
    return _message(
        _("Check your inbox"),
        _(
            "If an account uses %(email)s, a mail is on its way. The link in it works once.",
            email=email,
        ),
        url_for("auth.login_page"),
        _("Back to log in"),
    )


@bp.route("/email/confirm", methods=["GET", "POST"])
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
def confirm_email_page() -> Response:
    token = request.values.get("token", "")
    if request.method == "GET":
        new_email = services.pending_email(token)
        if new_email is None:
            return _invalid_link("lifecycle.account_email_page")
        return _token_page("lifecycle/confirm.html", token=token, kind="email", email=new_email)
    if not pages.form_csrf_ok():
        return _token_page("lifecycle/confirm.html", 400, token=token, kind="email", email="")
    try:
        user = services.confirm_email_change(token)
    except LinkInvalidError:
        return _invalid_link("lifecycle.account_email_page")
    except EmailTakenError:
        taken = _("Another account uses that address now, so yours was not changed.")
        back = url_for("account.account")
        return _message(_("Address not changed"), taken, back, _("My account"), 409)
    done = _("Your account's address is now %(email)s.", email=user.email)
    return _message(_("Email changed"), done, url_for("account.account"), _("My account"))


@bp.get("/account/email")
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
@pages.page
def account_email_page() -> Response:
    return _account_email(sent=request.args.get("sent") == "1")


@bp.post("/account/email")
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
@pages.page
@fresh_auth_required(page=True)
def change_email_page() -> Response:
    new_email = request.form.get("email", "").strip()
    errors = _email_problems(new_email)
    try:
        if not errors:
            services.request_email_change(pages.principal(), new_email)
    except ValidationError as error:
        errors = wording.field_errors(error.fields)
    if errors:
        return _account_email(errors=errors, email=new_email, status=error_status(errors))
    return pages.see_other(url_for("lifecycle.account_email_page", sent="1"))


def error_status(errors: dict[str, list[str]]) -> int:
    return HTTPStatus.UNPROCESSABLE_ENTITY if errors else HTTPStatus.OK


def _account_email(
    *,
    sent: bool = False,
    errors: dict[str, list[str]] | None = None,
    email: str = "",
    status: int = HTTPStatus.OK,
) -> Response:
    user, required = services.email_status(pages.principal())
    return pages.render(
        "lifecycle/account_email.html",
        status,
        user=user,
        required=required,
        errors=errors or {},
        email=email,
        sent=sent,
    )


@bp.post("/account/email/verification")
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
@pages.page
def account_resend_page() -> Response:
    services.resend_own_verification(pages.principal())
    return pages.see_other(url_for("lifecycle.account_email_page", sent="1"))
