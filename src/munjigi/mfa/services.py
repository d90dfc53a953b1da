"""Second-factor services: finish an MFA login, enrol and disable TOTP, recovery codes,
re-authenticate for step-up, and the admin reset. Each owns its transaction."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select

from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.mfa import challenge
from munjigi.mfa import recovery
from munjigi.mfa import totp
from munjigi.mfa.exceptions import AlreadyEnrolledError
from munjigi.mfa.exceptions import CodeInvalidError
from munjigi.mfa.exceptions import NotEnrolledError
from munjigi.mfa.exceptions import ReauthFailedError
from munjigi.mfa.models import MfaChallenge
from munjigi.mfa.models import TotpFactor
from munjigi.security import audit
from munjigi.security import bruteforce
from munjigi.security import sessions
from munjigi.security import stepup
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuditEvent
from munjigi.security.models import User
from munjigi.security.sessions import IssuedTokens
from munjigi.security.sessions import Principal

# A session that fails re-authentication this often (within the step-up window) is ended:
# whoever holds it does not know the password.
REAUTH_FAILURES_BEFORE_REVOKE = 5


def login_with_code(token: str, code: str) -> tuple[User, IssuedTokens]:
    """Second step of a login: a TOTP code or a recovery code for the challenge's user.

    :raises ChallengeInvalidError: the challenge is unknown, expired, spent or used up.
    :raises CodeInvalidError: the code is wrong or was used already (counted).
    """
    user_id = challenge.peek(token)
    if totp.looks_like_code(code):
        if totp.verify(user_id, code):
            return challenge.complete(token, "totp")
        challenge.fail(token, "totp")
    if recovery.use(user_id, code):
        audit.record(
            "recovery_code_used",
            user_id=user_id,
            detail={"remaining": recovery.remaining(user_id)},
        )
        return challenge.complete(token, "recovery_code")
    challenge.fail(token, "recovery_code" if recovery.looks_like_code(code) else "unknown")
    raise CodeInvalidError()  # pragma: no cover - challenge.fail always raises


@dataclass(frozen=True)
class Overview:
    """What /account/security shows: TOTP on or off, recovery codes left, every method."""

    totp: bool
    recovery_remaining: int
    methods: list[str]


def overview(user_id: int) -> Overview:
    """The user's second factors at a glance."""
    return Overview(
        totp=totp.confirmed(user_id) is not None,
        recovery_remaining=recovery.remaining(user_id),
        methods=challenge.enrolled_methods(user_id),
    )


def start_totp(principal: Principal) -> totp.Enrolment:
    """The seed and QR code to enrol (a new seed, or the unconfirmed one); commits.

    :raises AlreadyEnrolledError: an authenticator is confirmed already.
    """
    if totp.confirmed(principal.user_id) is not None:
        raise AlreadyEnrolledError()
    user = _user(principal.user_id)
    enrolment = totp.pending_or_new(user)
    db.session.commit()
    return enrolment


def confirm_totp(principal: Principal, code: str) -> list[str]:
    """Turn the pending authenticator on with its first code; returns new recovery codes.

    :raises NotEnrolledError: no enrolment was started.
    :raises AlreadyEnrolledError: already on.
    :raises CodeInvalidError: the code does not match the seed (±1 step).
    """
    row = db.session.get(TotpFactor, principal.user_id)
    if row is None:
        raise NotEnrolledError()
    if row.confirmed_at is not None:
        raise AlreadyEnrolledError()
    if not totp.accept(row, code):
        audit.record(
            "totp_enrol_failed",
            outcome="failed",
            user_id=principal.user_id,
            session_id=principal.session_id,
        )
        db.session.commit()
        raise CodeInvalidError()
    row.confirmed_at = gatekeeper().now()
    codes = recovery.regenerate(principal.user_id)
    audit.record("totp_enabled", user_id=principal.user_id, session_id=principal.session_id)
    db.session.commit()
    return codes


