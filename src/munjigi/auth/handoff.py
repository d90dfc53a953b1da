"""The signed login hand-off service: verify, spend the nonce, find (or enrol) the member.

SPEC §5. The pure checks (signature, freshness, shape) are in
:mod:`munjigi.security.handoff`; this module adds what needs the database: the nonce is
spent once, and the member must exist (unless the operator allows enrolment), be
active, and have the email the sending site vouches for. A hand-off proves the first
factor only: a member with a second factor continues at the second step, and an admin is
refused unless ``MUNJIGI_HANDOFF_ALLOW_ADMINS`` is on.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from munjigi.auth import services
from munjigi.auth.exceptions import DuplicateMemberError
from munjigi.errors import ValidationError
from munjigi.extensions import db
from munjigi.mfa import challenge
from munjigi.security import audit
from munjigi.security import handoff
from munjigi.security import sessions
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.handoff import HandoffError
from munjigi.security.handoff_models import HandoffNonce
from munjigi.security.models import Role
from munjigi.security.models import User
from munjigi.security.models import UserStatus
from munjigi.security.sessions import IssuedTokens


class HandoffUnknownUserError(HandoffError):
    """No member has that username, and enrolment by hand-off is off."""

    code = "handoff_unknown_user"


class HandoffIdentityError(HandoffError):
    """The member's email differs from the one vouched for, or cannot be enrolled."""

    code = "handoff_identity_mismatch"


class HandoffLockedError(HandoffError):
    """The member is locked."""

    code = "handoff_locked"


class HandoffAdminError(HandoffError):
    """The member is an admin and the operator has not allowed admins to arrive by hand-off."""

    code = "handoff_admin_refused"


def accept(form: Mapping[str, str]) -> tuple[User, IssuedTokens | challenge.Pending]:
    """Open a session for the member a valid, fresh, unused hand-off names, or, when the
    member has a second factor, return the pending challenge of the second step instead.

    Anything else posted to ``/`` (an empty form, unrelated fields) is a malformed
    hand-off. Every refusal is audited (``handoff_failed`` with the reason code) and raised.

    :raises HandoffError: (401) for any reason; ``code`` says which.
    """
    gk = gatekeeper()
    try:
        claim = handoff.verify(dict(form), gk.settings.handoff_secret, int(gk.clock()))
        _spend(claim)
        user, created = _member(claim)
        if user.role == Role.ADMIN and not gk.settings.handoff_allow_admins:
            raise HandoffAdminError()
    except HandoffError as error:
        db.session.rollback()
        audit.record(
            "handoff_failed",
            outcome="failed",
            reason=error.code,
            # Like a failed login: the name sent may be anything, so only its keyed hash.
            detail={"login_hmac": audit.pseudonym(str(form.get("username", ""))[:150])},
        )
        db.session.commit()
        raise
    methods = challenge.enrolled_methods(user.id)
    if methods:
        # First factor only: the member finishes at the same second step as a password login.
        pending = challenge.issue(user, methods)
        audit.record("handoff", user_id=user.id, detail={"created": created, "second_step": True})
        db.session.commit()
        return user, pending
    issued = sessions.open_session(user, ip=audit.client_ip(), user_agent=audit.user_agent())
    audit.record(
        "handoff", user_id=user.id, session_id=issued.session_id, detail={"created": created}
    )
    db.session.commit()
    return user, issued


def _spend(claim: handoff.Handoff) -> None:
    """Record the nonce; a second use fails on its primary key, on every backend and race."""
    now = gatekeeper().now()
    db.session.execute(delete(HandoffNonce).where(HandoffNonce.expires_at < now))
    until = datetime.fromtimestamp(claim.valid_until + gatekeeper().settings.token_leeway, UTC)
    db.session.add(HandoffNonce(nonce=claim.nonce, expires_at=until))
    try:
        db.session.flush()
    except IntegrityError:
        raise handoff.HandoffReplayError() from None


def _member(claim: handoff.Handoff) -> tuple[User, bool]:
    key = services.canonical(claim.username)
    user = db.session.scalar(select(User).where(User.username_key == key))
    if user is None:
        if not gatekeeper().settings.handoff_create_users:
            raise HandoffUnknownUserError()
        return _enrol(claim), True
    if user.email_key != services.canonical(claim.email):
        raise HandoffIdentityError()
    if user.status != UserStatus.ACTIVE:
        raise HandoffLockedError()
    return user, False


def _enrol(claim: handoff.Handoff) -> User:
    """Create the member; their password is random and unknown (they sign in by hand-off)."""
    try:
        return services.create_user(
            claim.username, secrets.token_urlsafe(32), claim.email, terms_accepted_at=None
        )
    except (DuplicateMemberError, ValidationError):
        raise HandoffIdentityError() from None
