"""One exception per second-factor failure; the ``code`` is the contract."""

from __future__ import annotations

from http import HTTPStatus

from munjigi.errors import AppError


class ChallengeInvalidError(AppError):
    """The MFA challenge is unknown, tampered with, expired, used up or already spent."""

    status = HTTPStatus.UNAUTHORIZED
    code = "mfa_challenge_invalid"
    message = "인증 절차가 만료되었습니다. 다시 로그인하세요."


class CodeInvalidError(AppError):
    """The TOTP or recovery code is wrong, outside its window, or was used already."""

    status = HTTPStatus.BAD_REQUEST
    code = "mfa_code_invalid"
    message = "인증 코드가 올바르지 않음"


class AlreadyEnrolledError(AppError):
    """The user has a confirmed authenticator app already (disable it first)."""

    status = HTTPStatus.CONFLICT
    code = "totp_already_enabled"
    message = "이미 OTP 인증이 설정되어 있음"


class NotEnrolledError(AppError):
    """There is no (pending or confirmed) authenticator app to act on."""

    status = HTTPStatus.NOT_FOUND
    code = "totp_not_enabled"
    message = "OTP 인증이 설정되어 있지 않음"


class ReauthFailedError(AppError):
    """Re-authentication failed: wrong password or code."""

    status = HTTPStatus.BAD_REQUEST
    code = "reauth_failed"
    message = "비밀번호 또는 인증 코드가 올바르지 않음"
