"""Admin actions on users: change role, lock/unlock, delete; never leave no active admin.

A lock ends every session of the user in the same transaction (SPEC §3): their next
request, in any tab or process, is refused. The role is read from the database on every
request, so a demotion also takes effect at once.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select

from munjigi.admin.exceptions import ConfirmationError
from munjigi.admin.exceptions import LastAdminError
from munjigi.admin.exceptions import SelfLockError
from munjigi.admin.exceptions import UnknownRoleError
from munjigi.auth import services as auth_services
from munjigi.extensions import db
from munjigi.mfa import challenge as mfa_challenge
from munjigi.mfa import services as mfa_services
from munjigi.security import audit
from munjigi.security import sessions
from munjigi.security.models import AuthSession
from munjigi.security.models import Role
from munjigi.security.models import User
from munjigi.security.models import UserStatus
from munjigi.security.sessions import Principal


def get_user(user_id: int) -> User:
    """The user with ``user_id``.

    :raises MemberNotFoundError: no such user (404).
    """
    return auth_services.get_member(user_id)


def live_sessions(user_id: int) -> list[AuthSession]:
    """The user's live sessions (for the admin's view of them)."""
    return sessions.list_active(user_id)


def change_role(principal: Principal, user_id: int, role: str) -> User:
    """Make a user a member or an admin.

    :raises UnknownRoleError: ``role`` is not a role.
    :raises LastAdminError: demoting the only active admin.
    """
    try:
        new_role = Role(role)
    except ValueError:
        raise UnknownRoleError() from None
    user = get_user(user_id)
    if user.role == new_role:
        return user
    if user.role == Role.ADMIN:
        _keep_an_admin(user)
    old = user.role
    user.role = new_role
    audit.record(
        "role_changed",
        user_id=user.id,
        actor_id=principal.user_id,
        detail={"from": str(old), "to": str(new_role)},
    )
    db.session.commit()
    return user


def set_locked(principal: Principal, user_id: int, locked: bool) -> User:
    """Lock (ending every session at once) or unlock a user.

    :raises SelfLockError: an admin locking themself.
    :raises LastAdminError: locking the only active admin.
    """
    user = get_user(user_id)
    if locked:
        if user.id == principal.user_id:
            raise SelfLockError()
        if user.role == Role.ADMIN:
            _keep_an_admin(user)
        user.status = UserStatus.LOCKED
        sessions.revoke_all(user.id, "locked", actor_id=principal.user_id)
        audit.record("user_locked", user_id=user.id, actor_id=principal.user_id)
    else:
        user.status = UserStatus.ACTIVE
        audit.record("user_unlocked", user_id=user.id, actor_id=principal.user_id)
    db.session.commit()
    return user


def delete_user(principal: Principal, user_id: int, confirmation: str) -> None:
    """Delete a user after the admin typed their username; cascades like the API's delete.

    :raises ConfirmationError: the typed name is not the username.
    :raises LastAdminError: deleting the only active admin.
    """
    user = get_user(user_id)
    if confirmation.strip() != user.username:
        raise ConfirmationError(fields={"confirm": [ConfirmationError.message]})
    if user.role == Role.ADMIN:
        _keep_an_admin(user)
    auth_services.delete_member(principal, user.id)


def second_factors(user_id: int) -> list[str]:
    """The second factors the user has enrolled (for the admin's view)."""
    return mfa_challenge.enrolled_methods(user_id)


def reset_factors(principal: Principal, user_id: int) -> User:
    """Remove every second factor of a user who lost them (audited as ``mfa_reset``).

    The user logs in with the password alone afterwards and can enrol again.
    """
    user = get_user(user_id)
    mfa_services.reset_factors(user.id, actor_id=principal.user_id)
    db.session.commit()
    return user


def _keep_an_admin(user: User) -> None:
    """Refuse when ``user`` is the last active admin.

    The admin rows are locked first (FOR UPDATE on PostgreSQL and MariaDB), so two admins
    demoting each other at the same moment cannot both succeed.
    """
    admins = db.session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN, User.status == UserStatus.ACTIVE)
        .with_for_update()
    ).all()
    others = [admin_id for admin_id in admins if admin_id != user.id]
    if not others:
        raise LastAdminError()


def admin_count() -> int:
    """How many active admins there are."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.status == UserStatus.ACTIVE)
        )
        or 0
    )
