"""Failures of the account lifecycle (links, verification, email change)."""

from __future__ import annotations

from http import HTTPStatus

from munjigi.errors import AppError


class LinkInvalidError(AppError):
    """The link's token is unknown, tampered, spent, superseded, expired or for another use."""

    code = "link_invalid"
    message = "링크가 유효하지 않거나 만료됨"


class EmailUnverifiedError(AppError):
    """Login refused: this service wants a verified address first (a new mail can be asked)."""

    status = HTTPStatus.FORBIDDEN
    code = "email_unverified"
    message = "이메일 인증이 필요함"


class EmailTakenError(AppError):
    """The new address belongs to another account by the time the change is confirmed."""

    status = HTTPStatus.CONFLICT
    code = "email_taken"
    message = "이미 사용 중인 이메일"


class MailUnavailableError(AppError):
    """Links cannot be built: production has no ``MUNJIGI_PUBLIC_URL``."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "mail_unavailable"
    message = "메일을 보낼 수 없음"
