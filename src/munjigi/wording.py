"""The words of the pages: outcome notices, audit event names, English for service messages."""

from __future__ import annotations

import re
from typing import Any

# Outcome notices shown after a redirect (?notice=…): fixed texts, nothing reflected.
NOTICES = {
    "ended": "Your session has ended. Please log in again.",
    "signed_out": "You have signed out.",
    "signed_up": "Your account is ready. Log in to continue.",
    "profile_saved": "Your details were saved.",
    "password_changed": "Password changed. Every other session was signed out.",
    "session_revoked": "That session was signed out.",
    "others_revoked": "Every other session was signed out.",
    "role_changed": "Role changed.",
    "locked": "User locked. Their sessions ended at once.",
    "unlocked": "User unlocked.",
    "deleted": "User deleted.",
    "locale_saved": "Your language was saved.",
}


# The services speak Korean (the 한끼얼마 clients branch on those strings); pages speak English.
_ENGLISH = (
    (re.compile(r"^비밀번호는 (\d+)자 이상이어야 합니다\.$"), "Use at least {0} characters."),
    (re.compile(r"^비밀번호는 (\d+)자 이하여야 합니다\.$"), "Use at most {0} characters."),
    (
        re.compile(r"^비밀번호에 아이디나 이메일을 포함할 수 없습니다\.$"),
        "The password must not contain your username or email.",
    ),
    (
        re.compile(r"^한 글자만 반복된 비밀번호는 사용할 수 없습니다\.$"),
        "The password must not be one character repeated.",
    ),
    (re.compile(r"^사용할 수 없는 아이디입니다\.$"), "This username can't be used."),
    (re.compile(r"^이메일 주소가 너무 깁니다\.$"), "This email address is too long."),
    (
        re.compile(r"^String does not match expected pattern\.$"),
        "Use only letters, digits, '.', '_' and '-'.",
    ),
    (re.compile(r"^Missing data for required field\.$"), "This field is required."),
)


def english(message: str) -> str:
    """The page wording of a service message; unknown messages are shown as they are."""
    for pattern, text in _ENGLISH:
        found = pattern.match(message)
        if found:
            return text.format(*found.groups())
    return message


def field_errors(fields: dict[str, Any] | None) -> dict[str, list[str]]:
    """``AppError.fields`` as ``{field: [English message, …]}`` for the form templates."""
    errors: dict[str, list[str]] = {}
    for name, messages in (fields or {}).items():
        items = messages if isinstance(messages, list) else [messages]
        errors[str(name)] = [english(str(m)) for m in items]
    return errors


# How the pages name audit events; unknown events show their code.
EVENT_LABELS = {
    "signup": "Account created",
    "login": "Signed in",
    "login_failed": "Failed sign-in",
    "logout": "Signed out",
    "refresh": "Session renewed",
    "refresh_reused": "Stolen token detected",
    "session_revoked": "Session ended",
    "sessions_revoked": "Sessions ended",
    "password_changed": "Password changed",
    "profile_updated": "Details updated",
    "role_changed": "Role changed",
    "user_locked": "Account locked",
    "user_unlocked": "Account unlocked",
    "member_deleted": "Account deleted",
    "handoff": "Signed in from partner site",
    "handoff_failed": "Refused partner sign-in",
    "rate_limited": "Rate limited",
    "bot_blocked": "Bot blocked",
    "lockout": "Sign-in locked out",
    "login_refused": "Sign-in refused",
    "login_unlocked": "Sign-in lock lifted",
    "honeypot": "Bot blocked (hidden field)",
    "pow_failed": "Bot blocked (proof of work)",
    "key_rotated": "Signing key rotated",
    "audit_purged": "Audit log purged",
    # Account lifecycle (email)
    "verification_requested": "Verification mail asked for",
    "verification_sent": "Verification mail sent",
    "email_verified": "Email verified",
    "password_reset_requested": "Password reset asked for",
    "password_reset": "Password reset",
    "email_change_requested": "Email change asked for",
    "email_changed": "Email changed",
    # Second factors and step-up
    "mfa_challenge": "Second factor asked for",
    "mfa_failed": "Wrong second factor",
    "mfa_reset": "Second factors reset",
    "totp_enabled": "Authenticator app added",
    "totp_disabled": "Authenticator app removed",
    "totp_enrol_failed": "Authenticator app set-up failed",
    "recovery_code_used": "Recovery code used",
    "recovery_codes_regenerated": "Recovery codes renewed",
    "reauth": "Identity confirmed",
    "reauth_failed": "Identity confirmation failed",
    # Passkeys
    "passkey_registered": "Passkey added",
    "passkey_renamed": "Passkey renamed",
    "passkey_removed": "Passkey removed",
    "passkey_clone_suspected": "Cloned passkey suspected",
    "passkey_register_failed": "Passkey set-up failed",
    "passkey_login_failed": "Passkey sign-in failed",
    "passkey_second_factor_failed": "Passkey second factor failed",
    "passkey_reauth_failed": "Passkey confirmation failed",
}


def event_label(event: str) -> str:
    """The page wording of an audit event name."""
    return EVENT_LABELS.get(event, event.replace("_", " ").capitalize())
