"""Email verification hooks the members core calls: mail at sign-up, the login gate.

Kept free of ``munjigi.auth`` imports so ``auth.services`` can import it.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from munjigi import mail
from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.lifecycle import links
from munjigi.lifecycle import tokens
from munjigi.lifecycle.exceptions import EmailUnverifiedError
from munjigi.lifecycle.exceptions import MailUnavailableError
from munjigi.security import audit
from munjigi.security.models import User


def _settings() -> Settings:
    found: Settings = current_app.extensions["munjigi.settings"]
    return found


def address_key(email: str) -> str:
    """The canonical form of an address (as ``users.email_key``): NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


def send_verification(user: User) -> bool:
    """Queue the "confirm your address" mail (sent after the caller's commit).

    Returns False when no link can be built (production without ``MUNJIGI_PUBLIC_URL``):
    the sign-up still succeeds and the member can ask for the mail again later.
    """
    settings = _settings()
    try:
        base = links.base_url()
    except MailUnavailableError:
        return False
    token = tokens.issue(user.id, tokens.VERIFY, settings.verify_email_ttl, email=user.email)
    mail.send_after_commit(
        "verify_email",
        user.email,
        _l("Confirm your email address"),
        "verify_email",
        user=user,
        link=base + links.url_path("lifecycle.verify_email_page", token),
        hours=settings.verify_email_ttl // 3600,
    )
    audit.record("verification_sent", user_id=user.id)
    return True


def is_verified(user: User) -> bool:
    """Whether the user's current address was proven by a link."""
    return user.email_verified_at is not None


def require_verified(user: User) -> None:
    """The login gate when ``MUNJIGI_EMAIL_VERIFICATION_REQUIRED`` is on.

    Called after the password was checked, so only the account's owner learns that the
    address is unverified. The refusal is audited and committed before raising.

    :raises EmailUnverifiedError: verification is required and not done.
    """
    if not _settings().email_verification_required or is_verified(user):
        return
    audit.record("login_refused", outcome="failed", user_id=user.id, reason="email_unverified")
    db.session.commit()
    raise EmailUnverifiedError()


def _forget_on_email_change(session: Session, flush_context: Any, instances: Any) -> None:
    """A verified flag belongs to an address: changing the address (profile form, admin,
    CLI) clears it, unless the change itself was proven by a link (which sets it anew)."""
    for obj in session.dirty:
        if not isinstance(obj, User):
            continue
        state = inspect(obj)
        if state.attrs.email_key.history.has_changes() and not (
            state.attrs.email_verified_at.history.has_changes()
        ):
            obj.email_verified_at = None


def install() -> None:
    """Keep ``email_verified_at`` honest on every session (once per process)."""
    if not event.contains(Session, "before_flush", _forget_on_email_change):
        event.listen(Session, "before_flush", _forget_on_email_change)
