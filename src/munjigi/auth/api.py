"""The members API of SPEC §4 (plus /members/me and session management) and the JWKS."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask import after_this_request
from flask_babel import gettext as _

from munjigi.auth import bp
from munjigi.auth import devices
from munjigi.auth import schemas
from munjigi.auth import services
from munjigi.errors import ValidationError
from munjigi.extensions import db
from munjigi.mfa import challenge
from munjigi.mfa import services as mfa_services
from munjigi.responses import success
from munjigi.security import policy
from munjigi.security import sessions
from munjigi.security import stepup
from munjigi.security import tokens
from munjigi.security import transport
from munjigi.security.decorators import auth_required
from munjigi.security.decorators import current_principal
from munjigi.security.decorators import verify_token
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuthSession
from munjigi.security.sessions import IssuedTokens
from munjigi.security.stepup import fresh_auth_required

BEARER: list[str | dict[str, list[Any]]] = [{"BearerAuth": []}, {"CookieAuth": []}]
REFRESH_AUTH: list[str | dict[str, list[Any]]] = [{"BearerAuth": []}, {"RefreshCookieAuth": []}]


@bp.post("/members/forms")
@policy.route(rate="signup")
@bp.input(schemas.SignupIn, arg_name="body")
@bp.output(schemas.SignupOut)
@bp.doc(
    summary="Sign up",
    responses={
        400: "중복 가입",
        422: "Invalid input or weak password",
        428: "Proof of work required (only clients that declared X-Altcha-Capable)",
        429: "Too many sign-ups from this address; Retry-After says when",
    },
)
def create_member(body: dict[str, str]) -> dict[str, Any]:
    user = services.create_user(
        body["username"], body["password"], body["email"], send_verification=True
    )
    return success("회원가입 성공", user_id=user.id)


@bp.post("/members/validation")
@policy.route(rate="lookup")
@bp.input(schemas.UsernameIn, arg_name="body")
@bp.output(schemas.ValidationOut)
@bp.doc(summary="Check whether a username is free")
def validate_username(body: dict[str, str]) -> dict[str, Any]:
    if services.username_available(body["username"]):
        return success("사용 가능한 아이디입니다.", available=True)
    return success("이미 가입된 아이디입니다.", available=False)


@bp.post("/members/login")
@policy.route(rate="login")
@bp.input(schemas.LoginIn, arg_name="body")
@bp.output(schemas.LoginOut)
@bp.doc(
    summary="Log in: tokens in the body and in cookies",
    responses={
        400: "Login failed",
        428: "Proof of work required (only clients that declared X-Altcha-Capable)",
        429: "Sign-in delayed or locked for this account/address; Retry-After says when",
    },
)
def login(body: dict[str, str]) -> dict[str, Any]:
    user, issued = services.login(body["username"], body["password"])
    if isinstance(issued, challenge.Pending):
        return success(
            "추가 인증 필요",
            mfa_required=True,
            challenge=issued.token,
            methods=issued.methods,
            challenge_expires_at=issued.expires_at,
        )
    _set_cookies_on_response(issued)
    return success(
        "로그인 성공",
        user_id=user.id,
        username=user.username,
        password_change_required=user.password_change_required,
        **_token_fields(issued),
    )


@bp.post("/members/login/mfa")
@policy.route(rate="login")
@bp.input(schemas.MfaLoginIn, arg_name="body")
@bp.output(schemas.LoginOut)
@bp.doc(
    summary="Second login step: the challenge and a TOTP or recovery code",
    responses={
        400: "mfa_code_invalid (counted; the challenge may be retried)",
        401: "mfa_challenge_invalid: expired, spent, tampered or too many wrong codes",
    },
)
def login_mfa(body: dict[str, str]) -> dict[str, Any]:
    user, issued = mfa_services.login_with_code(body["challenge"], body["code"])
    _set_cookies_on_response(issued)
    return success(
        "로그인 성공",
        user_id=user.id,
        username=user.username,
        password_change_required=user.password_change_required,
        **_token_fields(issued),
    )


@bp.post("/members/reauth")
@policy.route(rate="login")
@bp.input(schemas.ReauthIn, arg_name="body")
@bp.output(schemas.ReauthOut)
@bp.doc(
    summary="Re-authenticate this session for step-up (password or TOTP code)",
    security=BEARER,
    responses={400: "reauth_failed", 422: "Neither password nor code"},
)
@auth_required
def reauthenticate(body: dict[str, str]) -> dict[str, Any]:
    if not body["password"] and not body["code"]:
        raise ValidationError(fields={"password": [_("Enter your password or a code.")]})
    mfa_services.reauthenticate(current_principal(), password=body["password"], code=body["code"])
    return success("재인증 성공", fresh_until=gatekeeper().now() + stepup.window())


@bp.route("/members/tokens", methods=["GET", "POST"])
@policy.route(rate="refresh")
@bp.output(schemas.TokensOut)
@bp.doc(
    summary="Rotate the refresh token (cookie + X-CSRF-TOKEN, or Bearer refresh token)",
    security=REFRESH_AUTH,
    responses={401: "Missing, invalid, revoked or replayed refresh token"},
)
def refresh_tokens() -> dict[str, Any]:
    claims, _ = verify_token(tokens.REFRESH)
    issued = sessions.rotate_refresh(claims)
    _set_cookies_on_response(issued)
    return success("refresh success", **_token_fields(issued))


@bp.post("/members/logout")
@bp.output(schemas.Envelope)
@bp.doc(summary="Log out: revokes this session", security=BEARER)
@auth_required
def logout() -> dict[str, Any]:
    services.logout(current_principal())
    _clear_cookies_on_response()
    return success("로그아웃 성공")


@bp.get("/members/me")
@bp.output(schemas.MeOut)
@bp.doc(summary="The caller's account", security=BEARER)
@auth_required
def get_me() -> dict[str, Any]:
    user = services.get_member(current_principal().user_id)
    member = {
        "user_id": user.id,
        "username": user.username,
        "email": user.email,
        "role": str(user.role),
        "status": str(user.status),
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }
    return success("ok", member=member)


@bp.delete("/members/<int:user_id>")
@bp.output(schemas.DeletedOut)
@bp.doc(
    summary="Delete a member (self, or any member for admins)",
    security=BEARER,
    responses={
        400: "마지막 관리자는 삭제할 수 없음",
        403: "삭제 권한이 없음",
        401: "reauth_required: authenticate again (POST /members/reauth)",
        404: "존재하지 않는 회원",
    },
)
@auth_required
@fresh_auth_required()
def delete_member(user_id: int) -> dict[str, Any]:
    principal = current_principal()
    services.delete_member(principal, user_id)
    if principal.user_id == user_id:
        _clear_cookies_on_response()
    return success("deleted", user_id=user_id)


@bp.get("/members/sessions")
@bp.output(schemas.SessionsOut)
@bp.doc(summary="The caller's live sessions", security=BEARER)
@auth_required
def list_sessions() -> dict[str, Any]:
    principal = current_principal()
    found = services.list_sessions(principal)
    return success("ok", sessions=[_session_fields(s, principal.session_id) for s in found])


@bp.delete("/members/sessions/<string:session_id>")
@bp.output(schemas.Envelope)
@bp.doc(summary="Revoke one of the caller's sessions", security=BEARER)
@auth_required
def revoke_session(session_id: str) -> dict[str, Any]:
    principal = current_principal()
    services.revoke_session(principal, session_id)
    if session_id == principal.session_id:
        _clear_cookies_on_response()
    return success("세션 종료")


@bp.delete("/members/sessions")
@bp.output(schemas.RevokedOut)
@bp.doc(summary="Revoke every other session of the caller", security=BEARER)
@auth_required
def revoke_other_sessions() -> dict[str, Any]:
    count = services.revoke_other_sessions(current_principal())
    return success("다른 세션 종료", revoked=count)


JWKS: dict[str, Any] = {
    "schema": {
        "type": "object",
        "required": ["keys"],
        "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
    }
}
JWKS_ANSWER: dict[int | str, dict[str, str | dict[str, dict[str, Any]]]] = {
    200: {"description": "The JWK set", "content": {"application/jwk-set+json": JWKS}}
}


@bp.get("/.well-known/jwks.json")
@bp.doc(
    summary="Public keys that verify Munjigi's tokens (RFC 7517)",
    tags=["keys"],
    responses=JWKS_ANSWER,
)
def jwks() -> Response:
    document = gatekeeper().keys.jwks(db.session)
    return Response(
        json.dumps(document, separators=(",", ":")),
        mimetype="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


def _token_fields(issued: IssuedTokens) -> dict[str, Any]:
    return {
        "access_token": issued.access_token,
        "csrf_token": issued.access_csrf,
        "refresh_token": issued.refresh_token,
        "csrf_refresh_token": issued.refresh_csrf,
        "session_id": issued.session_id,
        "access_expires_at": issued.access_expires_at,
        "refresh_expires_at": issued.refresh_expires_at,
    }


def _session_fields(session: AuthSession, current: str) -> dict[str, Any]:
    return {
        "id": session.id,
        "device": devices.describe(session.user_agent),
        "user_agent": session.user_agent,
        "ip": session.ip,
        "created_at": session.created_at,
        "last_used_at": session.last_used_at,
        "expires_at": session.expires_at,
        "current": session.id == current,
    }


def _set_cookies_on_response(issued: IssuedTokens) -> None:
    settings = gatekeeper().settings

    @after_this_request
    def set_cookies(response: Response) -> Response:
        transport.set_token_cookies(response, issued, settings)
        return response


def _clear_cookies_on_response() -> None:
    settings = gatekeeper().settings

    @after_this_request
    def clear_cookies(response: Response) -> Response:
        transport.clear_token_cookies(response, settings)
        return response
