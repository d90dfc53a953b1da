"""The passkey JSON API: manage one's passkeys, and the WebAuthn ceremonies of signing in.

Each ceremony is two calls: ``…/options`` returns the options for the browser (and stores
the challenge), then the browser's credential is posted back. Cookie callers send
``X-CSRF-TOKEN`` as everywhere else; adding and removing a passkey need a fresh
authentication (step-up: 401 ``reauth_required``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response
from flask import after_this_request

from munjigi.passkeys import bp
from munjigi.passkeys import schemas
from munjigi.passkeys import services
from munjigi.passkeys import signin
from munjigi.passkeys.models import Passkey
from munjigi.responses import success
from munjigi.security import policy
from munjigi.security import transport
from munjigi.security.decorators import auth_required
from munjigi.security.decorators import current_principal
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.sessions import IssuedTokens
from munjigi.security.stepup import fresh_auth_required

BEARER: list[str | dict[str, list[Any]]] = [{"BearerAuth": []}, {"CookieAuth": []}]
STEPUP = {401: "Missing or invalid token, or reauth_required (step-up)"}
CEREMONY = {400: "passkey_challenge_invalid or passkey_rejected", 404: "passkeys_unavailable"}


@bp.get("/members/passkeys")
@bp.output(schemas.PasskeysOut)
@bp.doc(summary="My passkeys (created, last used)", security=BEARER)
@auth_required
def list_passkeys() -> dict[str, Any]:
    found = services.list_for_user(current_principal().user_id)
    return success("ok", passkeys=[passkey_fields(p) for p in found])


@bp.post("/members/passkeys/registration/options")
@bp.output(schemas.OptionsOut)
@bp.doc(
    summary="Start adding a passkey: creation options (step-up)",
    security=BEARER,
    responses={**STEPUP, 400: "passkey_limit"},
)
@auth_required
@fresh_auth_required()
def registration_options() -> dict[str, Any]:
    options = services.begin_registration(current_principal().user_id)
    return success("ok", options=options)


@bp.post("/members/passkeys")
@bp.input(schemas.RegistrationIn, arg_name="body")
@bp.output(schemas.PasskeyOneOut, status_code=HTTPStatus.CREATED)
@bp.doc(
    summary="Finish adding a passkey: the browser's attestation (step-up)",
    security=BEARER,
    responses={**STEPUP, **CEREMONY},
)
@auth_required
@fresh_auth_required()
def register_passkey(body: dict[str, Any]) -> dict[str, Any]:
    principal = current_principal()
    passkey = services.finish_registration(principal.user_id, body["credential"], body["name"])
    return success("패스키 등록 성공", passkey=passkey_fields(passkey))


@bp.patch("/members/passkeys/<int:passkey_id>")
@bp.input(schemas.NameIn, arg_name="body")
@bp.output(schemas.PasskeyOneOut)
@bp.doc(summary="Rename one of my passkeys", security=BEARER, responses={404: "Not mine"})
@auth_required
def rename_passkey(passkey_id: int, body: dict[str, str]) -> dict[str, Any]:
    passkey = services.rename(current_principal().user_id, passkey_id, body["name"])
    return success("패스키 이름 변경", passkey=passkey_fields(passkey))


@bp.delete("/members/passkeys/<int:passkey_id>")
@bp.output(schemas.Envelope)
@bp.doc(
    summary="Remove one of my passkeys (step-up)",
    security=BEARER,
    responses={**STEPUP, 404: "Not mine"},
)
@auth_required
@fresh_auth_required()
def delete_passkey(passkey_id: int) -> dict[str, Any]:
    principal = current_principal()
    services.remove(principal.user_id, passkey_id, session_id=principal.session_id)
    return success("패스키 삭제")


@bp.post("/members/passkeys/login/options")
@policy.route(rate="lookup")
@bp.output(schemas.OptionsOut)
@bp.doc(summary="Start a passwordless sign-in: request options for any of my passkeys")
def login_options() -> dict[str, Any]:
    return success("ok", options=signin.login_options())


@bp.post("/members/passkeys/login")
@policy.route(rate="login")
@bp.input(schemas.CredentialIn, arg_name="body")
@bp.output(schemas.PasskeyLoginOut)
@bp.doc(
    summary="Finish a passwordless sign-in: tokens in the body and in cookies",
    responses=CEREMONY,
)
def login_with_passkey(body: dict[str, Any]) -> dict[str, Any]:
    user, issued = signin.login(body["credential"])
    set_cookies_after(issued)
    return success("로그인 성공", user_id=user.id, username=user.username, **token_fields(issued))


@bp.post("/members/passkeys/second-factor/options")
@policy.route(rate="lookup")
@bp.input(schemas.PendingLoginIn, arg_name="body")
@bp.output(schemas.OptionsOut)
@bp.doc(
    summary="Second factor: request options for the pending login's passkeys",
    responses={401: "mfa_challenge_invalid: the pending login expired, was spent or used up"},
)
def second_factor_options(body: dict[str, str]) -> dict[str, Any]:
    return success("ok", options=signin.second_factor_options(body["challenge"]))


@bp.post("/members/passkeys/second-factor")
@policy.route(rate="login")
@bp.input(schemas.SecondFactorIn, arg_name="body")
@bp.output(schemas.PasskeyLoginOut)
@bp.doc(
    summary="Second factor: finish the pending login with a passkey (tokens as /members/login)",
    responses={
        400: "mfa_code_invalid: the passkey was refused (counted; try again)",
        401: "mfa_challenge_invalid: the pending login is over (log in again)",
    },
)
def second_factor(body: dict[str, Any]) -> dict[str, Any]:
    user, issued = signin.second_factor(body["challenge"], body["credential"])
    set_cookies_after(issued)
    return success("로그인 성공", user_id=user.id, username=user.username, **token_fields(issued))


@bp.post("/members/passkeys/reauth/options")
@policy.route(rate="lookup")
@bp.output(schemas.OptionsOut)
@bp.doc(summary="Step-up: request options to re-authenticate with a passkey", security=BEARER)
@auth_required
def reauth_options() -> dict[str, Any]:
    return success("ok", options=signin.reauth_options(current_principal()))


@bp.post("/members/passkeys/reauth")
@policy.route(rate="login")
@bp.input(schemas.CredentialIn, arg_name="body")
@bp.output(schemas.Envelope)
@bp.doc(
    summary="Step-up: re-authenticate this session with a passkey",
    security=BEARER,
    responses=CEREMONY,
)
@auth_required
def reauth_with_passkey(body: dict[str, Any]) -> dict[str, Any]:
    signin.reauth(current_principal(), body["credential"])
    return success("재인증 성공")


def passkey_fields(passkey: Passkey) -> dict[str, Any]:
    return {
        "id": passkey.id,
        "name": passkey.name,
        "created_at": passkey.created_at,
        "last_used_at": passkey.last_used_at,
        "device_type": passkey.device_type,
        "backed_up": passkey.backed_up,
        "user_verified": passkey.user_verified,
        "transports": passkey.transports,
    }


def token_fields(issued: IssuedTokens) -> dict[str, Any]:
    return {
        "access_token": issued.access_token,
        "csrf_token": issued.access_csrf,
        "refresh_token": issued.refresh_token,
        "csrf_refresh_token": issued.refresh_csrf,
        "session_id": issued.session_id,
        "access_expires_at": issued.access_expires_at,
        "refresh_expires_at": issued.refresh_expires_at,
    }


def set_cookies_after(issued: IssuedTokens) -> None:
    settings = gatekeeper().settings

    @after_this_request
    def set_cookies(response: Response) -> Response:
        transport.set_token_cookies(response, issued, settings)
        return response
