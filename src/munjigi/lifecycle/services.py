"""Account lifecycle services: verify an address, reset a forgotten password, change email.

Requests that mail a link answer the same way whether or not an account uses the address
(the caller shows one neutral message) and cost about the same time: the mail itself is
sent after the commit by a background thread (``munjigi.mail.sender``). Services own the
transaction, as everywhere in Munjigi.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from munjigi import mail
from munjigi.auth import services as auth_services
from munjigi.config import Settings
from munjigi.errors import ValidationError
from munjigi.extensions import db
from munjigi.lifecycle import links
from munjigi.lifecycle import throttle
from munjigi.lifecycle import timing
from munjigi.lifecycle import tokens
from munjigi.lifecycle import verification
from munjigi.lifecycle.exceptions import EmailTakenError
from munjigi.lifecycle.exceptions import LinkInvalidError
from munjigi.lifecycle.exceptions import MailUnavailableError
from munjigi.lifecycle.models import AccountToken
from munjigi.security import audit
from munjigi.security import sessions
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import User
from munjigi.security.models import UserStatus
from munjigi.security.sessions import Principal

MISMATCH = _l("The two passwords don't match.")
SAME_EMAIL = _l("That is already your email address.")
EMAIL_TOO_LONG = _l("This email address is too long.")
EMAIL_KEY_LENGTH = 254


def _settings() -> Settings:
    found: Settings = current_app.extensions["munjigi.settings"]
    return found


def _by_address(key: str) -> User | None:
    return db.session.scalar(select(User).where(User.email_key == key))


def _ignored(event: str, reason: str, user: User | None = None) -> None:
    """Audit a request that mails nothing; the caller still answers neutrally."""
    audit.record(event, outcome="ignored", user_id=user.id if user else None, reason=reason)
    db.session.commit()


# --- Verification -----------------------------------------------------------------------


def resend_verification(email: str) -> None:
    """Mail a new verification link to ``email`` if an unverified account uses it.

    :raises RateLimitedError: the client IP's mail budget is spent.
    """
    with timing.floor():
        _resend_verification(email)


def _resend_verification(email: str) -> None:
    throttle.spend_ip("verify_email")
    key = verification.address_key(email)
    user = _by_address(key)
    if not throttle.spend_recipient("verify_email", key):
        return _ignored("verification_requested", "recipient_budget", user)
    if user is None or user.status != UserStatus.ACTIVE:
        return _ignored("verification_requested", "unknown_address", user)
    if verification.is_verified(user):
        return _ignored("verification_requested", "already_verified", user)
    if not verification.send_verification(user):
        return _ignored("verification_requested", "mail_unavailable", user)
    db.session.commit()


def resend_own_verification(principal: Principal) -> bool:
    """The signed-in member asks for a new verification link; False if already verified."""
    throttle.spend_ip("verify_email")
    user = auth_services.get_member(principal.user_id)
    if verification.is_verified(user):
        return False
    if throttle.spend_recipient("verify_email", user.email_key):
        verification.send_verification(user)
    db.session.commit()
    return True


def verify_link_ok(token: str | None) -> bool:
    """Whether a verification link would work (for the confirm page; spends nothing)."""
    row = tokens.peek(tokens.VERIFY, token)
    return row is not None and _verify_target(row) is not None


def _verify_target(row: AccountToken) -> User | None:
    user = db.session.get(User, row.user_id)
    # The link proves the address it was mailed to, not an address set since.
    if user is None or user.email_key != verification.address_key(row.email or ""):
        return None
    return user


def verify_email(token: str | None) -> User:
    """Spend a verification link: the user's current address is now verified.

    :raises LinkInvalidError: unknown, tampered, spent, expired, other purpose, or the
        address changed since the link was mailed.
    """
    row = tokens.consume(tokens.VERIFY, token)
    user = _verify_target(row) if row is not None else None
    if row is None or user is None:
        audit.record("email_verified", outcome="failed", reason="link_invalid")
        db.session.commit()
        raise LinkInvalidError()
    if user.email_verified_at is None:
        user.email_verified_at = gatekeeper().now()
    audit.record("email_verified", user_id=user.id)
    db.session.commit()
    return user


# --- Password reset ---------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account uses ``email``; otherwise do nothing, quietly.

    :raises RateLimitedError: the client IP's mail budget is spent.
    """
    with timing.floor():
        _request_password_reset(email)


def _request_password_reset(email: str) -> None:
    throttle.spend_ip("password_reset")
    key = verification.address_key(email)
    user = _by_address(key)
    event = "password_reset_requested"
    if not throttle.spend_recipient("password_reset", key):
        return _ignored(event, "recipient_budget", user)
    if user is None or user.status != UserStatus.ACTIVE:
        return _ignored(event, "unknown_address" if user is None else "locked", user)
    try:
        base = links.base_url()
    except MailUnavailableError:
        return _ignored(event, "mail_unavailable", user)
    ttl = _settings().password_reset_ttl
    token = tokens.issue(user.id, tokens.RESET, ttl, email=user.email)
    mail.send_after_commit(
        "password_reset",
        user.email,
        _l("Reset your password"),
        "password_reset",
        user=user,
        link=base + links.url_path("lifecycle.reset_password_page", token),
        minutes=ttl // 60,
    )
    audit.record(event, user_id=user.id)
    db.session.commit()


def reset_link_ok(token: str | None) -> bool:
    """Whether a reset link would work (for the form page; spends nothing)."""
    row = tokens.peek(tokens.RESET, token)
    return row is not None and _reset_target(row) is not None


def _reset_target(row: AccountToken) -> User | None:
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.status == UserStatus.ACTIVE else None


