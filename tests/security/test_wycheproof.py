"""Project Wycheproof vectors against ``tokens.verify_signature`` (and the EdDSA primitive).

Data: ``tests/data/wycheproof`` (C2SP/wycheproof, commit dac1dd47, Apache License 2.0).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import ECAlgorithm
from jwt.algorithms import OKPAlgorithm

from munjigi import config
from munjigi.security import tokens
from munjigi.security.exceptions import TokenInvalidError

DATA = Path(__file__).resolve().parents[1] / "data" / "wycheproof"
JWS_FILE = json.loads((DATA / "json_web_signature_test.json").read_text(encoding="utf-8"))
ED25519_FILE = json.loads((DATA / "ed25519_test.json").read_text(encoding="utf-8"))

# The key types Munjigi signs with (config.SIGNING_ALGORITHMS), and the one algorithm each
# is pinned to. Everything else in the file (RSA, HMAC, P-521) is a key Munjigi never trusts.
ACCEPTED = {("OKP", "Ed25519"): "EdDSA", ("EC", "P-256"): "ES256"}
_FROM_JWK = {"EdDSA": OKPAlgorithm.from_jwk, "ES256": ECAlgorithm.from_jwk}
# The header Munjigi itself writes; tokens.ALLOWED_HEADER_PARAMS may only ever shrink this.
OUR_HEADER_PARAMS = {"alg", "kid", "typ"}


def munjigi_alg(jwk: dict[str, Any] | None) -> str | None:
    """The algorithm Munjigi would pin to this public JWK, or None if it would not trust it.

    Wycheproof's ``rejectWrongUse`` / ``rejectWrongKeyOps`` cases use a signing key marked
    for encryption: they test a JWK *import* step. Munjigi has none (its keys come from its
    own key store, every one a signing key), so such a key never becomes a VerificationKey
    here either; its vectors are still run by the algorithm-pinning test below.
    """
    if jwk is None:
        return None
    alg = ACCEPTED.get((jwk.get("kty"), jwk.get("crv")))
    if alg is None or jwk.get("alg", alg) != alg:
        return None
    if jwk.get("use", "sig") != "sig" or "verify" not in jwk.get("key_ops", ["verify"]):
        return None
    return alg


def unverified_header(jws: Any) -> dict[str, Any] | None:
    """The vector's JOSE header, read by hand (only to classify the vector), or None."""
    if not isinstance(jws, str) or jws.count(".") != 2:
        return None
    segment = jws.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):
        return None
    return header if isinstance(header, dict) else None


def _case_id(group: dict[str, Any], test: dict[str, Any]) -> str:
    return f"tc{test['tcId']}-{test['comment']}"


def _accepted_cases() -> list[Any]:
    cases = []
    for group in JWS_FILE["testGroups"]:
        alg = munjigi_alg(group.get("public"))
        if alg is None:
            continue
        for test in group["tests"]:
            cases.append(pytest.param(alg, group["public"], test, id=_case_id(group, test)))
    return cases


def _all_cases() -> list[Any]:
    return [
        pytest.param(group, test, id=_case_id(group, test))
        for group in JWS_FILE["testGroups"]
        for test in group["tests"]
    ]


ACCEPTED_CASES = _accepted_cases()
ALL_CASES = _all_cases()


def has_our_shape(jws: Any, alg: str, kid: str) -> bool:
    """The vector's header is exactly what Munjigi signs: our alg and kid, at most typ."""
    header = unverified_header(jws)
    return (
        header is not None
        and set(header) <= OUR_HEADER_PARAMS
        and header.get("alg") == alg
        and header.get("kid") == kid
    )


