"""Where tokens travel: the Authorization header or HttpOnly cookies, and the cookies we set."""

from __future__ import annotations

from typing import Literal

from flask import Request
from flask import Response

from munjigi.config import Settings
from munjigi.security import tokens
from munjigi.security.sessions import IssuedTokens

ACCESS_COOKIE = "access_token_cookie"
REFRESH_COOKIE = "refresh_token_cookie"
ACCESS_CSRF_COOKIE = "csrf_access_token"
REFRESH_CSRF_COOKIE = "csrf_refresh_token"
CSRF_HEADER = "X-CSRF-TOKEN"
CSRF_FORM_FIELD = "csrf_token"

Transport = Literal["bearer", "cookie"]


def read_token(request: Request, token_type: str) -> tuple[str, Transport] | None:
    """The token of ``token_type`` the request carries; the header wins over cookies.

    An ``Authorization`` header that is present but not a Bearer token is not silently
    ignored in favour of a cookie: it returns an empty token, which fails verification.
    """
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        return (value.strip() if scheme.lower() == "bearer" else ""), "bearer"
    name = ACCESS_COOKIE if token_type == tokens.ACCESS else REFRESH_COOKIE
    cookie = request.cookies.get(name)
    if cookie:
        return cookie, "cookie"
    return None


def presented_csrf(request: Request) -> str | None:
    """The CSRF value sent back: the header, or the form field for plain HTML forms."""
    value = request.headers.get(CSRF_HEADER)
    if value:
        return value
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.get(CSRF_FORM_FIELD)
    return None


def set_token_cookies(response: Response, issued: IssuedTokens, settings: Settings) -> None:
    """Set the four cookies of SPEC §3; the token cookies are HttpOnly, the CSRF ones not."""
    now = issued.issued_at.timestamp()
    access_age = max(0, int(issued.access_expires_at.timestamp() - now))
    refresh_age = max(0, int(issued.refresh_expires_at.timestamp() - now))
    refresh_path = settings.refresh_cookie_path
    _set(response, settings, ACCESS_COOKIE, issued.access_token, access_age, "/", True)
    _set(response, settings, ACCESS_CSRF_COOKIE, issued.access_csrf, access_age, "/", False)
    _set(response, settings, REFRESH_COOKIE, issued.refresh_token, refresh_age, refresh_path, True)
    # Path "/" so the page's script can read it and send it back to the refresh path.
    _set(response, settings, REFRESH_CSRF_COOKIE, issued.refresh_csrf, refresh_age, "/", False)


def clear_token_cookies(response: Response, settings: Settings) -> None:
    """Expire all four cookies, on the paths they were set with."""
    for name, path, httponly in (
        (ACCESS_COOKIE, "/", True),
        (ACCESS_CSRF_COOKIE, "/", False),
        (REFRESH_COOKIE, settings.refresh_cookie_path, True),
        (REFRESH_CSRF_COOKIE, "/", False),
    ):
        response.delete_cookie(
            name,
            path=path,
            domain=settings.cookie_domain,
            secure=settings.secure_cookies,
            httponly=httponly,
            samesite=settings.cookie_samesite,
        )


def _set(
    response: Response,
    settings: Settings,
    name: str,
    value: str,
    max_age: int,
    path: str,
    httponly: bool,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        domain=settings.cookie_domain,
        secure=settings.secure_cookies,
        httponly=httponly,
        samesite=settings.cookie_samesite,
    )
