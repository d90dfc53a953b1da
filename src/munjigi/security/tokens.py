"""Pure JWT signing and verification: the algorithm is pinned by the key, every claim checked.

No Flask, no clock and no database here: keys, policy and ``now`` are arguments. PyJWT does
the JWS work (signature, ``crit``, algorithm allow-list); the claim checks are ours because
they must run against the caller's ``now`` (tests use a fixed clock) and because a token is
only trusted after its signature is: claims are never read from an unverified token.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.api_jws import PyJWS

from munjigi.security.exceptions import TokenExpiredError
from munjigi.security.exceptions import TokenInvalidError
from munjigi.security.exceptions import TokenNotYetValidError
from munjigi.security.exceptions import WrongTokenTypeError

ACCESS = "access"
REFRESH = "refresh"
TOKEN_TYPES = (ACCESS, REFRESH)
REQUIRED_CLAIMS = ("iss", "aud", "sub", "sid", "jti", "iat", "nbf", "exp", "type", "role")
# Oversized input is refused before any parsing; our tokens are well under 1 KiB.
MAX_TOKEN_LENGTH = 4096
ALLOWED_HEADER_PARAMS = frozenset({"alg", "kid", "typ"})

_jws = PyJWS()


@dataclass(frozen=True)
class VerificationKey:
    """A public key and the one algorithm it may verify."""

    kid: str
    alg: str
    key: Any


@dataclass(frozen=True)
class SigningKey:
    """A private key, its ``kid`` and the algorithm it signs with."""

    kid: str
    alg: str
    key: Any


@dataclass(frozen=True)
class TokenPolicy:
    """What every token we accept must say about who issued it and for whom."""

    issuer: str
    audience: str
    leeway: int = 0


def new_id() -> str:
    """A random, URL-safe identifier with 128 bits of entropy (jti, sid, csrf)."""
    return secrets.token_urlsafe(16)


def build_claims(
    *,
    policy: TokenPolicy,
    token_type: str,
    user_id: str,
    session_id: str,
    role: str,
    now: int,
    expires_at: int,
    jti: str | None = None,
    csrf: str | None = None,
) -> dict[str, Any]:
    """The claims of one token; ``expires_at`` is already clamped by the caller."""
    if token_type not in TOKEN_TYPES:
        raise ValueError(f"unknown token type {token_type!r}")
    claims: dict[str, Any] = {
        "iss": policy.issuer,
        "aud": policy.audience,
        "sub": user_id,
        "sid": session_id,
        "jti": jti or new_id(),
        "iat": now,
        "nbf": now,
        "exp": expires_at,
        "type": token_type,
        "role": role,
    }
    if csrf is not None:
        claims["csrf"] = csrf
    return claims


def encode(claims: Mapping[str, Any], key: SigningKey) -> str:
    """Sign ``claims`` with ``key``; the header names the key (``kid``) and its algorithm."""
    return jwt.encode(dict(claims), key.key, algorithm=key.alg, headers={"kid": key.kid})


def key_id(token: str) -> str:
    """The ``kid`` a token names, used only to choose among our own keys.

    :raises TokenInvalidError: the token is oversized, malformed or names no key.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise TokenInvalidError()
    # A compact JWS is base64url and dots; anything else (e.g. a lone surrogate, which
    # cannot even be UTF-8 encoded) would escape PyJWT as UnicodeEncodeError, not 401.
    if not token.isascii():
        raise TokenInvalidError()
    try:
        header = _jws.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenInvalidError() from None
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenInvalidError()
    return kid


def verify_signature(token: str, keys: Mapping[str, VerificationKey]) -> bytes:
    """Return the payload of a compact JWS signed by one of ``keys``.

    The algorithm comes from our key, never from the token: ``alg: none``, HS256 signed
    with a public key, and any algorithm other than the key's are refused by PyJWT's
    allow-list before a signature is checked. Embedded keys (``jwk``, ``jku``, ``x5u``)
    are ignored because the key is looked up in ``keys`` only.

    :raises TokenInvalidError: for any token we did not sign with a key we still trust.
    """
    key = keys.get(key_id(token))
    if key is None:
        raise TokenInvalidError()
    try:
        decoded = _jws.decode_complete(token, key.key, algorithms=[key.alg])
    except (jwt.PyJWTError, ValueError, TypeError):
        raise TokenInvalidError() from None
    header = decoded["header"]
    if header.get("alg") != key.alg or header.get("kid") != key.kid:
        raise TokenInvalidError()
    # We sign with alg, kid and typ only; anything else (crit, b64, jwk, x5c…) is not ours.
    if not set(header) <= ALLOWED_HEADER_PARAMS:
        raise TokenInvalidError()
    payload: bytes = decoded["payload"]
    return payload


def decode(
    token: str,
    keys: Mapping[str, VerificationKey],
    policy: TokenPolicy,
    *,
    expected_type: str,
    now: int,
) -> dict[str, Any]:
    """Verify ``token`` and return its claims, or raise the matching authentication error."""
    payload = verify_signature(token, keys)
    try:
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise TokenInvalidError() from None
    check_claims(claims, policy, expected_type=expected_type, now=now)
    return claims  # type: ignore[no-any-return]


def check_claims(claims: Any, policy: TokenPolicy, *, expected_type: str, now: int) -> None:
    """Check issuer, audience, types and the time window of verified claims."""
    if not isinstance(claims, dict) or any(name not in claims for name in REQUIRED_CLAIMS):
        raise TokenInvalidError()
    for name in ("sub", "sid", "jti", "iss", "type", "role"):
        if not isinstance(claims[name], str) or not claims[name]:
            raise TokenInvalidError()
    for name in ("iat", "nbf", "exp"):
        value = claims[name]
        # NaN or Infinity (json.loads accepts both) would make a token that never expires.
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise TokenInvalidError()
    if claims["iss"] != policy.issuer or not _audience_matches(claims["aud"], policy.audience):
        raise TokenInvalidError()
    if claims["type"] not in TOKEN_TYPES:
        raise TokenInvalidError()
    if claims["type"] != expected_type:
        raise WrongTokenTypeError()
    if claims["exp"] <= now - policy.leeway:
        raise TokenExpiredError()
    if claims["nbf"] > now + policy.leeway or claims["iat"] > now + policy.leeway:
        raise TokenNotYetValidError()


def _audience_matches(aud: Any, expected: str) -> bool:
    if isinstance(aud, str):
        return aud == expected
    if isinstance(aud, list):
        return expected in aud and all(isinstance(item, str) for item in aud)
    return False
