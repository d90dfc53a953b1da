"""Who is suspicious enough for a proof of work, who said it can solve one, and how long a
client that cannot waits instead (SPEC §6): login risk, capability, sign-up throttle.

A 428 is only for clients that said they can solve a proof of work (``antibot``); every
other client meets these waits as 429 with ``Retry-After``, scoped to the (account, IP) pair
or the IP — never to the account as a whole, which anyone could make suspicious.
"""

from __future__ import annotations

import math
from datetime import datetime
from datetime import timedelta

from flask import Response
from flask import after_this_request
from flask import request
from sqlalchemy import func
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuditEvent

MAX_LEVEL = 4
# A JSON client sends this ("1") to say it solves proofs of work (SPEC §6).
CAPABLE_HEADER = "X-Altcha-Capable"
# Set once a client redeemed a solution: "it sent a solution before" (clients with a jar).
CAPABLE_COOKIE = "altcha_capable"
# The longest a client that cannot solve a proof of work is asked to wait at once.
MAX_WAIT = 15 * 60


def declared_capable() -> bool:
    """Whether the client said it solves proofs of work: the header, or our cookie."""
    if request.headers.get(CAPABLE_HEADER, "").strip() == "1":
        return True
    return request.cookies.get(CAPABLE_COOKIE) == "1"


def remember_capable() -> None:
    """After a redeemed solution: mark the client (its cookie jar) as able to solve one."""
    settings = gatekeeper().settings

    @after_this_request
    def mark(response: Response) -> Response:
        # Not a secret: forging it only opts a client into puzzles instead of waits.
        response.set_cookie(
            CAPABLE_COOKIE,
            "1",
            max_age=30 * 86400,
            secure=settings.secure_cookies,
            httponly=True,
            samesite=settings.cookie_samesite,
            domain=settings.cookie_domain,
        )
        return response


def signup_wait(ip: str | None) -> int:
    """Seconds a sign-up from ``ip`` must still wait when it cannot solve a proof of work.

    Below ``antibot_suspicious_signups`` within the hour: none. Then each sign-up must come
    1, 2, 4 … seconds after the previous one from that IP (capped at ``MAX_WAIT``), so a
    flood slows to a trickle while a person behind the address only waits a moment.
    """
    settings = gatekeeper().settings
    if not ip:
        return 0
    now = gatekeeper().now()
    count, latest = db.session.execute(
        select(func.count(), func.max(AuditEvent.at)).where(
            AuditEvent.event == "signup",
            AuditEvent.ip == ip,
            AuditEvent.at >= now - timedelta(hours=1),
        )
    ).one()
    over = int(count or 0) - settings.antibot_suspicious_signups
    if over < 0 or latest is None:
        return 0
    return wait_after(latest, over, now)


def wait_after(last: datetime, over: int, now: datetime) -> int:
    """Whole seconds left of a ``2 ** over`` second wait (capped) that began at ``last``."""
    spacing = timedelta(seconds=min(MAX_WAIT, 2 ** min(over, 20)))
    return max(0, math.ceil((last + spacing - now).total_seconds()))


def level_from_failures(ip_failures: int, pair_failures: int) -> int:
    """Risk of a login: the IP's and the (account, IP) pair's failures escalate.

    An account's failures from other addresses never raise it: otherwise anyone could make
    the owner's own device solve puzzles (or, for a client that cannot, be throttled) by
    failing logins for that name (issue #13 item 15); the account-wide delay of
    ``bruteforce`` answers distributed guessing instead.
    """
    settings = gatekeeper().settings
    ip_ratio = ip_failures / settings.antibot_suspicious_ip_failures
    pair_ratio = pair_failures / settings.antibot_suspicious_account_failures
    ratio = max(ip_ratio, pair_ratio)
    if ratio >= 1:
        return min(MAX_LEVEL, 1 + int(math.log2(ratio)))
    return 0
