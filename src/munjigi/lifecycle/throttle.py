"""Budgets of the endpoints that send mail: per client IP, and per recipient address.

Threats: mail bombing a victim (many "forgot password" requests for their address, from
many IPs) and using us as a spam cannon. The per-IP budget (``MUNJIGI_RATELIMIT_MAIL``)
answers 429; the per-recipient budget (``MUNJIGI_RATELIMIT_MAIL_RECIPIENT``) is spent for
every address asked about, whether an account uses it or not, and when it runs out the
answer stays the same neutral one and simply nothing is sent: so the budget reveals
nothing about which addresses exist. Counters live in the rate limiter's storage
(memory, database or Redis: shared by every process like the other limits), through
the limiter's public ``limits`` strategy object.
"""

from __future__ import annotations

import hashlib
import logging

from flask import current_app
from limits import RateLimitItem
from limits import parse_many

from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.security import audit
from munjigi.security import ratelimit
from munjigi.security.exceptions import RateLimitedError
from munjigi.security.ratelimit import RateLimiter as Limiter

log = logging.getLogger(__name__)


def _limiter() -> Limiter | None:
    found: Limiter | None = current_app.extensions.get(ratelimit.EXTENSION_KEY)
    return found if found is not None and found.enabled else None


def _hit(limiter: Limiter, items: list[RateLimitItem], *key: str) -> int | None:
    """Count one use against every item; seconds to wait if one is exhausted, else None."""
    return limiter.hit(items, *key)


def spend_ip(kind: str) -> None:
    """Spend from the client IP's mail budget.

    :raises RateLimitedError: exhausted (429 with ``Retry-After``; audited).
    """
    limiter = _limiter()
    settings: Settings = current_app.extensions["munjigi.settings"]
    if limiter is None or not settings.ratelimit_mail:
        return
    try:
        wait = _hit(limiter, parse_many(settings.ratelimit_mail), "mail-ip", ratelimit.client_ip())
    except Exception:  # noqa: BLE001 - storage down: the endpoint-class limits still hold
        log.warning("mail budget storage failed; not limiting this request")
        return
    if wait is not None:
        audit.record("rate_limited", outcome="blocked", reason="mail", detail={"kind": kind})
        db.session.commit()
        raise RateLimitedError(retry_after=wait)


def spend_recipient(kind: str, address_key: str) -> bool:
    """Spend from the recipient's budget; False when it is exhausted (send nothing)."""
    limiter = _limiter()
    settings: Settings = current_app.extensions["munjigi.settings"]
    if limiter is None or not settings.ratelimit_mail_recipient:
        return True
    # Hashed: the limiter's storage (Redis, a table) never holds addresses.
    hashed = hashlib.sha256(address_key.encode()).hexdigest()[:32]
    try:
        wait = _hit(limiter, parse_many(settings.ratelimit_mail_recipient), "mail-to", hashed)
    except Exception:  # noqa: BLE001 - storage down: fail open, the IP budget still holds
        log.warning("mail budget storage failed; not limiting this recipient")
        return True
    if wait is not None:
        log.info("mail budget of a recipient exhausted", extra={"mail_kind": kind})
        return False
    return True
