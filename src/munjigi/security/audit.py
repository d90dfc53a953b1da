"""Security events, committed with the transaction of what they record."""

from __future__ import annotations

import hashlib
import hmac
import logging
import unicodedata
from typing import Any

from blinker import Namespace
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask import has_request_context
from flask import request

from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.security import audit_chain
from munjigi.security.models import AuditEvent

log = logging.getLogger("munjigi.audit")
# Sent with each new event (before its commit); listeners such as mail notifications must
# not raise and must defer side effects to the commit (munjigi.lifecycle.notify).
recorded = Namespace().signal("munjigi.audit.recorded")


def client_ip() -> str | None:
    """The client address; X-Forwarded-For is honoured only through ProxyFix's trusted hops."""
    return request.remote_addr if has_request_context() else None


def user_agent() -> str | None:
    """The caller's User-Agent, cut to the column's size."""
    if not has_request_context():
        return None
    value = request.headers.get("User-Agent")
    return value[:512] if value else None


# 64 bits of HMAC: enough to group one name's attempts, a collision now and then is harmless.
PSEUDONYM_HEX = 16


def pseudonym(login: str) -> str:
    """A keyed hash of an attempted login name, to group attempts without keeping the text.

    Threat: a password typed into the username box, stored in the audit log. The key is
    derived from ``MUNJIGI_SECRET_KEY`` (HKDF), so the hash cannot be reversed by hashing
    guesses without the secret; the name is normalised (NFKC, case-folded) first, so
    ``Kim`` and ``kim`` group together as the login lookup treats them alike.
    """
    secret = current_app.extensions["munjigi.settings"].secret_key.encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"munjigi audit login v1")
    name = unicodedata.normalize("NFKC", login).strip().casefold()
    digest = hmac.new(key.derive(secret), name.encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX]


def record(
    event: str,
    *,
    outcome: str = "ok",
    user_id: int | None = None,
    actor_id: int | None = None,
    session_id: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction; never put a secret in ``detail``."""
    entry = AuditEvent(
        at=utcnow(),
        event=event,
        outcome=outcome,
        user_id=user_id,
        actor_id=actor_id,
        session_id=session_id,
        reason=reason,
        detail=detail,
        ip=client_ip(),
        user_agent=user_agent(),
    )
    # Inserted at commit, after the chain's head lock (see audit_chain.defer).
    audit_chain.defer(db.session(), entry)
    log.info("audit %s %s", event, outcome, extra={"user_id": user_id, "reason": reason})
    recorded.send(entry)
    return entry
