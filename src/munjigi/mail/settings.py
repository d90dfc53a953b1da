"""Checks of the mail settings, listed by ``Settings.problems`` (production refuses on any)."""

from __future__ import annotations

import ipaddress
from email.utils import parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from munjigi.config import Settings

BACKENDS = ("smtp", "outbox")
TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


def smtp_port(settings: Settings) -> int:
    """The SMTP port: the configured one, else the usual port of the TLS mode."""
    return settings.smtp_port or DEFAULT_PORTS.get(settings.smtp_tls, 587)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (credentials in clear never leave it)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def problems(settings: Settings) -> list[str]:
    """Every reason the mail settings are unusable or unsafe."""
    found: list[str] = []
    if settings.mail_backend is not None and settings.mail_backend not in BACKENDS:
        found.append(f"MUNJIGI_MAIL_BACKEND must be one of {', '.join(BACKENDS)}")
    if settings.smtp_tls not in TLS_MODES:
        found.append(f"MUNJIGI_SMTP_TLS must be one of {', '.join(TLS_MODES)}")
    if "@" not in parseaddr(settings.mail_from)[1]:
        found.append("MUNJIGI_MAIL_FROM must be an address like 'Munjigi <no-reply@example.com>'")
    if settings.smtp_port is not None and not 0 < settings.smtp_port < 65536:
        found.append("MUNJIGI_SMTP_PORT must be a port number")
    if (
        settings.smtp_username
        and settings.smtp_tls == "none"
        and not is_loopback(settings.smtp_host)
    ):
        found.append("MUNJIGI_SMTP_TLS=none would send the SMTP password in clear text")
    if settings.public_url is not None:
        parts = urlsplit(settings.public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            found.append("MUNJIGI_PUBLIC_URL must be an http(s) URL like https://example.com")
        elif settings.env == "production" and parts.scheme != "https":
            found.append("MUNJIGI_PUBLIC_URL must be https:// in production")
    if settings.neutral_answer_ms < 0:
        found.append("MUNJIGI_NEUTRAL_ANSWER_MS must not be negative")
    for name in (
        "smtp_timeout",
        "verify_email_ttl",
        "password_reset_ttl",
        "email_change_ttl",
        "new_device_window",
        "mail_retry_delay",
        "mail_max_attempts",
    ):
        if getattr(settings, name) <= 0:
            found.append(f"MUNJIGI_{name.upper()} must be positive")
    if settings.mail_sweep_interval < 0:
        found.append("MUNJIGI_MAIL_SWEEP_INTERVAL must not be negative")
    found.extend(_limit_problems(settings))
    if settings.env == "production" and settings.mail_transport == "outbox":
        found.append("MUNJIGI_MAIL_BACKEND=outbox in production: nobody would get account mail")
    return found


def _limit_problems(settings: Settings) -> list[str]:
    from limits import parse_many

    found: list[str] = []
    for name in ("ratelimit_mail", "ratelimit_mail_recipient"):
        value = getattr(settings, name)
        try:
            if value:
                parse_many(value)
        except ValueError:
            found.append(f"MUNJIGI_{name.upper()} is not a rate limit like '10/minute'")
    return found
