"""Where mail goes: an SMTP server (none / STARTTLS / implicit TLS), or files in an outbox.

The SMTP client is the standard library's ``smtplib``: it speaks every TLS mode we offer
and verifies certificates with ``ssl.create_default_context()``; no package does more for us.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from munjigi.config import Settings
from munjigi.mail import settings as mail_settings


class Backend(Protocol):
    """Delivers one message or raises (``OSError``, ``smtplib.SMTPException``)."""

    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class OutboxBackend:
    """Development: each message becomes ``<outbox>/<UTC time>-<random>.eml``, nothing is sent."""

    directory: Path

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{secrets.token_hex(4)}.eml"
        partial = self.directory / f".{name}.part"
        # Written aside, then renamed: a reader never sees half a message.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        partial.rename(self.directory / name)


@dataclass(frozen=True)
class SmtpBackend:
    """An SMTP server: plain (loopback relays), STARTTLS (port 587) or implicit TLS (465)."""

    host: str
    port: int
    tls: str
    username: str | None
    password: str | None
    timeout: float

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.tls == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.tls == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def from_settings(settings: Settings, instance: Path) -> Backend:
    """The backend ``MUNJIGI_MAIL_BACKEND`` names (outbox outside production by default)."""
    if settings.mail_transport == "outbox":
        return OutboxBackend(instance / "outbox")
    return SmtpBackend(
        host=settings.smtp_host,
        port=mail_settings.smtp_port(settings),
        tls=settings.smtp_tls,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout,
    )
