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
    kid = tokens.key_id(token)
    claims = tokens.decode(
        token,
        gk.keys.verification_keys(db.session, kid),
        gk.policy,
        expected_type=token_type,
        now=int(gk.clock()),
    )
    if how == "cookie" and gk.settings.csrf_protect:
        if token_type == tokens.REFRESH or request.method in csrf.UNSAFE_METHODS:
            _check_csrf(claims)
    return claims, how


def _check_csrf(claims: dict[str, Any]) -> None:
    settings = gatekeeper().settings
    if not csrf.origin_allowed(
        request.headers.get("Origin"),
        request.headers.get("Sec-Fetch-Site"),
        request.host,
        settings.cors_origins,
    ):
        raise OriginRefusedError()
    if not csrf.tokens_match(claims.get("csrf"), transport.presented_csrf(request)):
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

        return cast(F, wrapper)

    if view is not None:
        return decorate(view)
    return decorate
