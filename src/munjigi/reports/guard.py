"""Who may download a report: a valid access token, the role, and the CSRF header.

The seeds' "generate PDF" button failed with "401 — Missing CSRF token": the page's script
fetched the PDF without the header. Here the page's script always sends it
(static/js/reports.js), and a report requested with the session cookies but without the
header is refused whatever the method, GET included: a PDF or CSV of the audit log is
personal data, and a cross-site ``<img>``/``<a download>`` must not make a victim's browser
fetch (or a cached copy keep) one. Bearer clients need no CSRF token (nothing is ambient).
"""

from __future__ import annotations

from flask import request

from munjigi.security import csrf
from munjigi.security import transport
from munjigi.security.decorators import authenticate
from munjigi.security.exceptions import CsrfError
from munjigi.security.exceptions import OriginRefusedError
from munjigi.security.exceptions import RoleRequiredError
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import Role
from munjigi.security.sessions import Principal


def require(role: Role | None = None) -> Principal:
    """The caller, after every token check, the CSRF header check and the role check.

    :raises AuthenticationError: (401) no valid access token.
    :raises CsrfError, OriginRefusedError: (403) cookies without the matching header, or
        from another site.
    :raises RoleRequiredError: (403) a member asking for an admin report.
    """
    principal = authenticate()
    settings = gatekeeper().settings
    if principal.transport == "cookie" and settings.csrf_protect:
        if not csrf.origin_allowed(
            request.headers.get("Origin"),
            request.headers.get("Sec-Fetch-Site"),
            request.host,
            settings.cors_origins,
        ):
            raise OriginRefusedError()
        # The header only: a form field could be planted by a cross-site form.
        if not csrf.tokens_match(
            principal.claims.get("csrf"), request.headers.get(transport.CSRF_HEADER)
        ):
            raise CsrfError()
    if role is not None and principal.role != role:
        raise RoleRequiredError()
    return principal
