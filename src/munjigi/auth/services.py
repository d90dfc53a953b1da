"""Member services: sign up, log in, refresh, log out, delete, and manage one's sessions."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from munjigi.auth.exceptions import DeleteForbiddenError
from munjigi.auth.exceptions import DuplicateMemberError
from munjigi.auth.exceptions import LastAdminError
from munjigi.auth.exceptions import LoginFailedError
from munjigi.auth.exceptions import MemberNotFoundError
from munjigi.auth.exceptions import SessionNotFoundError
from munjigi.auth.schemas import USERNAME_PATTERN
from munjigi.db import is_row_id
from munjigi.errors import ValidationError
from munjigi.extensions import db
from munjigi.lifecycle import verification
from munjigi.mfa import challenge
from munjigi.security import audit
from munjigi.security import bruteforce
from munjigi.security import sessions
from munjigi.security import stepup
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuthSession
from munjigi.security.models import Role
from munjigi.security.models import User
from munjigi.security.models import UserStatus
from munjigi.security.sessions import IssuedTokens
from munjigi.security.sessions import Principal

# Sizes of the users.username_key and users.email_key columns (security/models.py).
USERNAME_KEY_LENGTH = 64
EMAIL_KEY_LENGTH = 254
# The schema's bounds (schemas.UsernameIn), applied again to the normalised name.
USERNAME_LENGTH = (3, 30)
# Hangul fillers are letters to the regex but render as nothing: "kim_chef" followed by
# U+3164 would pass for "kim_chef".
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")


def canonical(value: str) -> str:
    """The form used for uniqueness and lookup: NFKC, case-folded, trimmed."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


def find_by_login(login: str) -> User | None:
    """The user whose username (or email, when ``login`` has an '@') matches."""
    key = canonical(login)
    column = User.email_key if "@" in key else User.username_key
    return db.session.scalar(select(User).where(column == key))


def username_available(username: str) -> bool:
    """Whether nobody holds this username (case- and width-insensitively)."""
    key = canonical(username)
    return db.session.scalar(select(User.id).where(User.username_key == key)) is None


def create_user(
    username: str,
    password: str,
    email: str,
    role: Role = Role.MEMBER,
    *,
    terms_accepted_at: datetime | None = None,
    send_verification: bool = False,
) -> User:
    """Create a user after the password policy; a taken username or email is refused.

    :raises ValidationError: the normalised username or email is unusable, or the
        password breaks the policy (fields ``username``, ``email``, ``password``).
    :raises DuplicateMemberError: the username or email is taken (also under a race).
    """
    gk = gatekeeper()
    username = unicodedata.normalize("NFKC", username).strip()
    email = email.strip()
    invalid = identity_problems(username, email)
    if invalid:
        raise ValidationError(fields=invalid)
    problems = gk.password_policy.problems(password, username=username, email=email)
    if problems:
        raise ValidationError(fields={"password": problems})
    user = User(
        username=username,
        username_key=canonical(username),
        email=email,
        email_key=canonical(email),
        password_hash=gk.hasher.hash(password),
        role=role,
        terms_accepted_at=terms_accepted_at,
    )
    if not username_available(username) or db.session.scalar(
        select(User.id).where(User.email_key == user.email_key)
    ):
        raise DuplicateMemberError()
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DuplicateMemberError() from None
    audit.record("signup", user_id=user.id, detail={"role": str(role)})
    if send_verification:  # sign-up by the person: mail the verify link after the commit
        verification.send_verification(user)
    db.session.commit()
    return user


def identity_problems(username: str, email: str) -> dict[str, list[str]]:
    """Check again what NFKC and case folding produced; the schema only saw the raw input.

    Normalising can turn one accepted character into many ("ﷺ" becomes 18 letters) or into
    characters the pattern refuses ("¼" becomes "1⁄4"), and case folding lengthens text
    ("ß" becomes "ss"): without this check such names failed in the database with a 500.
    """
    found: dict[str, list[str]] = {}
    low, high = USERNAME_LENGTH
    if (
        not re.fullmatch(USERNAME_PATTERN, username)
        or not low <= len(username) <= high
        or len(canonical(username)) > USERNAME_KEY_LENGTH
        or not _INVISIBLE_LETTERS.isdisjoint(username)
    ):
        found["username"] = [_("This username can't be used.")]
    if len(canonical(email)) > EMAIL_KEY_LENGTH:
        found["email"] = [_("This email address is too long.")]
    return found


