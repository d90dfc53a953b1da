"""The words of the pages from the catalogs: notices, audit event names, field messages.

Every text here is an English msgid translated by ``translations/`` at the moment it is
shown (``lazy_gettext``), so one module-level table serves both languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Outcome notices shown after a redirect (?notice=…): fixed texts, nothing reflected.
NOTICES = {
    "ended": _l("Your session has ended. Please log in again."),
    "signed_out": _l("You have signed out."),
    "signed_up": _l("Your account is ready. Log in to continue."),
    "profile_saved": _l("Your details were saved."),
    "password_changed": _l("Password changed. Every other session was signed out."),
    "session_revoked": _l("That session was signed out."),
    "others_revoked": _l("Every other session was signed out."),
    "role_changed": _l("Role changed."),
    "locked": _l("User locked. Their sessions ended at once."),
    "unlocked": _l("User unlocked."),
    "deleted": _l("User deleted."),
    "locale_saved": _l("Your language was saved."),
    "password_change_required": _l(
        "Your password was brought over from the old system, and today's rules refuse it. "
        "Choose a new one to continue."
    ),
}

# Validation messages that come from marshmallow (English, with numbers filled in) and
# their catalog wording: matched whole, numbers carried over.
_Rule = tuple[re.Pattern[str], Callable[..., str]]
_MARSHMALLOW: tuple[_Rule, ...] = (
    (re.compile(r"^Missing data for required field\.$"), lambda: _("This field is required.")),
    (re.compile(r"^Field may not be null\.$"), lambda: _("This field is required.")),
    (
        re.compile(r"^String does not match expected pattern\.$"),
        lambda: _("Use only letters, digits, '.', '_' and '-'."),
    ),
    (
        re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
        lambda low, high: _("Use between %(min)s and %(max)s characters.", min=low, max=high),
    ),
    (
        re.compile(r"^Shorter than minimum length (\d+)\.$"),
        lambda low: _("Use at least %(min)s characters.", min=low),
    ),
    (
        re.compile(r"^Longer than maximum length (\d+)\.$"),
        lambda high: _("Use at most %(max)s characters.", max=high),
    ),
    (
        re.compile(
            r"^Must be greater than or equal to (-?\d+) and less than or equal to (-?\d+)\.$"
        ),
        lambda low, high: _("Use a number from %(min)s to %(max)s.", min=low, max=high),
    ),
    (
        re.compile(r"^Must be greater than or equal to (-?\d+)\.$"),
        lambda low: _("Use a number of at least %(min)s.", min=low),
    ),
    (re.compile(r"^Not a valid email address\.$"), lambda: _("Enter a valid email address.")),
    (re.compile(r"^Not a valid string\.$"), lambda: _("Enter text.")),
    (re.compile(r"^Not a valid integer\.$"), lambda: _("Enter a whole number.")),
    (re.compile(r"^Not a valid number\.$"), lambda: _("Enter a number.")),
    (re.compile(r"^Not a valid boolean\.$"), lambda: _("Choose yes or no.")),
    (re.compile(r"^Not a valid list\.$"), lambda: _("Enter a list.")),
    (re.compile(r"^Unknown field\.$"), lambda: _("This field is not accepted here.")),
    (re.compile(r"^Invalid input type\.$"), lambda: _("This value has the wrong type.")),
    (
        re.compile(r"^Must be one of: (.*)\.$"),
        lambda choices: _("Use one of: %(choices)s.", choices=choices),
    ),
)


def field_message(message: object) -> str:
    """One field message in this request's language (library texts included)."""
    text = str(message)
    for pattern, wording in _MARSHMALLOW:
        found = pattern.match(text)
        if found:
            return wording(*found.groups())
    return text


def localize_fields(fields: Any) -> Any:
    """``fields`` of a 422 with every message in this request's language; data kept as is.

    Messages may be lists, strings, catalog strings (lazy) or nested by index (lists of
    lines); anything else (an anti-bot challenge object) passes through untouched.
    """
    if isinstance(fields, Mapping):
        return {str(key): localize_fields(value) for key, value in fields.items()}
    if isinstance(fields, list | tuple):
        return [localize_fields(item) for item in fields]
    if isinstance(fields, str) or type(fields).__name__ == "LazyString":
        return field_message(fields)
    return fields


