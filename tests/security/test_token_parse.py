"""``tokens.parse``: the one read of a compact JWS per request, as strict as PyJWT's or stricter.

Pure tests: keys are generated here, no app and no database. Every spelling of a token that is
not the canonical one we write is refused, so a token has exactly one accepted text (the
per-request verification cache in ``decorators.verified_claims`` is keyed by that text).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from munjigi.security import tokens
from munjigi.security.exceptions import TokenInvalidError

NOW = 1_700_000_000
POLICY = tokens.TokenPolicy(issuer="https://munjigi.test", audience="munjigi-api")
_PRIVATE = Ed25519PrivateKey.generate()
SIGNING = tokens.SigningKey("k1", "EdDSA", _PRIVATE)
KEYS = {"k1": tokens.VerificationKey("k1", "EdDSA", _PRIVATE.public_key())}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def good_token(**extra: Any) -> str:
    claims = tokens.build_claims(
        policy=POLICY,
        token_type=tokens.ACCESS,
        user_id="42",
        session_id="s1",
        role="member",
        now=NOW,
        expires_at=NOW + 60,
    )
    return tokens.encode({**claims, **extra}, SIGNING)


def sign_raw(header: dict[str, Any], payload: bytes) -> str:
    """A token genuinely signed by our key, with any header and payload bytes."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload)}"
    return f"{signing_input}.{b64(_PRIVATE.sign(signing_input.encode()))}"


def test_parse_reads_header_kid_payload_and_signature_once() -> None:
    token = good_token()
    parsed = tokens.parse(token)

    assert parsed.kid == "k1"
    assert parsed.header == {"alg": "EdDSA", "kid": "k1", "typ": "JWT"}
    assert parsed.signing_input == token.rsplit(".", 1)[0].encode()
    assert json.loads(parsed.payload)["sub"] == "42"
    assert tokens.verify_signature(parsed, KEYS) == parsed.payload
    assert tokens.decode(parsed, KEYS, POLICY, expected_type=tokens.ACCESS, now=NOW)["sid"] == "s1"


@pytest.mark.parametrize("segment", [0, 1, 2], ids=["header", "payload", "signature"])
def test_padding_is_refused_in_every_segment(segment: int) -> None:
    # The same bytes, spelled with the '=' padding we never write (PyJWT would accept it).
    pad = ""
    while len(good_token(pad=pad).split(".")[segment]) % 4 == 0:
        pad += "x"
    parts = good_token(pad=pad).split(".")
    parts[segment] += "=" * (-len(parts[segment]) % 4)
    if segment < 2:  # the signed text itself carries the padding: sign it as it is
        signing_input = f"{parts[0]}.{parts[1]}"
        parts[2] = b64(_PRIVATE.sign(signing_input.encode()))
    padded = ".".join(parts)
    assert jwt.api_jws.PyJWS().decode_complete(padded, _PRIVATE.public_key(), ["EdDSA"])

    with pytest.raises(TokenInvalidError):
        tokens.verify_signature(padded, KEYS)


@pytest.mark.parametrize("segment", [0, 1, 2], ids=["header", "payload", "signature"])
def test_non_canonical_base64_is_refused_in_every_segment(segment: int) -> None:
    # Two spellings of the same bytes differ only in unused low bits of the last character.
    token = good_token()
    parts = token.split(".")
    value = parts[segment]
    if len(value) % 4 == 0:  # no unused bits in this segment: pad the claims until there are
        token = good_token(pad="x")
        parts = token.split(".")
        value = parts[segment]
    assert len(value) % 4 in (2, 3), "the test needs a segment with unused bits"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = value[:-1] + alphabet[alphabet.index(value[-1]) + 1]
    assert base64.urlsafe_b64decode(twin + "=" * (-len(twin) % 4)) == base64.urlsafe_b64decode(
        value + "=" * (-len(value) % 4)
    )
    parts[segment] = twin

    with pytest.raises(TokenInvalidError):
        tokens.parse(".".join(parts))
    with pytest.raises(TokenInvalidError):
        tokens.verify_signature(".".join(parts), KEYS)


@pytest.mark.parametrize(
    "segment_text",
    ["a", "abcde", "ab+c", "ab/c", "ab c", "ab\t", "ab%3D"],
    ids=repr,
)
def test_segments_outside_base64url_are_refused(segment_text: str) -> None:
    header, payload, signature = good_token().split(".")
    for token in (
        f"{segment_text}.{payload}.{signature}",
        f"{header}.{segment_text}.{signature}",
        f"{header}.{payload}.{segment_text}",
    ):
        with pytest.raises(TokenInvalidError):
            tokens.verify_signature(token, KEYS)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA"},
        {"alg": "EdDSA", "kid": ""},
        {"alg": "EdDSA", "kid": 1},
        {"alg": "EdDSA", "kid": ["k1"]},
        {"alg": "EdDSA", "kid": "k1", "crit": ["exp"]},
        {"alg": "EdDSA", "kid": "k1", "b64": False, "crit": ["b64"]},
        {"alg": "none", "kid": "k1"},
        {"kid": "k1"},
    ],
    ids=repr,
)
def test_signed_tokens_with_headers_we_never_write_are_refused(header: dict[str, Any]) -> None:
    # Genuinely signed by our key: only the header makes them unacceptable.
    token = sign_raw(header, json.dumps({"sub": "42"}).encode())
    with pytest.raises(TokenInvalidError):
        tokens.verify_signature(token, KEYS)


def test_a_key_with_an_algorithm_we_do_not_know_verifies_nothing() -> None:
    keys = {"k1": tokens.VerificationKey("k1", "none", _PRIVATE.public_key())}
    token = sign_raw({"alg": "none", "kid": "k1"}, b"{}")
    with pytest.raises(TokenInvalidError):
        tokens.verify_signature(token, keys)


def test_deeply_nested_header_json_is_refused_not_crashed() -> None:
    nested = "[" * 100_000 + "]" * 100_000
    token = f"{b64(nested.encode())}.{b64(b'{}')}.{b64(b'sig')}"
    if len(token) > tokens.MAX_TOKEN_LENGTH:  # the size limit refuses it first: also fine
        token = f"{b64(b'[' * 1500 + b']' * 1500)}.{b64(b'{}')}.{b64(b'sig')}"
    with pytest.raises(TokenInvalidError):
        tokens.parse(token)


def test_pyjwt_accepts_what_we_accept() -> None:
    # Our reader is not looser than the library's: what we accept, PyJWT accepts too.
    token = good_token()
    parsed = tokens.parse(token)
    decoded = jwt.api_jws.PyJWS().decode_complete(
        token, _PRIVATE.public_key(), algorithms=["EdDSA"]
    )
    assert decoded["header"] == parsed.header
    assert decoded["payload"] == parsed.payload
    assert decoded["signature"] == parsed.signature
