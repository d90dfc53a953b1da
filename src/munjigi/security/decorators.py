"""``auth_required``: the decorator any Flask view (ours or another app's) uses to require a token.

The checks, in order: a token is present (header or cookie), its signature verifies with
one of our keys under the pinned algorithm, its claims are ours and current, a cookie-borne
state change carries the matching CSRF token from an allowed origin, and its session is
still live in the database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from typing import TypeVar
from typing import cast

from flask import g
from flask import request

from munjigi.extensions import db
from munjigi.security import csrf
from munjigi.security import policy
from munjigi.security import sessions
from munjigi.security import tokens
from munjigi.security import transport
from munjigi.security.exceptions import CsrfError
from munjigi.security.exceptions import OriginRefusedError
from munjigi.security.exceptions import RoleRequiredError
from munjigi.security.exceptions import TokenMissingError
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import Role
from munjigi.security.sessions import Principal

F = TypeVar("F", bound=Callable[..., Any])

# Roles are ordered: an admin may do everything a member may.
_RANK = {Role.MEMBER: 0, Role.ADMIN: 1}
# The request's verified tokens (``verified_claims``), in the WSGI environ.
_VERIFIED = "munjigi.verified_tokens"


def verify_token(token_type: str = tokens.ACCESS) -> tuple[dict[str, Any], transport.Transport]:
    """Find, verify and CSRF-check the token of ``token_type``; return its claims.

    Refresh by cookie always needs the CSRF token, whatever the method: it changes state.

    :raises AuthenticationError: (401) missing, invalid, expired or wrong-type token.
    :raises CsrfError, OriginRefusedError: (403) a cookie request that fails CSRF.
    """
    gk = gatekeeper()
    found = transport.read_token(request, token_type)
    if found is None:
        raise TokenMissingError()
    token, how = found
    claims = verified_claims(token, token_type)
    if how == "cookie" and gk.settings.csrf_protect:
        if token_type == tokens.REFRESH or request.method in csrf.UNSAFE_METHODS:
            _check_csrf(claims)
    return claims, how


def verified_claims(token: str, token_type: str) -> dict[str, Any]:
    """The claims of ``token`` after the signature and claim checks, verified once per request.

    The rate limiter's per-user key (``ratelimit.user_key``) runs first and needs the same
    verified ``sub``; the answer is kept in the WSGI environ under the exact token text and
    type, so the view's check reuses it. Across requests the signature is verified once per
    process (``Gatekeeper.verified``, token_cache.py); the claims are checked every time.
    Failures are never kept: a bad token is verified again by whoever asks and raises its
    own error (401 invalid, expired, …).

    :raises AuthenticationError: (401) invalid, expired or wrong-type token.
    """
    cache: dict[tuple[str, str], dict[str, Any]] = request.environ.setdefault(_VERIFIED, {})
    claims = cache.get((token_type, token))
    if claims is None:
        claims = _verify(token, token_type)
        cache[(token_type, token)] = claims
    return claims


def _verify(token: str, token_type: str) -> dict[str, Any]:
    """Verify the signature once per process (token_cache.py), the claims on every request."""
    gk = gatekeeper()
    now = int(gk.clock())
    known = gk.verified.get(token, gk.keys.trusted_kids())
    if known is not None:
        tokens.check_claims(known, gk.policy, expected_type=token_type, now=now)
        return known
    parsed = tokens.parse(token)
    keys = gk.keys.verification_keys(db.session, parsed.kid)
    claims = tokens.decode(parsed, keys, gk.policy, expected_type=token_type, now=now)
    gk.verified.put(token, parsed.kid, claims)
    return claims


def _check_csrf(claims: dict[str, Any]) -> None:
    settings = gatekeeper().settings
    if not csrf.origin_allowed(
        request.headers.get("Origin"),
        request.headers.get("Sec-Fetch-Site"),
        request.host,
        settings.cors_origins,
    ):
        raise OriginRefusedError()
    if not csrf.claims_match(claims, transport.presented_csrf(request)):
        raise CsrfError()


def authenticate() -> Principal:
    """Run every access-token check for the current request and remember the principal."""
    claims, how = verify_token(tokens.ACCESS)
    principal = sessions.check_access(claims, how)
    g.principal = principal
    return principal


def current_principal() -> Principal:
    """The principal of this request; only valid inside an ``auth_required`` view."""
    principal: Principal = g.principal
    return principal


def auth_required(view: F | None = None, *, role: Role | None = None) -> Any:
    """Require a valid access token (and, with ``role``, that role or a higher one) for a view.

    Usable bare (``@auth_required``) or with arguments (``@auth_required(role=Role.ADMIN)``).
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate()
            if role is not None and _RANK[principal.role] < _RANK[role]:
                raise RoleRequiredError()
            return func(*args, **kwargs)

        # Declared on the route: the policy table (security/policy.py) records it.
        return cast(F, policy.route(auth=f"token:{role or 'any'}")(wrapper))

    if view is not None:
        return decorate(view)
    return decorate
