"""Account services: update my details, change my password, delete my account.

A password change ends every *other* session of the user at once (SPEC §3): whoever knew
the old password and had signed in elsewhere is signed out, while this browser stays in.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from munjigi.account.schemas import ProfileIn
from munjigi.auth import services as auth_services
from munjigi.config import LOCALES
from munjigi.errors import ValidationError
from munjigi.extensions import db
from munjigi.security import audit
from munjigi.security import sessions
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import User
from munjigi.security.sessions import Principal

WRONG_PASSWORD = _l("That is not your current password.")
MISMATCH = _l("The two passwords don't match.")
INVALID_LOCALE = _l("Choose one of the languages offered.")


def update_profile(principal: Principal, form: dict[str, Any]) -> User:
    """Save display name, nickname and introduction (empty text is stored as none).

    The email address is not changed here: a new address is confirmed from a link mailed to
    it (munjigi.lifecycle), or a stolen session could move the account to the thief's inbox.

    :raises ValidationError: a field is invalid.
    """
    problems = ProfileIn().validate(form)
    if problems:
        raise ValidationError(fields=problems)
    data: dict[str, str] = ProfileIn().load(form)
    user = auth_services.get_member(principal.user_id)
    values = {
        "display_name": data["display_name"].strip() or None,
        "nickname": data["nickname"].strip() or None,
        "bio": data["bio"].strip() or None,
    }
    changed = sorted(name for name, value in values.items() if getattr(user, name) != value)
    for name, value in values.items():
        setattr(user, name, value)
    if changed:
        audit.record("profile_updated", user_id=user.id, detail={"fields": changed})
    db.session.commit()
    return user


def set_locale(principal: Principal, choice: str) -> User:
    """Save the member's page and mail language; ``""`` follows the browser again.

    :raises ValidationError: ``locale`` is neither empty nor a supported language.
    """
    if choice not in ("", *LOCALES):
        raise ValidationError(fields={"locale": [INVALID_LOCALE]})
    user = auth_services.get_member(principal.user_id)
    value = choice or None
    if user.locale != value:
        user.locale = value
        audit.record("profile_updated", user_id=user.id, detail={"fields": ["locale"]})
    db.session.commit()
    return user


def change_password(principal: Principal, current: str, new: str, confirm: str) -> int:
    """Check the current password, set the new one, and end every other session.

    :returns: how many other sessions were ended.
    :raises ValidationError: wrong current password, the new one breaks the policy, or
        the confirmation differs (fields ``current_password``, ``new_password``,
        ``new_password_confirm``).
    """
    gk = gatekeeper()
    user = auth_services.get_member(principal.user_id)
    ok, _ = gk.hasher.verify(current, user.password_hash)
    if not ok:
        raise ValidationError(fields={"current_password": [WRONG_PASSWORD]})
    problems = gk.password_policy.problems(new, username=user.username, email=user.email)
    if problems:
        raise ValidationError(fields={"new_password": problems})
    if new != confirm:
        raise ValidationError(fields={"new_password_confirm": [MISMATCH]})
    user.password_hash = gk.hasher.hash(new)
    user.password_changed_at = gk.now()
    ended = sessions.revoke_all(
        user.id, "password_changed", keep=principal.session_id, actor_id=user.id
    )
    audit.record("password_changed", user_id=user.id, session_id=principal.session_id)
    db.session.commit()
    return ended


def delete_account(principal: Principal, password: str) -> None:
    """Delete my account (and everything that hangs on it) after my password confirms it.

    :raises ValidationError: wrong password (field ``password``).
    :raises LastAdminError: I am the only admin.
    """
    user = auth_services.get_member(principal.user_id)
    ok, _ = gatekeeper().hasher.verify(password, user.password_hash)
    if not ok:
        raise ValidationError(fields={"password": [WRONG_PASSWORD]})
    auth_services.delete_member(principal, user.id)
