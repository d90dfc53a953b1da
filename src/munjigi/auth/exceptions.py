"""Failures of the members API, with the Korean messages the original clients branch on."""

from __future__ import annotations

from http import HTTPStatus

from munjigi.errors import AppError


class DuplicateMemberError(AppError):
    """The username or the email address is already taken."""

    code = "duplicate_member"
    message = "중복 가입"


class LoginFailedError(AppError):
    """Unknown user, wrong password or locked account: one answer for all three."""

    code = "login_failed"
    message = "등록되지 않은 아이디거나 비밀번호가 일치하지 않음"


class DeleteForbiddenError(AppError):
    """Only the member themself or an admin may delete a member."""

    status = HTTPStatus.FORBIDDEN
    code = "delete_forbidden"
    message = "삭제 권한이 없음"


class LastAdminError(AppError):
    """The last admin cannot be removed: nobody could manage the service afterwards."""

    code = "last_admin"
    message = "마지막 관리자는 삭제할 수 없음"


class MemberNotFoundError(AppError):
    """No member with that id."""

    status = HTTPStatus.NOT_FOUND
    code = "member_not_found"
    message = "존재하지 않는 회원"


class SessionNotFoundError(AppError):
    """No live session with that id belongs to the caller."""

    status = HTTPStatus.NOT_FOUND
    code = "session_not_found"
    message = "존재하지 않는 세션"