def field_errors(fields: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """``AppError.fields`` as ``{field: [message, …]}`` for the form templates."""
    errors: dict[str, list[str]] = {}
    for name, messages in (fields or {}).items():
        items = messages if isinstance(messages, list) else [messages]
        errors[str(name)] = [field_message(m) for m in items]
    return errors


# How error pages name a field they list (forms show messages next to the field instead).
FIELD_NAMES = {
    "username": _l("Username"),
    "email": _l("Email"),
    "password": _l("Password"),
    "password_confirm": _l("Repeat the password"),
    "body": _l("Request"),
    "form": _l("Form"),
    "title": _l("Title"),
    "content": _l("Content"),
    "servings": _l("Servings"),
    "ingredients": _l("Ingredients"),
    "range": _l("Period"),
    "recipe": _l("Recipe"),
    "locale": _l("Language"),
}


def field_name(name: str) -> str:
    """The label of a field on an error page; unknown names are shown as they are."""
    return str(FIELD_NAMES.get(name, name))


# Names of stored values shown on the pages (roles, account states, audit outcomes, factors).
LABELS = {
    "member": _l("Member"),
    "admin": _l("Admin"),
    "active": _l("Active"),
    "locked": _l("Locked"),
    "ok": _l("OK"),
    "failed": _l("Failed"),
    "blocked": _l("Blocked"),
    "ignored": _l("Ignored"),
    "totp": _l("Authenticator app"),
    "passkey": _l("Passkey"),
    "recovery_code": _l("Recovery codes"),
}


def label(value: object) -> str:
    """The page word for a stored value (``Role.ADMIN`` → "Admin"); unknown: the value."""
    key = str(getattr(value, "value", value))
    found = LABELS.get(key)
    return str(found) if found is not None else key.replace("_", " ").capitalize()


# Page wording of the service errors a page may show whole (the API keeps its Korean
# ``message``; a page speaks the member's language).
ERROR_MESSAGES = {
    "validation_error": _l("Some of that wasn't valid."),
    "duplicate_member": _l("That username or email address is already taken."),
    "last_admin": _l("The last active admin can't be demoted, locked or deleted."),
    "self_lock": _l("You can't lock your own account."),
    "confirmation_mismatch": _l("Type the username exactly to confirm."),
    "unknown_role": _l("Choose a role from the list."),
    "delete_forbidden": _l("You can't delete this user."),
    "member_not_found": _l("That user no longer exists."),
    "login_failed": _l("That is not your password."),
    "reauth_failed": _l("That didn't match. Try your password again."),
    "mail_unavailable": _l("We couldn't send mail just now. Please try again in a few minutes."),
    "email_taken": _l("That email address is already in use."),
    "link_invalid": _l("This link is not valid any more. Ask for a new one."),
    "rate_limited": _l("Too many attempts. Please wait a little and try again."),
}


def error_message(code: str) -> str:
    """A service error as one sentence of the page's language (never the API's Korean)."""
    return str(ERROR_MESSAGES.get(code, _l("That didn't work. Please try again.")))


# Titles of error pages (the heading says more).
STATUS_PHRASES = {
    400: _l("Bad request"),
    401: _l("Please log in"),
    403: _l("Forbidden"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    413: _l("Too large"),
    422: _l("Invalid input"),
    428: _l("Please try again"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Temporarily unavailable"),
}


def status_phrase(status: int) -> str:
    """The title of an error page for ``status``."""
    return str(STATUS_PHRASES.get(status, _l("Error")))


# How the pages name audit events; unknown events show their code.
EVENT_LABELS = {
    "signup": _l("Account created"),
    "login": _l("Signed in"),
    "login_failed": _l("Failed sign-in"),
    "logout": _l("Signed out"),
    "refresh": _l("Session renewed"),
    "refresh_reused": _l("Stolen token detected"),
    "session_revoked": _l("Session ended"),
    "sessions_revoked": _l("Sessions ended"),
    "password_changed": _l("Password changed"),
    "profile_updated": _l("Details updated"),
    "role_changed": _l("Role changed"),
    "user_locked": _l("Account locked"),
    "user_unlocked": _l("Account unlocked"),
    "member_deleted": _l("Account deleted"),
    "handoff": _l("Signed in from partner site"),
    "handoff_failed": _l("Refused partner sign-in"),
    "rate_limited": _l("Rate limited"),
    "bot_blocked": _l("Bot blocked"),
    "lockout": _l("Sign-in locked out"),
    "login_refused": _l("Sign-in refused"),
    "login_unlocked": _l("Sign-in lock lifted"),
    "honeypot": _l("Bot blocked (hidden field)"),
    "pow_failed": _l("Bot blocked (proof of work)"),
    "key_rotated": _l("Signing key rotated"),
    "audit_purged": _l("Audit log purged"),
    "imported": _l("Account imported"),
    # Account lifecycle (email)
    "verification_requested": _l("Verification mail asked for"),
    "verification_sent": _l("Verification mail sent"),
    "email_verified": _l("Email verified"),
    "password_reset_requested": _l("Password reset asked for"),
    "password_reset": _l("Password reset"),
    "email_change_requested": _l("Email change asked for"),
    "email_changed": _l("Email changed"),
    # Second factors and step-up
    "mfa_challenge": _l("Second factor asked for"),
    "mfa_failed": _l("Wrong second factor"),
    "mfa_reset": _l("Second factors reset"),
    "totp_enabled": _l("Authenticator app added"),
    "totp_disabled": _l("Authenticator app removed"),
    "totp_enrol_failed": _l("Authenticator app set-up failed"),
    "recovery_code_used": _l("Recovery code used"),
    "recovery_codes_regenerated": _l("Recovery codes renewed"),
    "reauth": _l("Identity confirmed"),
    "reauth_failed": _l("Identity confirmation failed"),
    # Passkeys
    "passkey_registered": _l("Passkey added"),
    "passkey_renamed": _l("Passkey renamed"),
    "passkey_removed": _l("Passkey removed"),
    "passkey_clone_suspected": _l("Cloned passkey suspected"),
    "passkey_register_failed": _l("Passkey set-up failed"),
    "passkey_login_failed": _l("Passkey sign-in failed"),
    "passkey_second_factor_failed": _l("Passkey second factor failed"),
    "passkey_reauth_failed": _l("Passkey confirmation failed"),
}


def event_label(event: str) -> str:
    """The page wording of an audit event name."""
    label = EVENT_LABELS.get(event)
    return str(label) if label is not None else event.replace("_", " ").capitalize()