def disable_totp(principal: Principal) -> None:
    """Remove the user's authenticator (and the recovery codes, when no factor is left).

    :raises NotEnrolledError: there is none.
    """
    row = db.session.get(TotpFactor, principal.user_id)
    if row is None:
        raise NotEnrolledError()
    db.session.delete(row)
    db.session.flush()
    if not challenge.enrolled_methods(principal.user_id):
        recovery.forget(principal.user_id)
    audit.record("totp_disabled", user_id=principal.user_id, session_id=principal.session_id)
    db.session.commit()


def regenerate_recovery_codes(principal: Principal) -> list[str]:
    """Ten new recovery codes; the old ones stop working. Commits.

    :raises NotEnrolledError: the user has no second factor for them to back up.
    """
    methods = challenge.enrolled_methods(principal.user_id)
    if not {"totp", "passkey"} & set(methods):
        raise NotEnrolledError()
    codes = recovery.regenerate(principal.user_id)
    audit.record(
        "recovery_codes_regenerated", user_id=principal.user_id, session_id=principal.session_id
    )
    db.session.commit()
    return codes


def reauthenticate(principal: Principal, *, password: str = "", code: str = "") -> None:
    """Prove again who holds this session (step-up) with the password or a TOTP code.

    Failures are audited and count toward brute-force protection; after
    ``REAUTH_FAILURES_BEFORE_REVOKE`` of them the session is revoked.

    :raises ReauthFailedError: wrong password or code.
    """
    user = _user(principal.user_id)
    method = "password"
    if password:
        ok, new_hash = gatekeeper().hasher.verify(password, user.password_hash)
        if ok and new_hash is not None:
            user.password_hash = new_hash
    else:
        method = "totp"
        ok = bool(code) and totp.verify(user.id, code)
    if not ok:
        _reauth_failed(principal, user, method)
    stepup.mark_authenticated(principal.session_id)
    audit.record(
        "reauth", user_id=user.id, session_id=principal.session_id, detail={"method": method}
    )
    db.session.commit()


def _reauth_failed(principal: Principal, user: User, method: str) -> None:
    audit.record(
        "reauth_failed",
        outcome="failed",
        user_id=user.id,
        session_id=principal.session_id,
        detail={"method": method},
    )
    db.session.flush()
    bruteforce.failed(
        bruteforce.Attempt(
            account=bruteforce.account_key(user.username, user.id),
            user_id=user.id,
            ip=audit.client_ip() or "unknown",
            now=gatekeeper().now(),
            rows={},
        )
    )
    # Audit rows carry the wall clock (audit.record) and are inserted at commit: count the
    # earlier failures of this session within the window, plus this one.
    since = utcnow() - stepup.window()
    earlier = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.event == "reauth_failed",
            AuditEvent.session_id == principal.session_id,
            AuditEvent.at >= since,
        )
    )
    failures = int(earlier or 0) + 1
    if failures >= REAUTH_FAILURES_BEFORE_REVOKE:
        sessions.revoke(principal.session_id, "reauth_failed", actor_id=user.id)
    db.session.commit()
    raise ReauthFailedError()


def reset_factors(user_id: int, *, actor_id: int) -> None:
    """Admin: remove every second factor of ``user_id`` (TOTP, recovery codes, passkeys)
    and any login waiting for one. The caller (admin service) commits."""
    db.session.execute(delete(TotpFactor).where(TotpFactor.user_id == user_id))
    recovery.forget(user_id)
    db.session.execute(delete(MfaChallenge).where(MfaChallenge.user_id == user_id))
    removed_passkeys = _remove_passkeys(user_id)
    audit.record(
        "mfa_reset",
        user_id=user_id,
        actor_id=actor_id,
        detail={"passkeys_removed": removed_passkeys},
    )


def _remove_passkeys(user_id: int) -> int:
    """Remove the user's passkeys through munjigi.passkeys when it offers a way to."""
    try:
        module = importlib.import_module("munjigi.passkeys.services")
    except ImportError:
        return 0
    remove_all = getattr(module, "remove_all_for_user", None)
    if remove_all is not None:
        return int(remove_all(user_id) or 0)
    # One by one through the public functions (each audited as passkey_removed).
    found = module.list_for_user(user_id)
    for passkey in found:
        module.remove(user_id, passkey.id)
    return len(found)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None  # noqa: S101 - a live session's user exists (foreign key)
    return user
