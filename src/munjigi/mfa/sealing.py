"""Secrets of the second factors at rest: TOTP seeds encrypted, recovery codes keyed-hashed.

Both keys are derived from ``MUNJIGI_SECRET_KEY`` with HKDF, as security/keys.py derives
the key that encrypts private signing keys, each under its own ``info`` label, so one key
never serves two purposes. A database dump alone yields neither a TOTP seed nor a usable
recovery code.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from munjigi.security.gatekeeper import gatekeeper


@functools.lru_cache(maxsize=8)
def _derive(secret_key: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
        secret_key.encode()
    )


def _fernet() -> Fernet:
    key = _derive(gatekeeper().settings.secret_key, b"munjigi totp secrets v1")
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> bytes:
    """Encrypt a TOTP seed (base32 text) for storage."""
    return _fernet().encrypt(secret.encode())


def unseal(sealed: bytes) -> str:
    """Decrypt a stored TOTP seed (raises ``cryptography.fernet.InvalidToken`` if altered)."""
    return _fernet().decrypt(sealed).decode()


def code_hash(code: str) -> str:
    """HMAC-SHA256 of a normalised recovery code: stored instead of the code.

    Recovery codes carry 50 random bits, so a fast keyed hash is enough (no password
    hashing): without the secret key a dump cannot even be tested against guesses.
    """
    key = _derive(gatekeeper().settings.secret_key, b"munjigi recovery codes v1")
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