def reset_password(token: str | None, password: str, confirm: str | None = None) -> User:
    """Set a new password from a reset link; every session of the user ends.

    The new password meets the same policy as any password change (length, breached and
    common lists, no username or email inside). A policy failure spends nothing: the user
    fixes the password and submits the same link again.

    :raises LinkInvalidError: the link does not work (any reason).
    :raises ValidationError: the password breaks the policy, or the confirmation differs.
    """
    gk = gatekeeper()
    row = tokens.peek(tokens.RESET, token)
    user = _reset_target(row) if row is not None else None
    if user is None:
        audit.record("password_reset", outcome="failed", reason="link_invalid")
        db.session.commit()
        raise LinkInvalidError()
    problems = gk.password_policy.problems(password, username=user.username, email=user.email)
    if problems:
        raise ValidationError(fields={"password": problems})
    if confirm is not None and confirm != password:
        raise ValidationError(fields={"password_confirm": [MISMATCH]})
    spent = tokens.consume(tokens.RESET, token)
    if spent is None:  # another request spent it a moment ago
        raise LinkInvalidError()
    now = gk.now()
    user.password_hash = gk.hasher.hash(password)
    user.password_changed_at = now  # also clears brute-force locks (bruteforce.install)
    if user.email_verified_at is None and user.email_key == verification.address_key(
        spent.email or ""
    ):
        user.email_verified_at = now  # the link reached this address: it is proven
    tokens.retire(user.id, tokens.RESET, now=now)
    sessions.revoke_all(user.id, "password_reset", actor_id=user.id)
    audit.record("password_reset", user_id=user.id)
    mail.send_after_commit(
        "password_changed",
        user.email,
        _l("Your password was changed"),
        "password_changed",
        user=user,
    )
    db.session.commit()
    return user


# --- Change of email --------------------------------------------------------------------


def request_email_change(principal: Principal, new_email: str) -> None:
    """Mail a confirmation link to ``new_email`` and a notice to the current address.

    Nothing changes until the link is used. An address another account uses gets the
    same answer and no mail (no enumeration through this form either). The views demand
    a fresh authentication first (``security.stepup``).

    :raises ValidationError: the address is the current one, or too long.
    :raises RateLimitedError: the client IP's mail budget is spent.
    """
    with timing.floor():
        _request_email_change(principal, new_email)


def _request_email_change(principal: Principal, new_email: str) -> None:
    throttle.spend_ip("email_change")
    user = auth_services.get_member(principal.user_id)
    new_email = new_email.strip()
    key = verification.address_key(new_email)
    if len(key) > EMAIL_KEY_LENGTH:
        raise ValidationError(fields={"email": [EMAIL_TOO_LONG]})
    if key == user.email_key:
        raise ValidationError(fields={"email": [SAME_EMAIL]})
    event = "email_change_requested"
    if not throttle.spend_recipient("email_change", key):
        return _ignored(event, "recipient_budget", user)
    if _by_address(key) is not None:
        return _ignored(event, "address_taken", user)
    ttl = _settings().email_change_ttl
    token = tokens.issue(user.id, tokens.EMAIL, ttl, email=new_email)
    link = links.link("lifecycle.confirm_email_page", token)
    mail.send_after_commit(
        "email_change",
        new_email,
        _l("Confirm your new email address"),
        "email_change",
        user=user,
        link=link,
        new_email=new_email,
        hours=ttl // 3600,
    )
    mail.send_after_commit(
        "email_change_notice",
        user.email,
        _l("A change of your email address was requested"),
        "email_change_notice",
        user=user,
        new_email=new_email,
    )
    audit.record(event, user_id=user.id, session_id=principal.session_id)
    db.session.commit()


def pending_email(token: str | None) -> str | None:
    """The new address a change link would set (for the confirm page), or None."""
    row = tokens.peek(tokens.EMAIL, token)
    return row.email if row is not None and _reset_target(row) is not None else None


def confirm_email_change(token: str | None) -> User:
    """Spend a change link: the account's address becomes the new one, already verified.

    :raises LinkInvalidError: the link does not work (any reason).
    :raises EmailTakenError: another account took the address since the link was mailed.
    """
    row = tokens.consume(tokens.EMAIL, token)
    user = _reset_target(row) if row is not None else None
    if row is None or user is None or not row.email:
        audit.record("email_changed", outcome="failed", reason="link_invalid")
        db.session.commit()
        raise LinkInvalidError()
    new_email, key = row.email, verification.address_key(row.email)
    taken = db.session.scalar(select(User.id).where(User.email_key == key, User.id != user.id))
    if taken is not None:
        audit.record("email_changed", outcome="failed", user_id=user.id, reason="address_taken")
        db.session.commit()  # the link is spent either way
        raise EmailTakenError()
    old_email = user.email
    now = gatekeeper().now()
    user.email, user.email_key, user.email_verified_at = new_email, key, now
    tokens.retire(user.id, tokens.VERIFY, tokens.EMAIL, now=now)
    try:
        db.session.flush()
    except IntegrityError:  # taken by a concurrent sign-up between the check and now
        db.session.rollback()
        raise EmailTakenError() from None
    audit.record("email_changed", user_id=user.id)
    mail.send_after_commit(
        "email_changed",
        old_email,
        _l("Your email address was changed"),
        "email_changed",
        user=user,
        new_email=new_email,
    )
    db.session.commit()
    return user


def email_status(principal: Principal) -> tuple[User, bool]:
    """The signed-in member's account, and whether this service requires verification."""
    return auth_services.get_member(principal.user_id), _settings().email_verification_required
