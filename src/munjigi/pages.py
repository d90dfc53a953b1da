"""What every HTML page shares: the page guard, CSRF fields, and the template helpers.

Pages use the same cookies as the API (SPEC §3). A page load whose access token has
expired but whose session can still be renewed never fails: the guard answers with a
small shell that renews first (by script, or by one button without script) and then
shows the page that was asked for — the seeds' "fails first time, works after reload".
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import TypeVar
from typing import cast
from typing import overload
from urllib.parse import urlsplit

from flask import Flask
from flask import Response
from flask import after_this_request
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from markupsafe import Markup
from markupsafe import escape

from munjigi import i18n
from munjigi import wording
from munjigi.extensions import db
from munjigi.security import csrf
from munjigi.security import formtoken
from munjigi.security import policy
from munjigi.security import transport
from munjigi.security.decorators import authenticate
from munjigi.security.exceptions import AuthenticationError
from munjigi.security.exceptions import OriginRefusedError
from munjigi.security.exceptions import RefreshReusedError
from munjigi.security.exceptions import RoleRequiredError
from munjigi.security.exceptions import SessionRevokedError
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuthSession
from munjigi.security.models import Role
from munjigi.security.models import User
from munjigi.security.sessions import Principal

F = TypeVar("F", bound=Callable[..., Any])

# The cookie half of the signed double-submit token of the login and sign-up forms.
FORM_CSRF_COOKIE = "form_csrf"
STATIC = Path(__file__).parent / "static"


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after login; anything pointing elsewhere becomes ``default``.

    Threat: an open redirect (``?next=//evil.example``) that turns our login page into a
    phishing springboard. Only ``/path?query`` on this site passes.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return default
    return target


def current_target() -> str:
    """This request's path and query, as a ``next`` value."""
    return request.full_path if request.query_string else request.path


def login_redirect(notice: str | None = None, target: str | None = None) -> Response:
    """303 to the login form, remembering where to come back to."""
    url = url_for("auth.login_page", next=safe_next(target or current_target()), notice=notice)
    return cast(Response, redirect(url, 303))


def clear_cookies_after() -> None:
    """Expire the four session cookies on this request's response."""
    settings = gatekeeper().settings

    @after_this_request
    def clear(response: Response) -> Response:
        transport.clear_token_cookies(response, settings)
        return response


def see_other(url: str) -> Response:
    """303 See Other: after a POST the browser follows with a GET."""
    return cast(Response, redirect(url, 303))


def render(template: str, status: int = 200, **context: Any) -> Response:
    """An HTML response from ``template`` with ``status``."""
    return Response(render_template(template, **context), status, mimetype="text/html")


def _no_store_after() -> None:
    @after_this_request
    def no_store(response: Response) -> Response:
        # Pages with personal data must not come back from the cache after a logout.
        response.headers["Cache-Control"] = "no-store"
        return response


def _return_target() -> str:
    """Where to send the user once renewed: this page, or for a POST the page it came from."""
    if request.method == "GET":
        return current_target()
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host:
        return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return "/"


def _renew_shell() -> Response:
    """The page that renews the session before showing ``next`` (script or one button)."""
    target = _return_target()
    html = render_template(
        "renew.html",
        next=target,
        refresh_csrf=request.cookies.get(transport.REFRESH_CSRF_COOKIE, ""),
        login_url=url_for("auth.login_page", next=target, notice="ended"),
    )
    return Response(html, 200, mimetype="text/html", headers={"Cache-Control": "no-store"})


def authenticate_page() -> Principal | Response:
    """The page form of ``authenticate``: a principal, or the response that replaces the page.

    - revoked, locked, deleted or stolen session → login form with "session ended";
    - access token missing or expired while a refresh is possible → the renew shell;
    - otherwise unauthenticated → login form (with ``next``).
    A CSRF or Origin failure on a form POST is raised: a 403 page, not a login prompt.
    """
    has_cookies = any(
        name in request.cookies for name in (transport.ACCESS_COOKIE, transport.REFRESH_CSRF_COOKIE)
    )
    try:
        principal = authenticate()
    except (SessionRevokedError, RefreshReusedError):
        clear_cookies_after()
        return login_redirect("ended", _return_target())
    except AuthenticationError:
        if request.cookies.get(transport.REFRESH_CSRF_COOKIE):
            return _renew_shell()
        if has_cookies:
            clear_cookies_after()
        return login_redirect(None, _return_target())
    # The session check just joined this row: it exists, and the read hits the identity map.
    g.page_user = db.session.get(User, principal.user_id)
    i18n.language_changed()  # the member's own language from here on
    _no_store_after()
    return principal


@overload
def page(view: F) -> F: ...


@overload
def page(
    view: None = None, *, role: Role | None = None, password_step: bool = False
) -> Callable[[F], F]: ...


