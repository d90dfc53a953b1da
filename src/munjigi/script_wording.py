"""The words the page scripts show (session bar, passkeys, reports, password strength).

The layout hands them to the scripts as ``<body data-i18n='{…}'>`` in the page's language;
``%(name)s`` placeholders are filled in by the script (``t(key, values)``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MESSAGES = {
    # session.js: the session bar
    "ended": _l("Session ended — log in again"),
    "ended_logout": _l("You signed out."),
    "ended_timeout": _l("You were signed out after a while without activity."),
    "ended_limit": _l("This session reached its time limit."),
    "ended_revoked": _l("This session was ended."),
    "warning": _l("Still there?"),
    "warning_time": _l("You'll be signed out in %(time)s."),
    "offline": _l("Can't reach the server"),
    "offline_time": _l("retrying… %(time)s left"),
    "active": _l("Secure session active"),
    "limit_time": _l("Session limit in %(time)s — save your work, then log in again."),
    "active_time": _l("%(time)s left"),
    # antibot.js: the sign-up strength meter
    "strength": _l("Strength: %(word)s"),
    "strength_0": _l("very weak"),
    "strength_1": _l("weak"),
    "strength_2": _l("fair"),
    "strength_3": _l("strong"),
    "strength_4": _l("very strong"),
    # passkeys.js
    "passkey_unsupported": _l(
        "This browser can't use passkeys here. Update it, or use your password."
    ),
    "passkey_cancelled": _l("The passkey request was cancelled or timed out."),
    "passkey_exists": _l("This device already has a passkey for your account."),
    "passkey_slow": _l("That took too long. Please try again."),
    "passkey_expired": _l("This sign-in expired. Please log in again."),
    "passkey_limit": _l("You have as many passkeys as allowed. Remove one first."),
    "passkey_duplicate": _l("That passkey is already registered."),
    "passkey_rate": _l("Too many attempts. Wait a moment and try again."),
    "passkey_failed": _l("The passkey could not be used. Please try again."),
    "passkey_prompt": _l("Follow your browser's prompt…"),
    # reports.js
    "report_failed": _l("The report could not be made (%(reason)s)."),
    "report_preparing": _l("Preparing the %(kind)s…"),
    "report_done": _l("Downloaded %(name)s."),
    "report_offline": _l("The report could not be downloaded: the server did not answer."),
}


def script_messages() -> dict[str, str]:
    """Every script message in the current language."""
    return {key: str(text) for key, text in MESSAGES.items()}
