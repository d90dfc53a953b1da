"""Pure signed double-submit token for forms that have no session yet (login, sign-up).

Login CSRF (an attacker logging the victim into the attacker's account) is stopped by the
Origin rule of :mod:`munjigi.security.csrf` for every modern browser; this token is the
second layer. A random ``nonce`` lives in an HttpOnly cookie and the form carries
``HMAC(secret, nonce)``: an attacker cannot read the cookie, and one who can plant a
cookie (a sibling subdomain) still cannot compute the matching field without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_CONTEXT = b"munjigi-form-csrf-v1\n"


def new_nonce() -> str:
    """A fresh random cookie value (128 bits)."""
    return secrets.token_urlsafe(16)


def field_value(secret: str, nonce: str) -> str:
    """The hidden form field that matches the cookie ``nonce``."""
    return hmac.new(secret.encode(), _CONTEXT + nonce.encode(), hashlib.sha256).hexdigest()


def matches(secret: str, nonce: str | None, presented: str | None) -> bool:
    """Whether the form field was made for this cookie, compared in constant time."""
    if not nonce or not presented or len(nonce) > 64:
        return False
    expected = field_value(secret, nonce)
    return hmac.compare_digest(expected.encode(), presented.encode("utf-8", "surrogatepass"))
