"""Lifecycle tests: a real SMTP server (aiosmtpd) on a free loopback port reads every mail."""

from __future__ import annotations

import dataclasses
import re
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from munjigi import mail
from tests.helpers import PASSWORD

PUBLIC_URL = "http://munjigi.test"
TOKEN = re.compile(r"token=([A-Za-z0-9_-]{43})")
NEW_PASSWORD = "a brand new passphrase for kimchi"


class Inbox:
    """The messages the SMTP server accepted (parsed), with their envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    def clear(self) -> None:
        mail.wait_idle()
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        """Messages delivered to ``address`` so far (after the sender is idle)."""
        assert mail.wait_idle(), "the mail sender did not finish"
        with self.lock:
            return [m for rcpt, m in self.messages if address in rcpt]

    def all(self) -> list[EmailMessage]:
        assert mail.wait_idle()
        with self.lock:
            return [m for _, m in self.messages]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}"
        return found[-1]


def body(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def token_in(message: EmailMessage) -> str:
    found = TOKEN.search(body(message))
    assert found, "no token link in the mail"
    return found.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    mail.wait_idle()  # the last test's mail reaches the server before it stops
    controller.stop()


@pytest.fixture
def inbox(smtp_server: Inbox) -> Inbox:
    smtp_server.clear()
    return smtp_server


@pytest.fixture
def settings_overrides(smtp_server: Inbox) -> dict[str, Any]:
    return {
        "mail_backend": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "smtp_tls": "none",
        "public_url": PUBLIC_URL,
        # One test client (one IP) plays every user; the budget tests set their own.
        "ratelimit_mail": "1000/minute",
        # The timing test turns the floor of the neutral answers back on (default 250 ms).
        "neutral_answer_ms": 0,
    }


def with_settings(app: Any, **changes: Any) -> None:
    """Change the running app's settings (the lifecycle reads them per request)."""
    app.extensions["munjigi.settings"] = dataclasses.replace(
        app.extensions["munjigi.settings"], **changes
    )


def signup(client: Any, username: str = "kim_chef", email: str | None = None) -> Any:
    email = email or f"{username}@example.com"
    response = client.post(
        "/members/forms", json={"username": username, "password": PASSWORD, "email": email}
    )
    assert response.status_code == 200, response.get_json()
    return response


def verify(client: Any, inbox: Inbox, address: str) -> None:
    token = token_in(inbox.last_to(address))
    response = client.post("/members/email/verify", json={"token": token})
    assert response.status_code == 200, response.get_json()
