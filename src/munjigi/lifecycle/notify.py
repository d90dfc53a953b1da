"""Security notifications by mail, driven by the audit log's ``recorded`` signal.

The security core knows nothing of mail: ``audit.record`` announces each event, and this
module mails the member (after the commit, like every mail) for three of them:

- ``login`` from a **new device**: no session of the user in ``MUNJIGI_NEW_DEVICE_WINDOW``
  had the same device label (browser and system, ``auth.devices.describe``) *and* the same
  network (IPv4 /24, IPv6 /48). A member's very first login is not "new".
- ``refresh_reused``: a refresh token was replayed, the session was revoked (theft).
- ``lockout``: sign-ins to the account are paused after repeated wrong passwords.

Only verified addresses get notifications: an unproven address may be a stranger's.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from flask import has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from munjigi import mail
from munjigi.auth import devices
from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.lifecycle import links
from munjigi.lifecycle.exceptions import MailUnavailableError
from munjigi.security import audit
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuditEvent
from munjigi.security.models import AuthSession
from munjigi.security.models import User

log = logging.getLogger(__name__)

EXTENSION_KEY = "munjigi.lifecycle.notify"


def network(ip: str | None) -> str:
    """The network an address belongs to for "same place": IPv4 /24, IPv6 /48."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def is_new_device(entry: AuditEvent, window: int) -> bool:
    """Whether the login ``entry`` came from a device and network not seen lately.

    The first login ever (no earlier ``login`` event) is not new: there is nothing to compare.
    """
    label, net = devices.describe(entry.user_agent), network(entry.ip)
    since = gatekeeper().now() - timedelta(seconds=window)
    seen = db.session.execute(
        select(AuthSession.ip, AuthSession.user_agent).where(
            AuthSession.user_id == entry.user_id,
            AuthSession.id != entry.session_id,
            AuthSession.created_at >= since,
        )
    ).all()
    if any(devices.describe(ua) == label and network(ip) == net for ip, ua in seen):
        return False
    earlier = db.session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.user_id == entry.user_id, AuditEvent.event == "login")
        .limit(1)
    )
    return earlier is not None or bool(seen)


def _account_link() -> str | None:
    try:
        return links.base_url() + "/account"
    except MailUnavailableError:
        return None


def _notify(entry: AuditEvent, settings: Settings) -> None:
    if entry.user_id is None:
        return
    kind = {"login": "new_device", "refresh_reused": "token_theft", "lockout": "lockout"}.get(
        entry.event
    )
    if kind is None or (kind == "new_device" and entry.outcome != "ok"):
        return
    if kind == "new_device" and not settings.notify_new_device:
        return
    user = db.session.get(User, entry.user_id)
    if user is None or user.email_verified_at is None:
        return
    if kind == "new_device" and not is_new_device(entry, settings.new_device_window):
        return
    subjects = {
        "new_device": _l("New sign-in to your account"),
        "token_theft": _l("We signed out a session that looked stolen"),
        "lockout": _l("Sign-ins to your account are paused"),
    }
    mail.send_after_commit(
        kind,
        user.email,
        subjects[kind],
        f"notify_{kind}",
        user=user,
        device=devices.describe(entry.user_agent),
        ip=entry.ip or _l("unknown"),
        at=entry.at,
        account_link=_account_link(),
    )


def on_recorded(entry: AuditEvent, **_: Any) -> None:
    """Receiver of ``audit.recorded``: never lets a notification break the audited action."""
    if not has_app_context() or EXTENSION_KEY not in current_app.extensions:
        return
    try:
        _notify(entry, current_app.extensions["munjigi.settings"])
    except Exception:  # noqa: BLE001 - the security event matters more than its mail
        log.exception("security notification failed for %s", entry.event)


def install(app: Any) -> None:
    """Mail notifications for this application; the receiver is connected once."""
    app.extensions[EXTENSION_KEY] = True
    audit.recorded.connect(on_recorded)
