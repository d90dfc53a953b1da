"""Pure CSRF checks: double-submit comparison and the Origin / Sec-Fetch-Site rule."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The claim of a refresh token that holds the CSRF value issued with its access token.
ACCESS_CSRF_CLAIM = "acsrf"


def tokens_match(expected: object, presented: str | None) -> bool:
    """Constant-time comparison of the CSRF value bound in the JWT with the one sent back."""
    if not isinstance(expected, str) or not expected or not presented:
        return False
    # surrogatepass: a lone surrogate must compare unequal, not raise UnicodeEncodeError.
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), presented.encode("utf-8", "surrogatepass")
    )


def claims_match(claims: Mapping[str, Any], presented: str | None) -> bool:
    """Whether ``presented`` is a CSRF value the verified token ``claims`` vouch for.

    Any token: its own ``csrf`` claim. A refresh token also accepts the value issued with
    its access token (``acsrf``, what the ``csrf_access_token`` cookie holds): the original
    한끼얼마 client refreshes with that one (SPEC §3), and reading either cookie proves the
    same thing, a same-origin script. Both values are bound in the signed token, so a
    cookie planted from a sibling domain never passes. Every candidate is compared, in
    constant time, whatever matched first.
    """
    candidates = [claims.get("csrf")]
    if claims.get("type") == "refresh":
        candidates.append(claims.get(ACCESS_CSRF_CLAIM))
    results = [tokens_match(candidate, presented) for candidate in candidates]
    return any(results)


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