def page(view: F | None = None, *, role: Role | None = None, password_step: bool = False) -> Any:
    """Guard an HTML view: a signed-in user (with ``role``), else the right redirect.

    A member on an admin page gets the 403 page, never a crash or a login prompt. A member
    whose imported password today's policy refuses is sent to change it first; only views
    declared ``password_step`` (the change itself, logging out) open before that.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            outcome = authenticate_page()
            if isinstance(outcome, Response):
                return outcome
            if role is not None and outcome.role != role:
                raise RoleRequiredError()
            if not password_step and page_user().password_change_required:
                step = url_for("account.account", notice="password_change_required")
                return see_other(f"{step}#password")
            return func(*args, **kwargs)

        # Declared on the route: the policy table (security/policy.py) records it.
        return cast(F, policy.route(auth=f"page:{role or 'any'}")(wrapper))

    if view is not None:
        return decorate(view)
    return decorate


def sign_in_quietly() -> None:
    """For a page that needs no sign-in (an error page): show the signed-in header if we can.

    Only a valid access token counts; nothing is renewed, redirected or cleared here, and a
    request that does not authenticate simply stays signed out.
    """
    if signed_in() or request.method not in ("GET", "HEAD"):
        return
    if transport.ACCESS_COOKIE not in request.cookies:
        return
    try:
        principal = authenticate()
    except Exception:  # any failure: the page is shown signed out, as before
        db.session.rollback()
        return
    g.page_user = db.session.get(User, principal.user_id)
    _no_store_after()


def page_user() -> User:
    """The signed-in user of this page request (set by :func:`page`)."""
    user: User = g.page_user
    return user


def principal() -> Principal:
    """The principal of this page request (set by :func:`page`)."""
    found: Principal = g.principal
    return found


def forget_user() -> None:
    """Render the rest of this request as signed out (after a logout or an account deletion)."""
    g.pop("page_user", None)


def signed_in() -> bool:
    """Whether this request was authenticated as a page."""
    return "page_user" in g


# --- CSRF for forms without a session (login, sign-up) -------------------------------


def form_csrf_value() -> str:
    """The hidden field of a no-session form; sets its cookie half on this response."""
    if "form_csrf_nonce" not in g:
        nonce = request.cookies.get(FORM_CSRF_COOKIE)
        if not nonce or len(nonce) > 64:
            nonce = formtoken.new_nonce()
            _set_form_cookie(nonce)
        g.form_csrf_nonce = nonce
    return formtoken.field_value(gatekeeper().settings.secret_key, g.form_csrf_nonce)


def _set_form_cookie(nonce: str) -> None:
    settings = gatekeeper().settings

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            FORM_CSRF_COOKIE,
            nonce,
            path="/",
            httponly=True,
            secure=settings.secure_cookies,
            samesite=settings.cookie_samesite,
            domain=settings.cookie_domain,
        )
        return response


def form_csrf_ok() -> bool:
    """Whether a no-session form POST comes from our page (Origin rule + signed token).

    :raises OriginRefusedError: the browser says the form was posted from another site.
    """
    settings = gatekeeper().settings
    if not csrf.origin_allowed(
        request.headers.get("Origin"),
        request.headers.get("Sec-Fetch-Site"),
        request.host,
        settings.cors_origins,
    ):
        raise OriginRefusedError()
    return formtoken.matches(
        settings.secret_key,
        request.cookies.get(FORM_CSRF_COOKIE),
        request.form.get(transport.CSRF_FORM_FIELD),
    )


# --- Template helpers -----------------------------------------------------------------


def csrf_field() -> Markup:
    """``<input type=hidden name=csrf_token>``: the session's CSRF value, or the form token."""
    if signed_in():
        value = str(principal().claims.get("csrf", ""))
    else:
        value = form_csrf_value()
    return Markup(
        f'<input type="hidden" name="{transport.CSRF_FORM_FIELD}" value="{escape(value)}">'
    )


def session_info() -> dict[str, int]:
    """What the session bar needs: the access token's expiry, the session's hard limit, now."""
    gk = gatekeeper()
    claims = principal().claims
    row = db.session.get(AuthSession, principal().session_id)
    limit = row.expires_at if row is not None else datetime.fromtimestamp(int(claims["exp"]), UTC)
    return {
        "access_exp": int(claims["exp"]),
        "access_ttl": gk.settings.access_ttl,
        "session_exp": int(limit.timestamp()),
        "server_now": int(gk.clock()),
    }


@functools.cache
def _asset_version(filename: str) -> str:
    try:
        return hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def asset_url(filename: str) -> str:
    """A static file's URL with a content hash, so a new release is never served stale."""
    version = _asset_version(filename) if not current_app.debug else "dev"
    return url_for("static", filename=filename, v=version)


def init_app(app: Flask) -> None:
    """Template globals used by the layout and every page (what is a page: security/policy.py)."""
    app.jinja_env.globals.update(
        csrf_field=csrf_field,
        asset_url=asset_url,
        signed_in=signed_in,
        event_label=wording.event_label,
    )

    @app.before_request
    def forget_previous_request() -> None:
        # ``g`` lives as long as the app context, which a test may hold across requests.
        for name in ("page_user", "form_csrf_nonce"):
            g.pop(name, None)

    @app.context_processor
    def page_context() -> dict[str, Any]:
        if not signed_in():
            return {"current_user": None}
        return {"current_user": page_user(), "session_bar": session_info()}
