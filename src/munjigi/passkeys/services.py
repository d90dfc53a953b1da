"""Passkey services: register, list, rename, remove, and verify a sign-in with one.

Every ceremony starts with ``begin_*``, which stores the challenge (challenges.py: hashed,
single use, expiring) with its purpose and owner, and ends with ``finish_*``, which takes
that row out of the table before verifying, so a response is accepted at most once even
when two processes receive it at the same moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from munjigi.db import is_row_id
from munjigi.extensions import db
from munjigi.passkeys import ceremony
from munjigi.passkeys import challenges
from munjigi.passkeys.ceremony import CeremonyError
from munjigi.passkeys.ceremony import RelyingParty
from munjigi.passkeys.ceremony import SignCountRegressedError
from munjigi.passkeys.exceptions import DuplicatePasskeyError
from munjigi.passkeys.exceptions import PasskeyLimitError
from munjigi.passkeys.exceptions import PasskeyNotFoundError
from munjigi.passkeys.exceptions import PasskeyRejectedError
from munjigi.passkeys.exceptions import PasskeysUnavailableError
from munjigi.passkeys.models import Passkey
from munjigi.passkeys.models import PasskeyChallenge
from munjigi.passkeys.models import PasskeyUser
from munjigi.security import audit
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import User
from munjigi.security.models import UserStatus

# Ceremony purposes: a challenge made for one is refused by every other.
REGISTER = "register"
LOGIN = "login"  # passwordless: any discoverable passkey, the user comes from it
SECOND_FACTOR = "second_factor"  # after the password, one of that user's passkeys
REAUTH = "reauth"  # step-up inside a session, one of that user's passkeys
PURPOSES = (REGISTER, LOGIN, SECOND_FACTOR, REAUTH)
NAME_LENGTH = 64


@dataclass(frozen=True)
class Assertion:
    """A verified sign-in with a passkey: whose, which one, and whether the user was verified."""

    user: User
    passkey: Passkey
    user_verified: bool


def relying_party() -> RelyingParty:
    """Our RP: from the settings (explicit, or the public URL's host), or in development and
    testing from this request's host.

    Threat: a forged ``Host`` header choosing the RP id. Production never derives it from
    the request (``Settings.passkeys_enabled`` is false there without an RP id).
    """
    settings = gatekeeper().settings
    if not settings.passkeys_enabled:
        raise PasskeysUnavailableError()
    rp_id, origins = settings.relying_party
    rp_id = rp_id or (request.host.rsplit(":", 1)[0] if request else "")
    origins = origins or (f"{request.scheme}://{request.host}",)
    return RelyingParty(
        rp_id, settings.webauthn_rp_name, tuple(origins), settings.webauthn_user_verification
    )


def count_for_user(user_id: int) -> int:
    """How many passkeys the user has (the second-factor page lists enrolled methods)."""
    found = db.session.scalar(select(func.count(Passkey.id)).where(Passkey.user_id == user_id))
    return int(found or 0)


def list_for_user(user_id: int) -> list[Passkey]:
    """The user's passkeys, oldest first."""
    stmt = select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.id)
    return list(db.session.scalars(stmt))


def get_owned(user_id: int, passkey_id: int) -> Passkey:
    """One of the user's passkeys.

    :raises PasskeyNotFoundError: no such passkey, or someone else's (same answer).
    """
    found = db.session.get(Passkey, passkey_id) if is_row_id(passkey_id) else None
    if found is None or found.user_id != user_id:
        raise PasskeyNotFoundError()
    return found


# --- Registration ---------------------------------------------------------------------


def begin_registration(user_id: int) -> dict[str, Any]:
    """Creation options for a new discoverable passkey of ``user_id`` (challenge stored).

    :raises PasskeyLimitError: the user already has the maximum number of passkeys.
    """
    settings = gatekeeper().settings
    rp = relying_party()
    user = db.session.get(User, user_id)
    if user is None:
        raise PasskeyNotFoundError()
    existing = list_for_user(user_id)
    if len(existing) >= settings.webauthn_max_passkeys:
        raise PasskeyLimitError()
    handle = _user_handle(user_id)
    challenge = challenges.store(REGISTER, user_id=user_id)
    options = ceremony.registration_options(
        rp,
        user_handle=handle,
        user_name=user.username,
        display_name=user.display_name or user.username,
        challenge=challenge,
        timeout_ms=settings.webauthn_challenge_ttl * 1000,
        exclude=[(p.credential_id, p.transports) for p in existing],
    )
    db.session.commit()
    return options


