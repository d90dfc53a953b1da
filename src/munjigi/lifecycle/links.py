"""Absolute links for mail, built from ``MUNJIGI_PUBLIC_URL`` (never a forged Host header).

Threat: password-reset poisoning. A link built from the request's Host lets an attacker ask
for a reset of the victim's account with ``Host: evil.example``: the victim's genuine mail
then carries the token to the attacker's site. Production builds links only from the
configured public URL; development and testing fall back to the request's URL for ease.
The token travels in the query string: request logs record the path, never the query.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask import has_request_context
from flask import request
from flask import url_for

from munjigi.config import Settings
from munjigi.lifecycle.exceptions import MailUnavailableError

log = logging.getLogger("munjigi.mail")


def base_url() -> str:
    """Where links start (no trailing slash).

    :raises MailUnavailableError: production without ``MUNJIGI_PUBLIC_URL``.
    """
    settings: Settings = current_app.extensions["munjigi.settings"]
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if settings.env != "production" and has_request_context():
        return request.url_root.rstrip("/")
    log.error("MUNJIGI_PUBLIC_URL is not set: account mail with links cannot be sent")
    raise MailUnavailableError()


def url_path(endpoint: str, token: str) -> str:
    """The path and query of ``endpoint`` carrying ``token`` (``/password/reset?token=…``)."""
    return url_for(endpoint, token=token)


def link(endpoint: str, token: str) -> str:
    """The absolute URL of ``endpoint`` carrying ``token``."""
    return base_url() + url_path(endpoint, token)
