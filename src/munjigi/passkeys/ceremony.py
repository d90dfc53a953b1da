"""WebAuthn ceremonies through py_webauthn, with every input explicit (no app, no database).

py_webauthn does the cryptography and the checks of WebAuthn §7 (challenge, origin, RP id
hash, flags, signature, attestation). This module adds what it leaves to the relying party:
reading the challenge and credential id out of a response before verifying it (to find the
server-side ceremony), and the sign-count rule, which it is told to skip so that a
regression is reported as a possible clone only once the signature is known to be good.

py_webauthn (with cbor2, pyasn1 and its attestation formats) adds ~14 MB to a process, and
only the passkey ceremonies need it: it is imported inside the functions that call it, so a
worker that never sees a passkey never loads it (docs/performance.md, "Memory").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from webauthn.authentication.verify_authentication_response import VerifiedAuthentication
    from webauthn.helpers.structs import UserVerificationRequirement
    from webauthn.registration.verify_registration_response import VerifiedRegistration

CHALLENGE_BYTES = 32
USER_HANDLE_BYTES = 32
# WebAuthn §5.4.3: a credential id is at most 1,023 bytes (1,364 base64url characters).
MAX_CREDENTIAL_ID_BYTES = 1023


class CeremonyError(Exception):
    """The response cannot be accepted; ``reason`` says why (for the audit log only)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignCountRegressedError(CeremonyError):
    """A valid signature with a counter that did not grow: the key may have been cloned."""


@dataclass(frozen=True)
class RelyingParty:
    """Who we are to authenticators: RP id (a domain), name, accepted origins, UV policy."""

    id: str
    name: str
    origins: tuple[str, ...]
    user_verification: str = "preferred"

    @property
    def require_user_verification(self) -> bool:
        return self.user_verification == "required"


def new_challenge() -> bytes:
    """A fresh random challenge (WebAuthn §13.4.3: at least 16 bytes)."""
    return secrets.token_bytes(CHALLENGE_BYTES)


def new_user_handle() -> str:
    """A random user handle, base64url (WebAuthn §14.6.1: no personal data)."""
    return b64encode(secrets.token_bytes(USER_HANDLE_BYTES))


def digest(value: bytes) -> str:
    """SHA-256 hex: how challenges and credential ids are stored and looked up."""
    return hashlib.sha256(value).hexdigest()


def b64encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")


def b64decode(value: object) -> bytes:
    """base64url (padding optional) to bytes; anything else raises ``CeremonyError``."""
    if not isinstance(value, str) or len(value) > 64 * 1024:
        raise CeremonyError("malformed")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise CeremonyError("malformed") from None


def _verification(rp: RelyingParty) -> UserVerificationRequirement:
    from webauthn.helpers.structs import UserVerificationRequirement

    return UserVerificationRequirement(rp.user_verification)


def _descriptors(credentials: list[tuple[str, list[str] | None]]) -> list[Any]:
    from webauthn.helpers.structs import AuthenticatorTransport
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

    known = {t.value for t in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=b64decode(credential_id),
            transports=[AuthenticatorTransport(t) for t in transports or [] if t in known] or None,
        )
        for credential_id, transports in credentials
    ]


def registration_options(
    rp: RelyingParty,
    *,
    user_handle: str,
    user_name: str,
    display_name: str,
    challenge: bytes,
    timeout_ms: int,
    exclude: list[tuple[str, list[str] | None]],
) -> dict[str, Any]:
    """``PublicKeyCredentialCreationOptionsJSON`` for a discoverable credential."""
    import webauthn
    from webauthn.helpers.structs import AttestationConveyancePreference
    from webauthn.helpers.structs import AuthenticatorSelectionCriteria
    from webauthn.helpers.structs import ResidentKeyRequirement

    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=b64decode(user_handle),
        user_name=user_name,
        user_display_name=display_name,
        challenge=challenge,
        timeout=timeout_ms,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=_verification(rp),
        ),
        # Already registered authenticators are refused by the browser: no duplicates.
        exclude_credentials=_descriptors(exclude),
    )
    found: dict[str, Any] = json.loads(webauthn.options_to_json(options))
    return found


