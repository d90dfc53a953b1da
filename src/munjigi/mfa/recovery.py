"""Recovery codes: ten single-use codes, shown once, stored as keyed hashes.

Threat: the phone with the authenticator is lost. A recovery code replaces the TOTP code
once; a used code never works again (one conditional UPDATE decides, so two requests with
the same code cannot both pass), and a database dump does not contain usable codes.
"""

from __future__ import annotations

import re
import secrets
from typing import Any
from typing import cast

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.engine import CursorResult

from munjigi.extensions import db
from munjigi.mfa import sealing
from munjigi.mfa.models import RecoveryCode
from munjigi.security.gatekeeper import gatekeeper

COUNT = 10
# No 0/o, 1/l/i: the codes are read off paper. 10 characters of 31 ≈ 49.5 bits each.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
LENGTH = 10


def normalise(code: str) -> str:
    """Lower case, without spaces and dashes ("ABCDE-FGHJK" → "abcdefghjk")."""
    return re.sub(r"[\s\-]", "", code or "").lower()[:32]


def looks_like_code(code: str) -> bool:
    """The shape of a recovery code."""
    text = normalise(code)
    return len(text) == LENGTH and all(c in ALPHABET for c in text)


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def regenerate(user_id: int) -> list[str]:
    """Replace the user's codes with ten new ones and return them (shown once). Caller commits."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    now = gatekeeper().now()
    codes = [_new_code() for _ in range(COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user_id, code_hash=sealing.code_hash(normalise(c)), created_at=now)
        for c in codes
    )
    return codes


def remaining(user_id: int) -> int:
    """How many unused codes the user has left."""
    count = db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return int(count or 0)


def use(user_id: int, code: str) -> bool:
    """Spend ``code`` if it is one of the user's unused codes. The caller commits."""
    if not looks_like_code(code):
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == sealing.code_hash(normalise(code)),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=gatekeeper().now())
        .execution_options(synchronize_session=False)
    )
    return int(cast(CursorResult[Any], result).rowcount) == 1


def forget(user_id: int) -> None:
    """Delete every code of the user (all second factors removed). Caller commits."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
