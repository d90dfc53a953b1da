"""Refusals of the admin console, each with a stable code."""

from __future__ import annotations

from http import HTTPStatus

from munjigi.errors import AppError


class LastAdminError(AppError):
    """The change would leave no active admin to manage the service."""

    code = "last_admin"
    message = "The last active admin can't be demoted, locked or deleted."


class SelfLockError(AppError):
    """An admin may not lock their own account (they would lose the console at once)."""

    code = "self_lock"
    message = "You can't lock your own account."


class ConfirmationError(AppError):
    """A deletion was not confirmed by typing the username."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "confirmation_mismatch"
    message = "Type the username exactly to confirm."


class UnknownRoleError(AppError):
    """The requested role does not exist."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "unknown_role"
    message = "Choose a role from the list."
