"""Pure JWT signing and verification: the algorithm is pinned by the key, every claim checked.

No Flask, no clock and no database here: keys, policy and ``now`` are arguments. PyJWT signs,
and its algorithm objects check every signature. Reading the compact form is ours (``parse``):
a protected request needs the ``kid`` to pick the key, then the signature, then the claims,
and PyJWT's ``get_unverified_header`` + ``decode_complete`` would parse the same token three
times, each time testing every character in a Python generator (the most expensive function
of a protected request in the profile, docs/performance.md). ``parse`` splits once, checks
each segment with one precompiled regex and a canonical re-encoding (as strict as PyJWT's
check, GHSA-hxm8-2xgr-2p9m, and stricter: no ``=`` padding, which we never write), and the
result is verified with the algorithm pinned by our key. The claim checks are ours because
they must run against the caller's ``now`` (tests use a fixed clock) and because a token is
only trusted after its signature is: claims are never read from an unverified token.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import Algorithm
from jwt.algorithms import get_default_algorithms

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

# base64url without padding (RFC 7515 §2); the empty payload of a signed b"" is allowed.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
# PyJWT's implementations, looked up by the algorithm our key pins (never the token's).
_ALGORITHMS: dict[str, Algorithm] = {
    name: algorithm for name, algorithm in get_default_algorithms().items() if name != "none"
}


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


@dataclass(frozen=True, slots=True)
class CompactToken:
    """A compact JWS read once: its header, the signed bytes, payload and signature.

    Nothing in it is trusted until ``verify_signature`` accepted it.
    """

    header: dict[str, Any]
    kid: str
    signing_input: bytes
    payload: bytes
    signature: bytes


def parse(token: object) -> CompactToken:
    """Split and decode a compact JWS (no verification); the one parse of a request.

    :raises TokenInvalidError: the token is oversized, malformed or names no key.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise TokenInvalidError()
    # A compact JWS is base64url and dots; anything else (e.g. a lone surrogate, which
    # cannot even be UTF-8 encoded) is refused before any decoding.
    if not token.isascii():
        raise TokenInvalidError()
    header_segment, payload_segment, signature_segment = token.split(".")
    try:
        header = json.loads(_segment(header_segment))
    except (ValueError, RecursionError):
        raise TokenInvalidError() from None
    if not isinstance(header, dict):
        raise TokenInvalidError()
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenInvalidError()
    return CompactToken(
        header=header,
        kid=kid,
        signing_input=f"{header_segment}.{payload_segment}".encode("ascii"),
        payload=_segment(payload_segment),
        signature=_segment(signature_segment),
    )


def _segment(segment: str) -> bytes:
    """Decode one base64url segment, refusing every non-canonical spelling of the bytes."""
    if len(segment) % 4 == 1 or not _SEGMENT.fullmatch(segment):
        raise TokenInvalidError()
    try:
        decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise TokenInvalidError() from None
    # Unused low bits must be zero: "AB" and "AC" must not both stand for one byte.
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != segment.encode("ascii"):
        raise TokenInvalidError()
    return decoded


def key_id(token: str) -> str:
    """The ``kid`` a token names, used only to choose among our own keys.

    :raises TokenInvalidError: the token is oversized, malformed or names no key.
    """
    return parse(token).kid


def verify_signature(token: str | CompactToken, keys: Mapping[str, VerificationKey]) -> bytes:
    """Return the payload of a compact JWS signed by one of ``keys``.

    The algorithm comes from our key, never from the token: ``alg: none``, HS256 signed
    with a public key, and any algorithm other than the key's are refused before a
    signature is checked. Embedded keys (``jwk``, ``jku``, ``x5u``) are ignored because
    the key is looked up in ``keys`` only.

    :raises TokenInvalidError: for any token we did not sign with a key we still trust.
    """
    parsed = token if isinstance(token, CompactToken) else parse(token)
    header = parsed.header
    key = keys.get(parsed.kid)
    if key is None or header.get("alg") != key.alg or key.kid != parsed.kid:
        raise TokenInvalidError()
    # We sign with alg, kid and typ only; anything else (crit, b64, jwk, x5c…) is not ours.
    if not set(header) <= ALLOWED_HEADER_PARAMS:
        raise TokenInvalidError()
    algorithm = _ALGORITHMS.get(key.alg)
    if algorithm is None:
        raise TokenInvalidError()
    try:
        valid = algorithm.verify(
            parsed.signing_input, algorithm.prepare_key(key.key), parsed.signature
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        raise TokenInvalidError() from None
    if not valid:
        raise TokenInvalidError()
    return parsed.payload


def decode(
    token: str | CompactToken,
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
