"""Attack tests for ``munjigi.security.tokens``: every way to get a forged token accepted fails.

Pure tests: keys are generated here, time is an explicit ``now``, no app and no database.
Forged tokens are built by hand (base64url, ``hmac``) because PyJWT refuses to make most of them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import ECAlgorithm
from jwt.algorithms import OKPAlgorithm
from jwt.api_jws import PyJWS

from munjigi.security import tokens
from munjigi.security.exceptions import TokenExpiredError
from munjigi.security.exceptions import TokenInvalidError
from munjigi.security.exceptions import TokenNotYetValidError
from munjigi.security.exceptions import WrongTokenTypeError

NOW = 1_700_000_000
LEEWAY = 5
POLICY = tokens.TokenPolicy(issuer="https://munjigi.test", audience="munjigi-api", leeway=LEEWAY)
ALGS = ("EdDSA", "ES256")
_DROP = object()


def _private_key(alg: str) -> Any:
    if alg == "EdDSA":
        return Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


class Pair:
    """A signing key and the keyset that trusts it, as the key store would hand them out."""

    def __init__(self, alg: str, kid: str | None = None) -> None:
        self.alg = alg
        self.kid = kid or f"{alg.lower()}-key-1"
        self.private = _private_key(alg)
        self.public = self.private.public_key()
        self.signing = tokens.SigningKey(self.kid, alg, self.private)
        self.verification = tokens.VerificationKey(self.kid, alg, self.public)
        self.keys = {self.kid: self.verification}


# Generated once per module: key generation is the only slow-ish step and keys are immutable.
PAIRS = {alg: Pair(alg) for alg in ALGS}


@pytest.fixture(params=ALGS)
def pair(request: pytest.FixtureRequest) -> Pair:
    return PAIRS[request.param]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def to_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def claims(token_type: str = tokens.ACCESS, **changes: Any) -> dict[str, Any]:
    """Claims as Munjigi issues them at ``NOW``; a change to ``_DROP`` removes the claim."""
    built = tokens.build_claims(
        policy=POLICY,
        token_type=token_type,
        user_id="42",
        session_id="session-1",
        role="member",
        now=NOW,
        expires_at=NOW + 1800,
        jti="jti-1",
    )
    for name, value in changes.items():
        if value is _DROP:
            built.pop(name, None)
        else:
            built[name] = value
    return built


def sign_raw(alg: str, private_key: Any, signing_input: bytes) -> bytes:
    """A genuine JWS signature (raw r||s for ES256) over ``signing_input``."""
    return jwt.get_algorithm_by_name(alg).sign(signing_input, private_key)


def forge(
    header: dict[str, Any],
    payload: Any,
    *,
    signer: Pair | None = None,
    sign_as: str | None = None,
    signature: bytes | str | None = b"",
) -> str:
    """A compact JWS built by hand.

    ``payload`` is JSON-encoded unless it is bytes. With ``signer`` the signature is genuine
    (made with ``sign_as`` or the signer's own algorithm), whatever the header says.
    ``signature=None`` leaves out the third segment and its dot.
    """
    body = payload if isinstance(payload, bytes) else to_json(payload)
    signing_input = f"{b64(to_json(header))}.{b64(body)}"
    if signer is not None:
        signature = sign_raw(sign_as or signer.alg, signer.private, signing_input.encode())
    if signature is None:
        return signing_input
    sig = signature if isinstance(signature, str) else b64(signature)
    return f"{signing_input}.{sig}"


def signed(pair: Pair, payload: Any, **header: Any) -> str:
    """A token genuinely signed by ``pair`` with the header Munjigi uses plus ``header``."""
    base: dict[str, Any] = {"alg": pair.alg, "kid": pair.kid, "typ": "JWT"}
    base.update(header)
    return forge({k: v for k, v in base.items() if v is not _DROP}, payload, signer=pair)


def decode(token: Any, keys: dict[str, Any], *, expected: str = tokens.ACCESS, **kw: Any) -> Any:
    return tokens.decode(token, keys, kw.pop("policy", POLICY), expected_type=expected, **kw)


def decode_at(token: Any, pair: Pair, now: int = NOW, **kw: Any) -> Any:
    return decode(token, pair.keys, now=now, **kw)


# --- the happy path -----------------------------------------------------------------------


def test_round_trip_returns_the_signed_claims(pair: Pair) -> None:
    issued = claims(csrf="csrf-value")
    token = tokens.encode(issued, pair.signing)

    assert decode_at(token, pair) == issued


def test_encoded_header_names_only_alg_kid_and_typ(pair: Pair) -> None:
    token = tokens.encode(claims(), pair.signing)

    header = json.loads(unb64(token.split(".")[0]))
    assert header == {"alg": pair.alg, "kid": pair.kid, "typ": "JWT"}
    assert tokens.key_id(token) == pair.kid


def test_refresh_token_round_trips_as_refresh(pair: Pair) -> None:
    token = tokens.encode(claims(tokens.REFRESH), pair.signing)

    assert decode_at(token, pair, expected=tokens.REFRESH)["type"] == tokens.REFRESH


def test_a_key_set_with_several_keys_picks_the_one_named_by_kid() -> None:
    keys = {**PAIRS["EdDSA"].keys, **PAIRS["ES256"].keys}
    for pair in PAIRS.values():
        token = tokens.encode(claims(), pair.signing)
        assert decode(token, keys, now=NOW)["sub"] == "42"


def test_required_claims_cover_every_claim_the_spec_names() -> None:
    # SPEC §3: iss, aud, sub, sid, jti, iat, nbf, exp and type are always checked.
    spec = {"iss", "aud", "sub", "sid", "jti", "iat", "nbf", "exp", "type"}
    assert spec <= set(tokens.REQUIRED_CLAIMS)


# --- signature and algorithm attacks -------------------------------------------------------


@pytest.mark.parametrize("alg_name", ["none", "None", "NONE", "nOnE", ""])
@pytest.mark.parametrize(
    "signature",
    [b"", None, b"\x00" * 64, "original"],
    ids=["empty-signature", "no-signature-part", "zero-signature", "valid-signature-reused"],
)
def test_alg_none_is_refused(pair: Pair, alg_name: str, signature: Any) -> None:
    if signature == "original":
        signature = tokens.encode(claims(), pair.signing).rsplit(".", 1)[1]
    token = forge({"alg": alg_name, "kid": pair.kid, "typ": "JWT"}, claims(), signature=signature)

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def _public_key_materials(pair: Pair) -> dict[str, bytes]:
    pub = pair.public
    if pair.alg == "EdDSA":
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = pub.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    pem = pub.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    der = pub.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ssh = pub.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    jwk = (OKPAlgorithm if pair.alg == "EdDSA" else ECAlgorithm).to_jwk(pub).encode()
    return {
        "pem": pem,
        "pem-stripped": pem.strip(),
        "der": der,
        "raw": raw,
        "openssh": ssh,
        "jwk-json": jwk,
        "kid": pair.kid.encode(),
    }


@pytest.mark.parametrize("hmac_alg", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize(
    "material", ["pem", "pem-stripped", "der", "raw", "openssh", "jwk-json", "kid"]
)
def test_hmac_signed_with_the_public_key_is_refused(
    pair: Pair, hmac_alg: str, material: str
) -> None:
    # Key confusion: a verifier that lets the header choose HMAC would use the public key
    # (which everyone has, from the JWKS) as the shared secret.
    secret = _public_key_materials(pair)[material]
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
    header = {"alg": hmac_alg, "kid": pair.kid, "typ": "JWT"}
    signing_input = f"{b64(to_json(header))}.{b64(to_json(claims(role='admin')))}"
    mac = hmac.new(secret, signing_input.encode(), digest[hmac_alg]).digest()
    token = f"{signing_input}.{b64(mac)}"

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


@pytest.mark.parametrize(
    "change",
    [
        {"role": "admin"},
        {"sub": "1"},
        {"sid": "session-2"},
        {"exp": NOW + 10 * 365 * 24 * 3600},
        {"type": tokens.REFRESH},
        {"extra": "claim"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_tampered_payload_with_original_signature_is_refused(
    pair: Pair, change: dict[str, Any]
) -> None:
    header, _, signature = tokens.encode(claims(), pair.signing).split(".")
    token = f"{header}.{b64(to_json(claims(**change)))}.{signature}"

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def test_payload_reencoded_with_other_whitespace_is_refused(pair: Pair) -> None:
    # Same claims, different bytes: the signature covers bytes, not meaning.
    header, _, signature = tokens.encode(claims(), pair.signing).split(".")
    token = f"{header}.{b64(json.dumps(claims(), indent=1).encode())}.{signature}"

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


@pytest.mark.parametrize("position", [0, 10, -1])
def test_signature_with_one_flipped_bit_is_refused(pair: Pair, position: int) -> None:
    header, payload, signature = tokens.encode(claims(), pair.signing).split(".")
    raw = bytearray(unb64(signature))
    raw[position] ^= 0x01
    token = f"{header}.{payload}.{b64(bytes(raw))}"

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def test_truncated_signature_is_refused(pair: Pair) -> None:
    header, payload, signature = tokens.encode(claims(), pair.signing).split(".")
    token = f"{header}.{payload}.{b64(unb64(signature)[:-1])}"

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def test_token_from_another_key_with_our_kid_is_refused(pair: Pair) -> None:
    attacker = Pair(pair.alg, kid=pair.kid)
    token = tokens.encode(claims(), attacker.signing)

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def test_token_naming_an_unknown_kid_is_refused(pair: Pair) -> None:
    token = tokens.encode(claims(), tokens.SigningKey("retired-key", pair.alg, pair.private))

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def test_keyset_entry_whose_own_kid_differs_from_the_token_kid_is_refused(pair: Pair) -> None:
    token = tokens.encode(claims(), pair.signing)
    keys = {pair.kid: tokens.VerificationKey("another-kid", pair.alg, pair.public)}

    with pytest.raises(TokenInvalidError):
        decode(token, keys, now=NOW)


@pytest.mark.parametrize(
    "kid",
    [_DROP, "", None, 7, ["eddsa-key-1"], {"kid": "x"}],
    ids=["absent", "empty", "null", "int", "list", "object"],
)
def test_token_without_a_usable_kid_is_refused(pair: Pair, kid: Any) -> None:
    token = signed(pair, claims(), kid=kid)

    with pytest.raises(TokenInvalidError):
        tokens.key_id(token)
    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def test_eddsa_signature_under_an_es256_header_is_refused() -> None:
    ed = PAIRS["EdDSA"]
    token = signed(ed, claims(), alg="ES256")

    with pytest.raises(TokenInvalidError):
        decode_at(token, ed)


def test_es256_signature_under_an_eddsa_header_is_refused() -> None:
    es = PAIRS["ES256"]
    token = signed(es, claims(), alg="EdDSA")

    with pytest.raises(TokenInvalidError):
        decode_at(token, es)


def test_token_cannot_borrow_another_trusted_keys_algorithm() -> None:
    # Both keys are trusted, but each kid pins one algorithm: an ES256 signature under the
    # EdDSA key's kid is refused even though the ES256 key would have verified it.
    ed, es = PAIRS["EdDSA"], PAIRS["ES256"]
    keys = {**ed.keys, **es.keys}
    token = forge({"alg": "ES256", "kid": ed.kid, "typ": "JWT"}, claims(), signer=es)

    with pytest.raises(TokenInvalidError):
        decode(token, keys, now=NOW)


@pytest.mark.parametrize("alg_name", ["RS256", "PS256", "ES384", "ES512", "Ed25519", "HS256"])
def test_other_algorithm_names_in_the_header_are_refused(pair: Pair, alg_name: str) -> None:
    token = signed(pair, claims(), alg=alg_name)

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


# --- header parameters --------------------------------------------------------------------


def _attacker_jwk() -> dict[str, Any]:
    attacker = Ed25519PrivateKey.generate().public_key()
    return OKPAlgorithm.to_jwk(attacker, as_dict=True)


@pytest.mark.parametrize(
    "extra",
    [
        {"crit": ["exp"]},
        {"crit": ["b64"]},
        {"crit": []},
        {"b64": True},
        {"b64": False, "crit": ["b64"]},
        {"jwk": _attacker_jwk()},
        {"jku": "https://attacker.example/jwks.json"},
        {"x5c": ["MIIBszCCAVmgAwIBAgIUAttackerCertificate"]},
        {"x5u": "https://attacker.example/cert.pem"},
        {"x5t": "dGh1bWJwcmludA"},
        {"cty": "JWT"},
        {"zip": "DEF"},
        {"enc": "A256GCM"},
    ],
    ids=lambda extra: "+".join(extra),
)
def test_header_parameters_we_never_sign_are_refused(pair: Pair, extra: dict[str, Any]) -> None:
    # Signed by our own key: only the header policy can refuse these.
    token = signed(pair, claims(), **extra)

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def test_detached_payload_token_is_refused(pair: Pair) -> None:
    token = PyJWS().encode(
        to_json(claims()),
        pair.private,
        algorithm=pair.alg,
        headers={"kid": pair.kid},
        is_payload_detached=True,
    )

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def test_embedded_jwk_of_the_signing_attacker_is_ignored(pair: Pair) -> None:
    # CVE-2018-0114 shape: the attacker signs with their own key and ships it in the header.
    attacker = Pair(pair.alg, kid=pair.kid)
    jwk_cls = OKPAlgorithm if pair.alg == "EdDSA" else ECAlgorithm
    embedded = jwk_cls.to_jwk(attacker.public, as_dict=True)
    token = signed(attacker, claims(role="admin"), jwk=embedded)

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


# --- time window -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exp_delta", "outcome"),
    [
        (-LEEWAY - 1, TokenExpiredError),
        (-LEEWAY, TokenExpiredError),
        (-LEEWAY + 1, None),
        (0, None),
        (1800, None),
    ],
)
def test_expiry_is_checked_against_now_with_leeway(
    pair: Pair, exp_delta: int, outcome: type[Exception] | None
) -> None:
    token = tokens.encode(claims(iat=NOW - 3600, nbf=NOW - 3600, exp=NOW + exp_delta), pair.signing)

    if outcome is None:
        assert decode_at(token, pair)["exp"] == NOW + exp_delta
    else:
        with pytest.raises(outcome):
            decode_at(token, pair)


def test_exp_equal_to_now_is_expired_without_leeway(pair: Pair) -> None:
    # RFC 7519 §4.1.4: the token must not be accepted "on or after" exp.
    strict = tokens.TokenPolicy(issuer=POLICY.issuer, audience=POLICY.audience, leeway=0)
    token = tokens.encode(claims(iat=NOW - 60, nbf=NOW - 60, exp=NOW), pair.signing)

    with pytest.raises(TokenExpiredError):
        decode_at(token, pair, policy=strict)
    assert decode_at(token, pair, now=NOW - 1, policy=strict)["exp"] == NOW


@pytest.mark.parametrize("claim", ["nbf", "iat"])
@pytest.mark.parametrize(
    ("delta", "outcome"),
    [
        (LEEWAY + 1, TokenNotYetValidError),
        (3600, TokenNotYetValidError),
        (LEEWAY, None),
        (0, None),
        (-60, None),
    ],
)
def test_token_from_the_future_is_not_yet_valid(
    pair: Pair, claim: str, delta: int, outcome: type[Exception] | None
) -> None:
    token = tokens.encode(claims(**{claim: NOW + delta}), pair.signing)

    if outcome is None:
        assert decode_at(token, pair)[claim] == NOW + delta
    else:
        with pytest.raises(outcome):
            decode_at(token, pair)


def test_expired_token_becomes_invalid_exactly_at_the_boundary(pair: Pair) -> None:
    token = tokens.encode(claims(), pair.signing)
    last_good = NOW + 1800 + LEEWAY - 1

    assert decode_at(token, pair, now=last_good)["sub"] == "42"
    with pytest.raises(TokenExpiredError):
        decode_at(token, pair, now=last_good + 1)


# --- issuer, audience, claim presence and types -------------------------------------------


@pytest.mark.parametrize(
    "iss", ["https://evil.example", "https://munjigi.test/", "HTTPS://MUNJIGI.TEST", ""]
)
def test_wrong_issuer_is_refused(pair: Pair, iss: str) -> None:
    token = signed(pair, claims(iss=iss))

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


@pytest.mark.parametrize(
    "aud",
    [
        "other-api",
        "munjigi-api ",
        "",
        ["other-api"],
        [],
        ["munjigi-api", 7],
        [["munjigi-api"]],
        {"munjigi-api": True},
        7,
        None,
    ],
    ids=repr,
)
def test_wrong_audience_is_refused(pair: Pair, aud: Any) -> None:
    token = signed(pair, claims(aud=aud))

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def test_audience_list_containing_ours_is_accepted(pair: Pair) -> None:
    token = tokens.encode(claims(aud=["reports", "munjigi-api"]), pair.signing)

    assert decode_at(token, pair)["aud"] == ["reports", "munjigi-api"]


@pytest.mark.parametrize("claim", tokens.REQUIRED_CLAIMS)
def test_token_missing_a_required_claim_is_refused(pair: Pair, claim: str) -> None:
    token = signed(pair, claims(**{claim: _DROP}))

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("exp", True),
        ("exp", False),
        ("exp", str(NOW + 1800)),
        ("exp", None),
        ("exp", [NOW + 1800]),
        ("nbf", True),
        ("nbf", str(NOW)),
        ("iat", False),
        ("iat", {"t": NOW}),
        ("sub", 42),
        ("sub", ""),
        ("sub", None),
        ("sub", ["42"]),
        ("sid", 1),
        ("sid", ""),
        ("jti", None),
        ("jti", 3),
        ("iss", None),
        ("type", None),
        ("type", 1),
        ("type", ""),
        ("type", "id"),
        ("type", "ACCESS"),
        # json.loads accepts NaN and Infinity; either would make exp never pass.
        ("exp", float("inf")),
        ("exp", float("nan")),
        ("nbf", float("-inf")),
        ("role", None),
        ("role", 1),
        ("role", ""),
    ],
    ids=lambda value: repr(value)[:20],
)
def test_claim_of_the_wrong_type_is_refused(pair: Pair, claim: str, value: Any) -> None:
    token = signed(pair, claims(**{claim: value}))

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


def test_refresh_token_used_as_access_token_is_refused(pair: Pair) -> None:
    token = tokens.encode(claims(tokens.REFRESH), pair.signing)

    with pytest.raises(WrongTokenTypeError):
        decode_at(token, pair, expected=tokens.ACCESS)


def test_access_token_used_as_refresh_token_is_refused(pair: Pair) -> None:
    token = tokens.encode(claims(tokens.ACCESS), pair.signing)

    with pytest.raises(WrongTokenTypeError):
        decode_at(token, pair, expected=tokens.REFRESH)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"",
        b"\xff\xfe",
        b"[]",
        to_json([claims()]),
        b'"a string"',
        b"42",
        b"null",
        b"true",
    ],
    ids=repr,
)
def test_signed_payload_that_is_not_a_claims_object_is_refused(pair: Pair, payload: bytes) -> None:
    # Genuinely signed: this checks decode's own parsing, after the signature passed.
    token = signed(pair, payload)

    assert tokens.verify_signature(token, pair.keys) == payload
    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)


# --- malformed input ---------------------------------------------------------------------


def _garbage() -> dict[str, Any]:
    good = tokens.encode(claims(), PAIRS["EdDSA"].signing)
    header, payload, signature = good.split(".")
    kid_header = b64(to_json({"alg": "EdDSA", "kid": PAIRS["EdDSA"].kid}))
    return {
        "empty": "",
        "one-dot": f"{header}.{payload}",
        "only-dots": "..",
        "four-parts": f"{good}.{signature}",
        "jwe-five-parts": f"{header}.{payload}.{payload}.{payload}.{signature}",
        "non-base64": "!!!.@@@.###",
        "standard-base64-alphabet": f"{header}.{payload}.{signature}+/",
        "leading-space": f" {good}",
        "trailing-newline": f"{good}\n",
        "bearer-prefix": f"Bearer {good}",
        "non-ascii": "é.é.é",
        "lone-surrogate": f"{header}\ud800.{payload}.{signature}",
        "header-not-json": f"{b64(b'not json')}.{payload}.{signature}",
        "header-json-array": f"{b64(b'[]')}.{payload}.{signature}",
        "header-json-string": f"{b64(to_json('EdDSA'))}.{payload}.{signature}",
        "header-truncated": f"{header[:-3]}.{payload}.{signature}",
        "payload-not-base64": f"{kid_header}.%%%.{signature}",
        "none-type": None,
        "bytes": good.encode(),
        "int": 42,
        "list": [good],
    }


GARBAGE = _garbage()


@pytest.mark.parametrize("name", sorted(GARBAGE))
@pytest.mark.parametrize("function", ["key_id", "verify_signature", "decode"])
def test_malformed_input_is_refused_as_invalid(function: str, name: str) -> None:
    ed = PAIRS["EdDSA"]
    value = GARBAGE[name]
    calls = {
        "key_id": lambda: tokens.key_id(value),
        "verify_signature": lambda: tokens.verify_signature(value, ed.keys),
        "decode": lambda: decode_at(value, ed),
    }

    with pytest.raises(TokenInvalidError):
        calls[function]()


def _padded(pair: Pair, pad: int) -> str:
    return tokens.encode(claims(pad="x" * pad), pair.signing)


def test_token_longer_than_the_limit_is_refused_even_when_validly_signed(pair: Pair) -> None:
    pad = 0
    while len(_padded(pair, pad + 1)) <= tokens.MAX_TOKEN_LENGTH:
        pad += 1
    longest_allowed, too_long = _padded(pair, pad), _padded(pair, pad + 1)
    assert len(longest_allowed) <= tokens.MAX_TOKEN_LENGTH < len(too_long)

    assert decode_at(longest_allowed, pair)["sub"] == "42"
    with pytest.raises(TokenInvalidError):
        tokens.key_id(too_long)
    with pytest.raises(TokenInvalidError):
        decode_at(too_long, pair)


def test_oversized_limit_is_4096_characters() -> None:
    assert tokens.MAX_TOKEN_LENGTH == 4096


# --- claims are only read after the signature --------------------------------------------


def test_decode_returns_nothing_when_verify_signature_raises(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []

    def refuse(token: str, keys: Any) -> bytes:
        raise TokenInvalidError()

    monkeypatch.setattr(tokens, "verify_signature", refuse)
    monkeypatch.setattr(tokens, "check_claims", lambda *a, **k: seen.append(a))
    token = tokens.encode(claims(), pair.signing)

    with pytest.raises(TokenInvalidError):
        decode_at(token, pair)
    assert seen == []


@pytest.mark.parametrize(
    "change",
    [
        {"exp": NOW - 3600},
        {"nbf": NOW + 3600},
        {"type": tokens.REFRESH},
        {"iss": "https://evil.example"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_forged_token_is_invalid_whatever_its_claims_say(
    pair: Pair, change: dict[str, Any]
) -> None:
    # Had the claims been read before the signature, these would be expired / not yet
    # valid / wrong type instead of invalid: the error itself proves the order.
    attacker = Pair(pair.alg, kid=pair.kid)
    token = tokens.encode(claims(**change), attacker.signing)

    with pytest.raises(TokenInvalidError) as caught:
        decode_at(token, pair)
    assert type(caught.value) is TokenInvalidError


def test_source_never_turns_signature_verification_off() -> None:
    # SPEC §3: unsigned decoding never happens anywhere in the code.
    src = Path(tokens.__file__).resolve().parents[1]
    forbidden = ('"verify_signature": False', "'verify_signature': False", "verify=False")
    offenders = [
        f"{path.relative_to(src)}: {needle}"
        for path in sorted(src.rglob("*.py"))
        for needle in forbidden
        if needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
