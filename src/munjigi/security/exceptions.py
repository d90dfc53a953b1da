"""One exception per authentication failure; the ``code`` is the contract, never the message."""

from __future__ import annotations

from http import HTTPStatus

from munjigi.errors import AppError

# SPEC §3: every authentication failure shares one message; only the code differs.
_AUTH_MESSAGE = "인증이 필요합니다."


class AuthenticationError(AppError):
    """No usable credentials: the client must (re-)authenticate."""

    status = HTTPStatus.UNAUTHORIZED
    code = "unauthorized"
    message = _AUTH_MESSAGE

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="munjigi"'})


class TokenMissingError(AuthenticationError):
    """The request carries no token where one is required."""

    code = "token_missing"


class TokenInvalidError(AuthenticationError):
    """The token is malformed, badly signed, from an unknown key, or has wrong claims."""

    code = "token_invalid"


class TokenExpiredError(AuthenticationError):
    """The token's ``exp`` has passed."""

    code = "token_expired"


class TokenNotYetValidError(AuthenticationError):
    """The token's ``nbf`` or ``iat`` lies in the future."""

    code = "token_not_yet_valid"


class WrongTokenTypeError(AuthenticationError):
    """A refresh token was used as an access token, or the reverse."""

    code = "wrong_token_type"


class SessionRevokedError(AuthenticationError):
    """The session named by ``sid`` was logged out, revoked, locked or has expired."""

    code = "session_revoked"


class RefreshReusedError(AuthenticationError):
    """A refresh token was replayed after its grace window: the session is revoked as stolen."""

    code = "refresh_reused"


class CsrfError(AppError):
    """A cookie-authenticated state change without the matching CSRF token."""

    status = HTTPStatus.FORBIDDEN
    code = "csrf_failed"
    message = "CSRF 토큰이 없거나 일치하지 않음"


class OriginRefusedError(AppError):
    """A cookie-authenticated state change sent from another origin."""

    status = HTTPStatus.FORBIDDEN
    code = "origin_refused"
    message = "허용되지 않은 출처의 요청"


class RoleRequiredError(AppError):
    """The user's role does not allow this endpoint."""

    status = HTTPStatus.FORBIDDEN
    code = "role_required"
    message = "권한이 없음"


class RateLimitedError(AppError):
    """Too many requests from this client or user; ``Retry-After`` says when to come back."""

    status = HTTPStatus.TOO_MANY_REQUESTS
    code = "rate_limited"
    message = "요청이 너무 많습니다. 잠시 후 다시 시도하세요."

    def __init__(self, message: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = max(1, int(retry_after))


class BotBlockedError(AppError):
    """The request looks automated (honeypot filled, form sent too fast, scripted client)."""

    status = HTTPStatus.FORBIDDEN
    code = "bot_blocked"
    message = "자동화된 요청으로 판단되어 거부되었습니다."


class ChallengeRequiredError(AppError):
    """A proof-of-work solution is required (or the one sent is invalid, spent or too easy).

    ``fields["altcha"]`` is a fresh challenge: solve it and repeat the request with the
    solution in the ``altcha`` field (JSON body or form) or the ``X-Altcha`` header.
    """

    status = HTTPStatus.PRECONDITION_REQUIRED
    code = "challenge_required"
    message = "자동화 방지 확인이 필요합니다. 다시 시도하세요."

    def __init__(self, challenge: dict[str, object], reason: str = "missing") -> None:
        super().__init__(fields={"altcha": challenge})
        self.reason = reason
