"""Fixtures of the protection tests: strict limits, clients at chosen IPs, PoW solving."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from munjigi.security import ratelimit
from tests.helpers import PASSWORD

BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _fresh_breach_memory():
    ratelimit.reset_audit_memory()
    yield
    ratelimit.reset_audit_memory()


def at(ip: str, **extra: Any) -> dict[str, Any]:
    """Request options for a client at ``ip`` (the socket address the app sees)."""
    return {"environ_base": {"REMOTE_ADDR": ip, **extra}}


def signup(client: FlaskClient, username: str, ip: str = "127.0.0.1", **body: Any) -> Any:
    payload = {"username": username, "password": PASSWORD, "email": f"{username}@example.com"}
    payload.update(body)
    return client.post("/members/forms", json=payload, **at(ip))


def login(
    client: FlaskClient, username: str, password: str = PASSWORD, ip: str = "127.0.0.1", **body: Any
) -> Any:
    return client.post(
        "/members/login", json={"username": username, "password": password, **body}, **at(ip)
    )


def audit_events(app: Any, name: str) -> list[Any]:
    from sqlalchemy import select

    from munjigi.extensions import db
    from munjigi.security.models import AuditEvent

    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == name)))
