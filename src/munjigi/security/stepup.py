"""Step-up ("sudo mode"): sensitive actions want a *fresh* authentication, not just a session.

Threat: a session that is valid but old — a laptop left unlocked, a stolen cookie or access
token still inside its lifetime — must not be enough to change the password or email,
manage second factors, delete an account or run admin actions. Those routes demand that
the caller's session authenticated (password, TOTP, recovery code or passkey) within
``MUNJIGI_STEPUP_MINUTES``.

How it works:

- ``auth_sessions.auth_at`` holds the time the session last proved who it is. Login sets it
  (auth/services.py, mfa/challenge.py ``complete``); re-authentication on ``/reauth`` or
  ``POST /members/reauth`` moves it forward (:func:`mark_authenticated`). NULL (a session
  from before migration 0006, or one opened by a hand-off) is stale.
- Only step-up routes read it: one primary-key lookup of one column (:func:`is_fresh`); the
  per-request session check (security/sessions.py) is not touched.
- Use the decorator *under* the authentication decorator, which sets ``g.principal``::

      @bp.delete("/members/<int:user_id>")
      @auth_required
      @fresh_auth_required()               # API: 401 {"code": "reauth_required"}
      def delete_member(user_id): ...

      @bp.post("/account/password")
      @pages.page
      @fresh_auth_required(page=True)      # page: 303 to /reauth?next=<local path>
      def change_password(): ...

  or call :func:`require_fresh_auth` inside a view or service (it raises).
- API clients answer ``reauth_required`` by ``POST /members/reauth`` with the password (or
  a TOTP code), then repeat the request with the same tokens.

This module never imports a feature: the ``/reauth`` page itself lives in ``munjigi.mfa``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from typing import TypeVar
from typing import cast
from urllib.parse import urlencode
from urllib.parse import urlsplit

from flask import g
from flask import redirect
from flask import request
from sqlalchemy import select
from sqlalchemy import update

from munjigi.errors import AppError
from munjigi.extensions import db
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuthSession

F = TypeVar("F", bound=Callable[..., Any])

# The page that asks for the password (or a second factor, or a passkey) again.
REAUTH_PATH = "/reauth"


class ReauthRequiredError(AppError):
    """The session is valid but its last authentication is older than the step-up window."""

    status = HTTPStatus.UNAUTHORIZED
    code = "reauth_required"
    message = "다시 인증이 필요합니다."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="munjigi"'})


def window() -> timedelta:
    """How recent an authentication must be for a step-up route."""
    return timedelta(minutes=gatekeeper().settings.stepup_minutes)


def fresh_at(auth_at: datetime | None, now: datetime, span: timedelta) -> bool:
    """Pure rule: ``auth_at`` lies within ``span`` before ``now`` (and not in the future)."""
    return auth_at is not None and now - span <= auth_at <= now


def is_fresh(session_id: str) -> bool:
    """Whether the session authenticated within the step-up window (one PK lookup)."""
    auth_at = db.session.execute(
        select(AuthSession.auth_at).where(AuthSession.id == session_id)
    ).scalar_one_or_none()
    gk = gatekeeper()
    return fresh_at(auth_at, gk.now(), window())


def mark_authenticated(session_id: str) -> None:
    """Record that the session just proved who it is (login or re-authentication).

    The caller commits. A session opened in this transaction is updated in memory (it is
    still pending); an existing one by a single UPDATE.
    """
    now = gatekeeper().now()
    loaded = _loaded(session_id)
    if loaded is not None:
        loaded.auth_at = now
        return
    db.session.execute(update(AuthSession).where(AuthSession.id == session_id).values(auth_at=now))


def _loaded(session_id: str) -> AuthSession | None:
    """The session's object if this unit of work holds it already (no query)."""
    for obj in db.session.new:
        if isinstance(obj, AuthSession) and obj.id == session_id:
            return obj
    found = db.session.identity_map.get(db.session.identity_key(AuthSession, session_id))
    return found if isinstance(found, AuthSession) else None


def require_fresh_auth() -> None:
    """Raise unless the current request's session (``g.principal``) is fresh.

    :raises ReauthRequiredError: (401, ``reauth_required``) stale or never authenticated.
    """
    if not is_fresh(g.principal.session_id):
        raise ReauthRequiredError()


def reauth_url(target: str) -> str:
    """``/reauth?next=<target>``; ``target`` must already be a local path."""
    return f"{REAUTH_PATH}?{urlencode({'next': target})}"


def _page_target() -> str:
    """Where to come back after re-authenticating: this page, or for a POST its form's page.

    Only a path on this site: an off-site referrer falls back to ``/``.
    """
    if request.method in ("GET", "HEAD"):
        return request.full_path if request.query_string else request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        path = referrer.path
        if not path.startswith("//"):
            return path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def fresh_auth_required(*, page: bool = False) -> Callable[[F], F]:
    """Decorate a view (under its authentication decorator) to require a fresh session.

    API views raise :class:`ReauthRequiredError`; with ``page=True`` a stale session gets
    a 303 to ``/reauth?next=…`` instead, and the form is sent again after re-authenticating.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not is_fresh(g.principal.session_id):
                if page:
                    return redirect(reauth_url(_page_target()), 303)
                raise ReauthRequiredError()
            return func(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
