"""Pure CSRF checks: double-submit comparison and the Origin / Sec-Fetch-Site rule."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def tokens_match(expected: object, presented: str | None) -> bool:
    """Constant-time comparison of the CSRF value bound in the JWT with the one sent back."""
    if not isinstance(expected, str) or not expected or not presented:
        return False
    # surrogatepass: a lone surrogate must compare unequal, not raise UnicodeEncodeError.
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), presented.encode("utf-8", "surrogatepass")
    )


def origin_allowed(
    origin: str | None,
    fetch_site: str | None,
    host: str,
    allowed_origins: Iterable[str],
) -> bool:
    """Whether a cookie-authenticated state change may come from where the browser says.

    ``Origin`` wins when present: our own host or a configured origin. Without it, a
    browser's ``Sec-Fetch-Site: cross-site`` still refuses; non-browser clients send
    neither and rely on the double-submit token alone.
    """
    if origin is not None:
        if origin in allowed_origins:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()
    return fetch_site != "cross-site"
