"""The lifecycle JSON API under /members: verification, password reset, change of email.

Answers that would reveal whether an address has an account are one neutral message.
"""

from __future__ import annotations

from typing import Any

from munjigi.lifecycle import bp
from munjigi.lifecycle import schemas
from munjigi.lifecycle import services
from munjigi.responses import success
from munjigi.security.decorators import auth_required
from munjigi.security.decorators import current_principal
from munjigi.security.stepup import fresh_auth_required

BEARER: list[str | dict[str, list[Any]]] = [{"BearerAuth": []}, {"CookieAuth": []}]
SENT_IF_KNOWN = "해당 이메일로 가입된 계정이 있으면 메일을 보냈습니다."
LINK_ERRORS = {400: "link_invalid: unknown, spent, expired or tampered link", 422: "Invalid input"}
MAIL_ERRORS = {422: "Invalid input", 429: "Too many mails asked from this IP"}


@bp.post("/members/email/verification")
@bp.input(schemas.EmailIn, arg_name="body")
@bp.output(schemas.Neutral)
@bp.doc(summary="Send the verification mail again (neutral answer)", responses=MAIL_ERRORS)
def resend_verification(body: dict[str, str]) -> dict[str, Any]:
    services.resend_verification(body["email"])
    return success(SENT_IF_KNOWN)


@bp.post("/members/email/verify")
@bp.input(schemas.TokenIn, arg_name="body")
@bp.output(schemas.VerifiedOut)
@bp.doc(summary="Verify an address with the token from the mailed link", responses=LINK_ERRORS)
def verify_email(body: dict[str, str]) -> dict[str, Any]:
    user = services.verify_email(body["token"])
    return success("이메일 인증 성공", user_id=user.id)


@bp.post("/members/password/forgot")
@bp.input(schemas.EmailIn, arg_name="body")
@bp.output(schemas.Neutral)
@bp.doc(summary="Mail a password-reset link (neutral answer)", responses=MAIL_ERRORS)
def forgot_password(body: dict[str, str]) -> dict[str, Any]:
    services.request_password_reset(body["email"])
    return success(SENT_IF_KNOWN)


@bp.post("/members/password/reset")
@bp.input(schemas.ResetIn, arg_name="body")
@bp.output(schemas.VerifiedOut)
@bp.doc(
    summary="Set a new password with a reset token; every session of the member ends",
    responses=LINK_ERRORS,
)
def reset_password(body: dict[str, str]) -> dict[str, Any]:
    user = services.reset_password(body["token"], body["password"])
    return success("비밀번호 재설정 성공", user_id=user.id)


@bp.get("/members/email")
@bp.output(schemas.EmailStatusOut)
@bp.doc(summary="The caller's address and whether it is verified", security=BEARER)
@auth_required
def get_email() -> dict[str, Any]:
    user, required = services.email_status(current_principal())
    return success(
        "ok",
        email=user.email,
        verified=user.email_verified_at is not None,
        verified_at=user.email_verified_at,
        verification_required=required,
    )


@bp.post("/members/email")
@bp.input(schemas.EmailIn, arg_name="body")
@bp.output(schemas.Neutral)
@bp.doc(
    summary="Change the address: a link goes to the new one, a notice to the old one "
    "(needs a fresh authentication: POST /members/reauth on 401 reauth_required)",
    security=BEARER,
    responses={**MAIL_ERRORS, 401: "reauth_required"},
)
@auth_required
@fresh_auth_required()
def change_email(body: dict[str, str]) -> dict[str, Any]:
    services.request_email_change(current_principal(), body["email"])
    return success("새 이메일로 확인 메일을 보냈습니다.")


@bp.post("/members/email/confirm")
@bp.input(schemas.TokenIn, arg_name="body")
@bp.output(schemas.VerifiedOut)
@bp.doc(
    summary="Confirm a change of address with the token mailed to the new one",
    responses={**LINK_ERRORS, 409: "email_taken"},
)
def confirm_email(body: dict[str, str]) -> dict[str, Any]:
    user = services.confirm_email_change(body["token"])
    return success("이메일 변경 성공", user_id=user.id)


@bp.post("/members/email/verification/me")
@bp.output(schemas.Neutral)
@bp.doc(
    summary="Send the signed-in member's verification mail again",
    security=BEARER,
    responses={429: "Too many mails asked from this IP"},
)
@auth_required
def resend_own_verification() -> dict[str, Any]:
    sent = services.resend_own_verification(current_principal())
    return success("인증 메일을 보냈습니다." if sent else "이미 인증된 이메일입니다.")
