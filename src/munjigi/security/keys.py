"""Signing keys: kept in the database (private halves encrypted), cached per process, rotated.

Keys live in the database so every process and instance signs and verifies with the same
set; a rotation made by the CLI on one host is seen by the others on their next token with
the new ``kid`` (an unknown ``kid`` triggers a reload) and, for signing, when they next
issue tokens (the current ``kid`` is re-read then).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwt.algorithms import ECAlgorithm
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import scoped_session

from munjigi.db import utcnow
from munjigi.security import tokens
from munjigi.security.models import SigningKey as SigningKeyRow

# Flask-SQLAlchemy's db.session is a scoped_session; both expose the same API.
DbSession = Session | scoped_session[Any]


class KeyDecryptionError(RuntimeError):
    """Stored signing keys cannot be decrypted: MUNJIGI_SECRET_KEY changed."""


def _fernet(secret_key: str) -> Fernet:
    """An encryption key for private keys at rest, derived from the application secret."""
    material = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"munjigi signing keys v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(material))


def generate(alg: str) -> Any:
    """A new private key for ``alg`` (EdDSA → Ed25519, ES256 → P-256)."""
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unsupported signing algorithm {alg!r}")


def public_jwk(private_key: Any, kid: str, alg: str) -> dict[str, Any]:
    """The JWKS entry (RFC 7517) of a key's public half."""
    algorithm = OKPAlgorithm if alg == "EdDSA" else ECAlgorithm
    jwk: dict[str, Any] = algorithm.to_jwk(private_key.public_key(), as_dict=True)
    jwk.update({"kid": kid, "alg": alg, "use": "sig"})
    return jwk


@dataclass(frozen=True)
class KeySet:
    """A snapshot of the keys one process uses."""

    signing: tokens.SigningKey | None
    verification: dict[str, tokens.VerificationKey]
    jwks: dict[str, Any]


class KeyStore:
    """Loads, caches and rotates the signing keys of one application."""

    def __init__(
        self,
        secret_key: str,
        alg: str,
        max_token_lifetime: int,
        leeway: int,
        cache_ttl: int = 30,
    ) -> None:
        self._fernet = _fernet(secret_key)
        # After this long the cached set is re-read, so keys deleted (rotate --reset) or
        # retired elsewhere stop verifying here too.
        self._cache_ttl = cache_ttl
        self._loaded_at = float("-inf")
        self.alg = alg
        self._retire_after = timedelta(seconds=max_token_lifetime + leeway)
        self._keyset = KeySet(None, {}, {"keys": []})

    def verification_keys(self, session: DbSession, kid: str) -> dict[str, tokens.VerificationKey]:
        """The keys to verify a token naming ``kid``; reloads when ``kid`` is new to us.

        A ``kid`` we have not cached costs one primary-key lookup (the same price as the
        session check every request pays), and the full reload happens only when that key
        really exists: a forged ``kid`` cannot make us decrypt and parse the key set.
        """
        keyset = self._keyset
        if self._stale() or (
            kid not in keyset.verification and session.get(SigningKeyRow, kid) is not None
        ):
            keyset = self.load(session)
        return keyset.verification

    def trusted_kids(self) -> Container[str]:
        """The kids of the cached key set, for tokens verified earlier in this process.

        Only the cached set is consulted (no database read); ``verification_keys`` refreshes
        it whenever it is older than the cache TTL or a token names a new kid.
        """
        if self._stale():
            return ()
        return self._keyset.verification

    def signing_key(self, session: DbSession) -> tokens.SigningKey:
        """The current signing key, creating the first one if the database has none."""
        current = session.scalar(
            select(SigningKeyRow.kid)
            .where(SigningKeyRow.rotated_at.is_(None))
            .order_by(SigningKeyRow.created_at.desc(), SigningKeyRow.kid.desc())
            .limit(1)
        )
        if current is None:
            self.rotate(session)
        keyset = self._keyset
        if keyset.signing is None or keyset.signing.kid != current:
            keyset = self.load(session)
        assert keyset.signing is not None  # noqa: S101 - load() just found or made one
        return keyset.signing

    def jwks(self, session: DbSession) -> dict[str, Any]:
        """The public keys still trusted, as a JWKS document (cached like the key set)."""
        keyset = self.load(session) if self._stale() else self._keyset
        return keyset.jwks

    def _stale(self) -> bool:
        return time.monotonic() - self._loaded_at > self._cache_ttl

    def load(self, session: DbSession, now: datetime | None = None) -> KeySet:
        """Read the keys that may still verify tokens and cache them."""
        now = now or utcnow()
        rows = session.scalars(
            select(SigningKeyRow)
            .where(or_(SigningKeyRow.retire_at.is_(None), SigningKeyRow.retire_at > now))
            .order_by(SigningKeyRow.created_at.desc(), SigningKeyRow.kid.desc())
        ).all()
        verification: dict[str, tokens.VerificationKey] = {}
        signing: tokens.SigningKey | None = None
        jwks: list[dict[str, Any]] = []
        for row in rows:
            private = self._decrypt(row.private_key)
            verification[row.kid] = tokens.VerificationKey(row.kid, row.alg, private.public_key())
            jwks.append(row.public_jwk)
            if signing is None and row.rotated_at is None:
                signing = tokens.SigningKey(row.kid, row.alg, private)
        keyset = KeySet(signing, verification, {"keys": jwks})
        self._keyset = keyset  # one reference swap: readers see the old or the new set
        self._loaded_at = time.monotonic()
        return keyset

    def rotate(self, session: DbSession, now: datetime | None = None) -> str:
        """Make a new current key; older keys keep verifying until their tokens expire."""
        now = now or utcnow()
        kid = tokens.new_id()
        private = generate(self.alg)
        session.execute(
            update(SigningKeyRow)
            .where(SigningKeyRow.rotated_at.is_(None))
            .values(rotated_at=now, retire_at=now + self._retire_after)
        )
        session.add(
            SigningKeyRow(
                kid=kid,
                alg=self.alg,
                private_key=self._encrypt(private),
                public_jwk=public_jwk(private, kid, self.alg),
                created_at=now,
            )
        )
        session.commit()
        self.load(session, now)
        return kid

    def _encrypt(self, private_key: Any) -> bytes:
        der = private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return self._fernet.encrypt(der)

    def _decrypt(self, blob: bytes) -> Any:
        try:
            der = self._fernet.decrypt(blob)
        except InvalidToken:
            raise KeyDecryptionError(
                "stored signing keys were encrypted under another MUNJIGI_SECRET_KEY; "
                "restore that secret or run `flask munjigi rotate-keys --reset`"
            ) from None
        return serialization.load_der_private_key(der, password=None)
