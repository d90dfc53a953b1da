"""Mailed one-time tokens: random, stored as SHA-256, purpose-bound, expiring, spent once.

Threats: a database leak (only hashes are stored: a 256-bit random token needs no slow
hash, SHA-256 is preimage-resistant), guessing (2**256), reuse of a link (the atomic
``UPDATE … WHERE used_at IS NULL`` lets exactly one request spend it, as
``sessions.rotate_refresh`` does for refresh tokens), a reset token replayed as an email
change (the purpose is in the hash and in the query), and old links (every new link of a
purpose retires the user's earlier ones).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import cast

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.engine import CursorResult

from munjigi.extensions import db
from munjigi.lifecycle.models import AccountToken
from munjigi.security.gatekeeper import gatekeeper

VERIFY = "verify"
RESET = "reset"
EMAIL = "email"
PURPOSES = (VERIFY, RESET, EMAIL)
TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; anything else is not one of ours (and is not hashed).
_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(purpose: str, token: str) -> str:
    """What is stored: SHA-256 over the purpose and the token (a reset token is no email token)."""
    return hashlib.sha256(f"munjigi-{purpose}:{token}".encode()).hexdigest()


def well_formed(token: str | None) -> bool:
    """Whether ``token`` has the shape of a token we issue (oversized input stops here)."""
    return bool(token) and _SHAPE.fullmatch(token or "") is not None


def issue(user_id: int, purpose: str, ttl: int, *, email: str | None = None) -> str:
    """A new token for ``user_id`` and ``purpose``; earlier unused ones stop working.

    The caller commits (and mails the token after the commit).
    """
    now = gatekeeper().now()
    retire(user_id, purpose, now=now)
    token = new_token()
    db.session.add(
        AccountToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=digest(purpose, token),
            email=email,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    return token


def peek(purpose: str, token: str | None) -> AccountToken | None:
    """The live token row (unspent, unexpired), without spending it: for the GET pages."""
    if not well_formed(token):
        return None
    now = gatekeeper().now()
    return db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == digest(purpose, cast(str, token)),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
    )


def consume(purpose: str, token: str | None) -> AccountToken | None:
    """Spend the token: exactly one caller gets the row, every other (or later) gets None."""
    if not well_formed(token):
        return None
    now = gatekeeper().now()
    hashed = digest(purpose, cast(str, token))
    result = db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.token_hash == hashed,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        return None
    return db.session.scalar(
        select(AccountToken)
        .where(AccountToken.token_hash == hashed)
        .execution_options(populate_existing=True)
    )


def retire(user_id: int, *purposes: str, now: datetime | None = None) -> None:
    """Make the user's unused tokens of ``purposes`` unusable (a newer link, or a done change)."""
    moment = now or gatekeeper().now()
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose.in_(purposes),
            AccountToken.used_at.is_(None),
        )
        .values(used_at=moment)
        .execution_options(synchronize_session=False)
    )


def purge_expired() -> int:
    """Delete spent and expired tokens; returns how many. The caller commits."""
    now = gatekeeper().now()
    result = db.session.execute(
        delete(AccountToken).where(
            (AccountToken.expires_at <= now) | AccountToken.used_at.is_not(None)
        )
    )
    return int(cast(CursorResult[Any], result).rowcount)