def login(username: str, password: str) -> tuple[User, IssuedTokens | challenge.Pending]:
    """Check the credentials and open a session, or, for a user with a second factor,
    return the pending challenge of the second step instead (mfa/challenge.py).

    Unknown user, wrong password and locked account give the same error after the same
    work (one argon2 verification), so the answer reveals nothing. A right password of an
    MFA account does not count as a brute-force success: only the second factor does.

    :raises LoginFailedError: for any of the three.
    """
    gk = gatekeeper()
    user = find_by_login(username)
    # SPEC §6: IP budget (429), PoW when suspicious (428), pair lock / account delay.
    attempt = bruteforce.begin(username, user)
    stored = user.password_hash if user and not attempt.blocked else None
    ok, new_hash = gk.hasher.verify(password, stored)
    if user is None or not ok or user.status != UserStatus.ACTIVE:
        reason = "unknown_user" if user is None else ("locked" if ok else "bad_password")
        audit.record(
            "login_failed",
            outcome="failed",
            user_id=user.id if user else None,
            reason=attempt.blocked or reason,
            detail=None if user else {"login": username[:64]},
        )
        bruteforce.failed(attempt)
        db.session.commit()
        raise LoginFailedError()
    if new_hash is not None:
        user.password_hash = new_hash  # parameters changed or legacy bcrypt: upgrade now
    # MUNJIGI_EMAIL_VERIFICATION_REQUIRED (lifecycle): before a session or a second step.
    verification.require_verified(user)
    methods = challenge.enrolled_methods(user.id)
    if methods:
        pending = challenge.issue(user, methods)
        db.session.commit()
        return user, pending
    issued = sessions.open_session(user, ip=audit.client_ip(), user_agent=audit.user_agent())
    stepup.mark_authenticated(issued.session_id)  # step-up: a login is a fresh authentication
    audit.record(
        "login", user_id=user.id, session_id=issued.session_id, detail={"rehashed": bool(new_hash)}
    )
    bruteforce.succeeded(attempt)
    db.session.commit()
    return user, issued


def logout(principal: Principal) -> None:
    """End the caller's session: its access and refresh tokens stop working at once."""
    sessions.revoke(principal.session_id, "logout", actor_id=principal.user_id)
    audit.record("logout", user_id=principal.user_id, session_id=principal.session_id)
    db.session.commit()


def get_member(user_id: int) -> User:
    """The user with ``user_id``.

    :raises MemberNotFoundError: no such user.
    """
    user = db.session.get(User, user_id) if is_row_id(user_id) else None
    if user is None:
        raise MemberNotFoundError()
    return user


def delete_member(principal: Principal, user_id: int) -> None:
    """Delete a member and everything that hangs on them (sessions, and later recipes).

    :raises DeleteForbiddenError: the caller is neither that member nor an admin.
    :raises MemberNotFoundError: no such member.
    :raises LastAdminError: the member is the only admin left.
    """
    if principal.user_id != user_id and not principal.is_admin:
        raise DeleteForbiddenError()
    user = get_member(user_id)
    if user.role == Role.ADMIN and _admin_count() <= 1:
        raise LastAdminError()
    db.session.delete(user)
    audit.record(
        "member_deleted",
        user_id=user_id,
        actor_id=principal.user_id,
        detail={"by_admin": principal.user_id != user_id},
    )
    db.session.commit()


def list_sessions(principal: Principal) -> list[AuthSession]:
    """The caller's live sessions."""
    return sessions.list_active(principal.user_id)


def revoke_session(principal: Principal, session_id: str) -> None:
    """Revoke one of the caller's own sessions.

    :raises SessionNotFoundError: not a live session of the caller.
    """
    owned = db.session.get(AuthSession, session_id)
    if owned is None or owned.user_id != principal.user_id or owned.revoked_at is not None:
        raise SessionNotFoundError()
    sessions.revoke(session_id, "revoked_by_user", actor_id=principal.user_id)
    db.session.commit()


def revoke_other_sessions(principal: Principal) -> int:
    """Revoke every session of the caller except the one making this request."""
    count = sessions.revoke_all(
        principal.user_id, "revoked_by_user", keep=principal.session_id, actor_id=principal.user_id
    )
    db.session.commit()
    return count


def _admin_count() -> int:
    """How many admins exist, locking their rows so two admins deleting each other serialise."""
    admins = db.session.scalars(select(User.id).where(User.role == Role.ADMIN).with_for_update())
    return len(admins.all())