def authentication_options(
    rp: RelyingParty,
    *,
    challenge: bytes,
    timeout_ms: int,
    allow: list[tuple[str, list[str] | None]],
    user_verification: str | None = None,
) -> dict[str, Any]:
    """``PublicKeyCredentialRequestOptionsJSON``; an empty ``allow`` asks for any passkey."""
    import webauthn
    from webauthn.helpers.structs import UserVerificationRequirement

    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=timeout_ms,
        allow_credentials=_descriptors(allow),
        user_verification=UserVerificationRequirement(user_verification or rp.user_verification),
    )
    found: dict[str, Any] = json.loads(webauthn.options_to_json(options))
    return found


def presented_challenge(credential: Mapping[str, Any]) -> bytes:
    """The challenge the browser signed, read from ``response.clientDataJSON`` (unverified)."""
    response = credential.get("response")
    if not isinstance(response, Mapping):
        raise CeremonyError("malformed")
    try:
        client_data = json.loads(b64decode(response.get("clientDataJSON")))
    except (ValueError, UnicodeDecodeError):
        raise CeremonyError("malformed") from None
    if not isinstance(client_data, dict):
        raise CeremonyError("malformed")
    return b64decode(client_data.get("challenge"))


def presented_credential_id(credential: Mapping[str, Any]) -> bytes:
    """The credential id of a response (``rawId``, which must equal ``id``)."""
    raw = b64decode(credential.get("rawId"))
    if raw != b64decode(credential.get("id")) or not 0 < len(raw) <= MAX_CREDENTIAL_ID_BYTES:
        raise CeremonyError("malformed")
    return raw


def presented_user_handle(credential: Mapping[str, Any]) -> bytes | None:
    """The user handle an assertion carries (discoverable credentials always send it)."""
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, Mapping) else None
    return b64decode(handle) if handle else None


def verify_registration(
    rp: RelyingParty, credential: Mapping[str, Any], challenge: bytes
) -> VerifiedRegistration:
    """Verify an attestation (``navigator.credentials.create()``) against our RP and challenge.

    :raises CeremonyError: wrong origin, RP id, challenge, flags, or a broken response.
    """
    import webauthn
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        return webauthn.verify_registration_response(
            credential=dict(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            require_user_verification=rp.require_user_verification,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        raise CeremonyError(_reason(error)) from None


def verify_authentication(
    rp: RelyingParty,
    credential: Mapping[str, Any],
    challenge: bytes,
    *,
    public_key: bytes,
    stored_sign_count: int,
    require_user_verification: bool,
) -> VerifiedAuthentication:
    """Verify an assertion (``navigator.credentials.get()``) made with ``public_key``.

    Threat: a cloned authenticator. WebAuthn §6.1.1: when either counter is non-zero, the
    new one must be greater than the stored one.

    :raises SignCountRegressedError: good signature, counter not greater (possible clone).
    :raises CeremonyError: anything else wrong, signature included.
    """
    import webauthn
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        verified = webauthn.verify_authentication_response(
            credential=dict(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            credential_public_key=public_key,
            credential_current_sign_count=0,  # checked below, after the signature
            require_user_verification=require_user_verification,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        raise CeremonyError(_reason(error)) from None
    new = verified.new_sign_count
    if (new > 0 or stored_sign_count > 0) and new <= stored_sign_count:
        raise SignCountRegressedError("sign_count_regressed")
    return verified


def _reason(error: Exception) -> str:
    """A short, fixed reason for the audit log (never the response's content)."""
    text = str(error).lower()
    for needle, reason in (
        ("origin", "wrong_origin"),
        ("rp id", "wrong_rp_id"),
        ("challenge", "wrong_challenge"),
        ("user was not present", "user_not_present"),
        ("user verification", "user_not_verified"),
        ("signature", "bad_signature"),
        ("type", "wrong_type"),
    ):
        if needle in text:
            return reason
    return "invalid_response"
