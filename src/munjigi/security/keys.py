"""Signing keys: kept in the database (private halves encrypted), cached per process, rotated.

Keys live in the database so every process and instance signs and verifies with the same
set. Publication is immediate (docs/security.md "Keys"): a worker signs with the key the
database names current at that moment, and every JWKS answer compares its cache with the
database first (one small indexed query), so no worker signs with a ``kid`` that another
does not publish. ``rotate-keys --reset`` also revokes every session, so tokens of the
deleted keys stop working on the next request. The first key is made as soon as anything
asks (a first request, /readyz, the JWKS); a unique ``generation`` lets one racer win.
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
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm import scoped_session

from munjigi.db import utcnow
from munjigi.security import tokens
from munjigi.security.models import SigningKey as SigningKeyRow

# Flask-SQLAlchemy's db.session is a scoped_session; both expose the same API.
DbSession = Session | scoped_session[Any]


def _trusted(now: datetime) -> Any:
    """Keys that may still verify tokens: not retired yet."""
    return or_(SigningKeyRow.retire_at.is_(None), SigningKeyRow.retire_at > now)


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
        self._have_key = False

    def verification_keys(self, session: DbSession, kid: str) -> dict[str, tokens.VerificationKey]:
        """The keys to verify a token naming ``kid``; reloads when ``kid`` is new to us.

        A ``kid`` we have not cached costs one primary-key lookup (the same price as the
        session check every request pays), and the full reload happens only when that key
        really exists: a forged ``kid`` cannot make us decrypt and parse the key set. A
        cached ``kid`` costs nothing: ``rotate-keys --reset`` also revokes every session,
        so tokens of the deleted keys fail the session check on every process at once.
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
        current = self._current_kid(session)
        if current is None:
            self.ensure_key(session)
            # Read on a fresh transaction: the request's own may predate the new key
            # (REPEATABLE READ on MariaDB).
            with Session(bind=session.get_bind()) as fresh:
                keyset = self.load(fresh)
        else:
            keyset = self._keyset
            if keyset.signing is None or keyset.signing.kid != current:
                keyset = self.load(session)
        assert keyset.signing is not None  # noqa: S101 - load() just found or made one
        return keyset.signing

    def jwks(self, session: DbSession) -> dict[str, Any]:
        """The public keys still trusted, as a JWKS document: exactly what the database holds.

        The key set is re-read only when the trusted ``kid``s differ from the cached ones,
        so a key another process just made is published here before anyone signs with it.
        """
        kids = set(session.scalars(select(SigningKeyRow.kid).where(_trusted(utcnow()))))
        if not kids:
            self.ensure_key(session)
            with Session(bind=session.get_bind()) as fresh:
                return self.load(fresh).jwks
        keyset = self._keyset
        if self._stale() or kids != set(keyset.verification):
            keyset = self.load(session)
        return keyset.jwks

    def ensure_first_key(self, session: DbSession) -> None:
        """Once per process, before a request writes anything: make sure a key exists.

        A request that has written holds SQLite's write lock, so the key must exist before
        (``ensure_key`` writes on its own connection); after the first success this costs
        a flag check.
        """
        if not self._have_key:
            self.ensure_key(session)
            self._have_key = True

    def ensure_key(self, session: DbSession) -> None:
        """Make the first signing key unless one exists (safe to race: one creator wins).

        Runs on its own connection and transaction, so the caller's pending work is neither
        committed nor rolled back by it.
        """
        for attempt in range(5):
            with Session(bind=session.get_bind()) as own:
                if self._current_kid(own) is not None:
                    return
                try:
                    kid = self._add_key(own, utcnow())
                    # Inside our write now, we see every key committed before it: if another
                    # process made one after our first look, keep theirs.
                    if self._current_kid(own, other_than=kid) is not None:
                        own.rollback()
                        return
                    own.commit()
                    return
                except (IntegrityError, OperationalError):
                    # Another process made it first (unique generation), or SQLite refused
                    # to upgrade a read snapshot another writer overtook: look again. A
                    # database that stays down re-raises (the request answers 503).
                    own.rollback()
                    if attempt == 4:
                        raise
            time.sleep(0.05)

    def _current_kid(self, session: DbSession, other_than: str | None = None) -> str | None:
        query = select(SigningKeyRow.kid).where(SigningKeyRow.rotated_at.is_(None))
        if other_than is not None:
            query = query.where(SigningKeyRow.kid != other_than)
        kid: str | None = session.scalar(
            query.order_by(SigningKeyRow.generation.desc(), SigningKeyRow.created_at.desc()).limit(
                1
            )
        )
        return kid

    def _stale(self) -> bool:
        return time.monotonic() - self._loaded_at > self._cache_ttl

    def load(self, session: DbSession, now: datetime | None = None) -> KeySet:
        """Read the keys that may still verify tokens and cache them."""
        now = now or utcnow()
        rows = session.scalars(
            select(SigningKeyRow)
            .where(_trusted(now))
            .order_by(SigningKeyRow.generation.desc(), SigningKeyRow.created_at.desc())
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
        """Make a new current key; older keys keep verifying until their tokens expire.

        The new key is published (in every process's JWKS) the moment this commits, and
        signs from then on: both follow the database, not a cache.
        """
        now = now or utcnow()
        for attempt in range(5):
            session.execute(
                update(SigningKeyRow)
                .where(SigningKeyRow.rotated_at.is_(None))
                .values(rotated_at=now, retire_at=now + self._retire_after)
            )
            try:
                kid = self._add_key(session, now)
                session.commit()
            except (IntegrityError, OperationalError):
                session.rollback()  # a concurrent rotation took this generation: again
                if attempt == 4:
                    raise
                time.sleep(0.05)
                continue
            self.load(session, now)
            return kid
        raise AssertionError("unreachable")  # pragma: no cover

    def _add_key(self, session: DbSession, now: datetime) -> str:
        kid = tokens.new_id()
        private = generate(self.alg)
        top = session.scalar(select(func.max(SigningKeyRow.generation)))
        session.add(
            SigningKeyRow(
                kid=kid,
                alg=self.alg,
                private_key=self._encrypt(private),
                public_jwk=public_jwk(private, kid, self.alg),
                created_at=now,
                generation=(top or 0) + 1,
            )
        )
        session.flush()
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
