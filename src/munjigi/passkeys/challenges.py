"""Ceremony challenges: stored hashed with purpose, owner and binding; taken exactly once.

The row is found from the response itself (the browser signs the challenge into
``clientDataJSON``) and deleted before the response is verified, so a response is
accepted at most once even when two processes receive it at the same moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from munjigi.extensions import db
from munjigi.passkeys import ceremony
from munjigi.passkeys.ceremony import CeremonyError
from munjigi.passkeys.exceptions import ChallengeInvalidError
from munjigi.passkeys.exceptions import PasskeyRejectedError
from munjigi.passkeys.models import PasskeyChallenge
from munjigi.security import audit
from munjigi.security.gatekeeper import gatekeeper


def store(purpose: str, *, user_id: int | None, binding: str | None = None) -> bytes:
    """A new challenge row; expired rows are swept on the way (the index makes it cheap)."""
    gk = gatekeeper()
    now = gk.now()
    db.session.execute(delete(PasskeyChallenge).where(PasskeyChallenge.expires_at < now))
    challenge = ceremony.new_challenge()
    db.session.add(
        PasskeyChallenge(
            challenge_hash=ceremony.digest(challenge),
            purpose=purpose,
            user_id=user_id,
            binding=binding,
            created_at=now,
            expires_at=now + timedelta(seconds=gk.settings.webauthn_challenge_ttl),
        )
    )
    return challenge


def take(
    credential: Mapping[str, Any],
    purpose: str,
    *,
    user_id: int | None,
    binding: str | None = None,
) -> bytes:
    """Remove the ceremony this response answers and return its challenge.

    The row is deleted (and committed) before verification: whatever the outcome, the
    challenge cannot be used again. Two concurrent uses race on the DELETE; one wins.
    """
    try:
        challenge = ceremony.presented_challenge(credential)
    except CeremonyError:
        refuse(f"passkey_{purpose}_failed", "malformed", user_id)
        raise PasskeyRejectedError() from None
    key = ceremony.digest(challenge)
    row = db.session.get(PasskeyChallenge, key)
    problem = None
    if row is None:
        problem = "unknown_challenge"
    else:
        expired = row.expires_at <= gatekeeper().now()
        wrong = row.purpose != purpose or row.user_id != user_id or row.binding != binding
        problem = "expired_challenge" if expired else ("wrong_ceremony" if wrong else None)
        taken = db.session.execute(
            delete(PasskeyChallenge).where(PasskeyChallenge.challenge_hash == key)
        )
        if getattr(taken, "rowcount", 0) != 1:
            problem = problem or "replayed_challenge"
    db.session.commit()
    if problem:
        refuse(f"passkey_{purpose}_failed", problem, user_id)
        raise ChallengeInvalidError()
    return challenge


def refuse(event: str, reason: str, user_id: int | None) -> None:
    """Audit a refused ceremony (committed: the caller raises next)."""
    audit.record(event, outcome="failed", user_id=user_id, reason=reason)
    db.session.commit()
