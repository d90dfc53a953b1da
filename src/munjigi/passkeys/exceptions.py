"""Failures of the passkey API, each with a stable ``code``."""

from __future__ import annotations

from http import HTTPStatus

from munjigi.errors import AppError


class PasskeysUnavailableError(AppError):
    """Passkeys are switched off (production without MUNJIGI_WEBAUTHN_RP_ID)."""

    status = HTTPStatus.NOT_FOUND
    code = "passkeys_unavailable"
    message = "패스키를 사용할 수 없음"


class PasskeyNotFoundError(AppError):
    """No such passkey among the caller's."""

    status = HTTPStatus.NOT_FOUND
    code = "passkey_not_found"
    message = "존재하지 않는 패스키"


class ChallengeInvalidError(AppError):
    """The ceremony is unknown, expired, already used, or not the caller's."""

    code = "passkey_challenge_invalid"
    message = "패스키 요청이 만료되었거나 이미 사용됨"


class PasskeyRejectedError(AppError):
    """The authenticator's answer did not verify (origin, RP id, signature, flags…)."""

    code = "passkey_rejected"
    message = "패스키를 확인할 수 없음"


class DuplicatePasskeyError(AppError):
    """This credential is already registered."""

    code = "passkey_duplicate"
    message = "이미 등록된 패스키"


class PasskeyLimitError(AppError):
    """The member has as many passkeys as allowed."""

    code = "passkey_limit"
    message = "더 이상 패스키를 등록할 수 없음"