def finish_registration(user_id: int, credential: Mapping[str, Any], name: str) -> Passkey:
    """Verify the attestation against the stored challenge and keep the new passkey.

    :raises ChallengeInvalidError: unknown, used, expired or another user's ceremony.
    :raises PasskeyRejectedError: the response does not verify (origin, RP id, flags…).
    :raises DuplicatePasskeyError: the credential is registered already (by anyone).
    """
    settings = gatekeeper().settings
    rp = relying_party()
    challenge = challenges.take(credential, REGISTER, user_id=user_id)
    try:
        verified = ceremony.verify_registration(rp, credential, challenge)
    except CeremonyError as error:
        challenges.refuse("passkey_register_failed", error.reason, user_id)
        raise PasskeyRejectedError() from None
    if count_for_user(user_id) >= settings.webauthn_max_passkeys:
        raise PasskeyLimitError()
    key = ceremony.digest(verified.credential_id)
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_key == key)) is not None:
        challenges.refuse("passkey_register_failed", "duplicate", user_id)
        raise DuplicatePasskeyError()
    transports = _transports(credential)
    passkey = Passkey(
        user_id=user_id,
        credential_key=key,
        credential_id=ceremony.b64encode(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=clean_name(name) or default_name(user_id),
        transports=transports,
        aaguid=verified.aaguid,
        device_type=str(verified.credential_device_type.value),
        backed_up=verified.credential_backed_up,
        user_verified=verified.user_verified,
        created_at=gatekeeper().now(),
    )
    db.session.add(passkey)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DuplicatePasskeyError() from None
    audit.record(
        "passkey_registered",
        user_id=user_id,
        detail={"passkey_id": passkey.id, "aaguid": verified.aaguid, "uv": verified.user_verified},
    )
    db.session.commit()
    return passkey


def rename(user_id: int, passkey_id: int, name: str) -> Passkey:
    """Give one of the user's passkeys a new name (1–64 characters after trimming)."""
    passkey = get_owned(user_id, passkey_id)
    passkey.name = clean_name(name) or passkey.name
    audit.record("passkey_renamed", user_id=user_id, detail={"passkey_id": passkey_id})
    db.session.commit()
    return passkey


def remove(user_id: int, passkey_id: int, *, session_id: str | None = None) -> None:
    """Delete one of the user's passkeys; it can never sign in again."""
    passkey = get_owned(user_id, passkey_id)
    db.session.delete(passkey)
    audit.record(
        "passkey_removed",
        user_id=user_id,
        session_id=session_id,
        detail={"passkey_id": passkey_id, "name": passkey.name},
    )
    db.session.commit()


def remove_all_for_user(user_id: int) -> int:
    """Delete every passkey of the user (an admin's factor reset); the caller audits, commits."""
    result = db.session.execute(delete(Passkey).where(Passkey.user_id == user_id))
    db.session.execute(delete(PasskeyChallenge).where(PasskeyChallenge.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def clean_name(name: str | None) -> str:
    """A passkey name as stored: trimmed, control characters dropped, at most 64 characters."""
    text = "".join(c for c in (name or "") if c.isprintable()).strip()
    return text[:NAME_LENGTH]


def default_name(user_id: int) -> str:
    return f"Passkey {count_for_user(user_id) + 1}"


# --- Authentication -------------------------------------------------------------------


def begin_authentication(
    purpose: str, *, user_id: int | None = None, binding: str | None = None
) -> dict[str, Any]:
    """Request options: any discoverable passkey (``login``), or ``user_id``'s passkeys.

    A second factor or re-authentication for a user without passkeys still gets options
    (with an empty list), so the answer does not tell whether they have any.
    """
    settings = gatekeeper().settings
    rp = relying_party()
    allow: list[tuple[str, list[str] | None]] = []
    if purpose != LOGIN and user_id is not None:
        allow = [(p.credential_id, p.transports) for p in list_for_user(user_id)]
    challenge = challenges.store(purpose, user_id=user_id, binding=binding)
    options = ceremony.authentication_options(
        rp,
        challenge=challenge,
        timeout_ms=settings.webauthn_challenge_ttl * 1000,
        allow=allow,
        # Passwordless: the passkey is the only factor, so it must verify the person.
        user_verification="required" if purpose == LOGIN else None,
    )
    db.session.commit()
    return options


def finish_authentication(
    purpose: str,
    credential: Mapping[str, Any],
    *,
    user_id: int | None = None,
    binding: str | None = None,
) -> Assertion:
    """Verify an assertion for ``purpose``; update the passkey's counter and last use.

    The caller acts on the result (opens a session, completes the second factor, marks
    the session fresh) and commits.

    Threats: a replayed or expired challenge, a response for another site (origin / RP id),
    another user's passkey, a forged signature, a cloned authenticator (sign count).

    :raises ChallengeInvalidError: unknown, used, expired, other purpose, user or binding.
    :raises PasskeyRejectedError: anything about the response itself.
    """
    rp = relying_party()
    challenge = challenges.take(credential, purpose, user_id=user_id, binding=binding)
    passkey = _find_passkey(credential)
    if passkey is None or (user_id is not None and passkey.user_id != user_id):
        reason = "unknown_credential" if passkey is None else "other_users_credential"
        challenges.refuse(f"passkey_{purpose}_failed", reason, user_id)
        raise PasskeyRejectedError()
    user = db.session.get(User, passkey.user_id)
    if purpose == LOGIN and not _handle_matches(credential, passkey.user_id):
        challenges.refuse("passkey_login_failed", "user_handle_mismatch", passkey.user_id)
        raise PasskeyRejectedError()
    try:
        verified = ceremony.verify_authentication(
            rp,
            credential,
            challenge,
            public_key=passkey.public_key,
            stored_sign_count=passkey.sign_count,
            require_user_verification=purpose == LOGIN or rp.require_user_verification,
        )
    except SignCountRegressedError:
        audit.record(
            "passkey_clone_suspected",
            outcome="failed",
            user_id=passkey.user_id,
            reason="sign_count_regressed",
            detail={"passkey_id": passkey.id, "stored": passkey.sign_count},
        )
        db.session.commit()
        raise PasskeyRejectedError() from None
    except CeremonyError as error:
        challenges.refuse(f"passkey_{purpose}_failed", error.reason, passkey.user_id)
        raise PasskeyRejectedError() from None
    if user is None or user.status != UserStatus.ACTIVE:
        challenges.refuse(f"passkey_{purpose}_failed", "locked", passkey.user_id)
        raise PasskeyRejectedError()
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = gatekeeper().now()
    passkey.backed_up = verified.credential_backed_up
    return Assertion(user=user, passkey=passkey, user_verified=verified.user_verified)


# --- Internals ------------------------------------------------------------------------


def _user_handle(user_id: int) -> str:
    """The user's WebAuthn handle, made on first use."""
    row = db.session.get(PasskeyUser, user_id)
    if row is None:
        row = PasskeyUser(
            user_id=user_id, user_handle=ceremony.new_user_handle(), created_at=gatekeeper().now()
        )
        db.session.add(row)
        db.session.flush()
    return row.user_handle


def _handle_matches(credential: Mapping[str, Any], user_id: int) -> bool:
    """WebAuthn §7.2 step 6: the user handle returned must be the credential owner's."""
    try:
        presented = ceremony.presented_user_handle(credential)
    except CeremonyError:
        return False
    row = db.session.get(PasskeyUser, user_id)
    return (
        presented is not None
        and row is not None
        and ceremony.b64encode(presented) == (row.user_handle)
    )


def _find_passkey(credential: Mapping[str, Any]) -> Passkey | None:
    try:
        raw = ceremony.presented_credential_id(credential)
    except CeremonyError:
        return None
    key = ceremony.digest(raw)
    return db.session.scalar(select(Passkey).where(Passkey.credential_key == key))


def _transports(credential: Mapping[str, Any]) -> list[str] | None:
    response = credential.get("response")
    found = response.get("transports") if isinstance(response, Mapping) else None
    if not isinstance(found, list):
        return None
    return [str(t)[:16] for t in found if isinstance(t, str)][:8] or None