@pytest.mark.parametrize(("alg", "jwk", "vector"), ACCEPTED_CASES)
def test_vector_for_a_key_munjigi_trusts(alg: str, jwk: dict[str, Any], vector: Any) -> None:
    kid = jwk["kid"]
    keys = {kid: tokens.VerificationKey(kid, alg, _FROM_JWK[alg](jwk))}
    jws = vector["jws"]
    assert vector["result"] in ("valid", "invalid")

    # A `valid` vector is only required to verify when its header is the shape Munjigi
    # writes. Valid JWS with other header parameters, no kid, or JSON serialization are
    # legitimate JOSE that Munjigi refuses on purpose (tokens.ALLOWED_HEADER_PARAMS).
    if vector["result"] == "valid" and has_our_shape(jws, alg, kid):
        payload = jws.split(".")[1]
        expected = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        assert tokens.verify_signature(jws, keys) == expected
    else:
        with pytest.raises(TokenInvalidError):
            tokens.verify_signature(jws, keys)


# One Ed25519 key for the pinning test; only its algorithm matters.
_ED25519_PUBLIC = Ed25519PrivateKey.generate().public_key()


@pytest.mark.parametrize(("group", "vector"), ALL_CASES)
def test_every_vector_is_refused_by_an_ed25519_key_set(group: dict[str, Any], vector: Any) -> None:
    # Algorithm pinning: whatever the vector's key type (RSA, HMAC, P-256, P-521) and
    # whether or not it is valid for that key, a keyset that trusts only Ed25519 refuses it.
    # The kid is the one the token names, so the refusal cannot come from an unknown kid.
    header = unverified_header(vector["jws"]) or {}
    key_jwk = group.get("public") or group.get("private") or {}
    kid = header.get("kid") if isinstance(header.get("kid"), str) else key_jwk.get("kid", "k")
    keys = {kid: tokens.VerificationKey(kid, "EdDSA", _ED25519_PUBLIC)}

    with pytest.raises(TokenInvalidError):
        tokens.verify_signature(vector["jws"], keys)


def _ed25519_cases() -> list[Any]:
    return [
        pytest.param(group["publicKeyJwk"], test, id=f"tc{test['tcId']}-{test['comment']}")
        for group in ED25519_FILE["testGroups"]
        for test in group["tests"]
    ]


ED25519_CASES = _ed25519_cases()


@pytest.mark.parametrize(("jwk", "vector"), ED25519_CASES)
def test_eddsa_primitive_matches_wycheproof(jwk: dict[str, Any], vector: Any) -> None:
    # The JWS file has no Ed25519 key, so the raw vectors (malleable and non-canonical
    # signatures) are run against the very primitive verify_signature uses for EdDSA.
    key = OKPAlgorithm.from_jwk(jwk)
    algorithm = jwt.get_algorithm_by_name("EdDSA")
    verified = algorithm.verify(bytes.fromhex(vector["msg"]), key, bytes.fromhex(vector["sig"]))

    assert verified is (vector["result"] == "valid")


def test_vectors_run_for_every_accepted_algorithm() -> None:
    # Guards against a data-file or classifier change that would silently run nothing.
    jws_by_alg = Counter(case.values[0] for case in ACCEPTED_CASES)
    results = Counter(case.values[2]["result"] for case in ACCEPTED_CASES)

    assert jws_by_alg["ES256"] > 0
    assert results["valid"] > 0 and results["invalid"] > 0
    assert len(ED25519_CASES) > 0
    assert {case.values[1]["result"] for case in ED25519_CASES} == {"valid", "invalid"}
    assert len(ALL_CASES) == JWS_FILE["numberOfTests"]
    # A new signing algorithm in config must bring its own vectors here.
    assert set(config.SIGNING_ALGORITHMS) == set(ACCEPTED.values())


def test_valid_es256_vectors_with_our_header_shape_actually_verify() -> None:
    # Without this, a classifier bug could turn every case into "must be refused".
    shaped = [
        case
        for case in ACCEPTED_CASES
        if case.values[2]["result"] == "valid"
        and has_our_shape(case.values[2]["jws"], case.values[0], case.values[1]["kid"])
    ]
    assert len(shaped) >= 1
