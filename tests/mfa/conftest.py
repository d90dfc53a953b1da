"""MFA fixtures: a frozen clock, a browser-like client, and a member with TOTP enrolled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pyotp
import pytest

from tests.helpers import PASSWORD
from tests.helpers import FakeClock
from tests.web.conftest import Pages
from tests.web.conftest import admin  # noqa: F401  (page fixtures shared with tests/web)
from tests.web.conftest import make_user
from tests.web.conftest import member  # noqa: F401
from tests.web.conftest import other_browser  # noqa: F401
from tests.web.conftest import pages  # noqa: F401

SECRET = re.compile(r'data-totp-secret="([A-Z2-7]+)"')
CODES = re.compile(r"data-recovery-code>([a-z0-9-]+)<")
CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')


def totp_code(secret: str, clock: FakeClock, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(clock()) + offset)


@dataclass
class Enrolled:
    """A member who turned TOTP on (through the pages) and the codes they were shown."""

    username: str
    secret: str
    codes: list[str] = field(default_factory=list)


def enrol(user: Pages, clock: FakeClock) -> tuple[str, list[str]]:
    """Enrol TOTP through /account/security/totp as a signed-in page user."""
    page = user.client.get("/account/security/totp")
    assert page.status_code == 200, page.text
    secret = SECRET.search(page.text)
    assert secret, "no secret on the enrolment page"
    done = user.post("/account/security/totp", {"code": totp_code(secret.group(1), clock)})
    assert done.status_code == 200, done.text
    codes = CODES.findall(done.text)
    assert len(codes) == 10
    return secret.group(1), codes


@pytest.fixture
def browser(app: Any) -> Pages:
    return Pages(app.test_client())


@pytest.fixture
def enrolled(app: Any, clock: FakeClock) -> Enrolled:
    """kim_chef with TOTP on; the clock then moves to the next 30-second step."""
    make_user("kim_chef")
    signed_in = Pages(app.test_client())
    assert signed_in.login().status_code == 303
    secret, codes = enrol(signed_in, clock)
    clock.advance(30)
    return Enrolled("kim_chef", secret, codes)


def api_login(client: Any, username: str = "kim_chef", password: str = PASSWORD) -> Any:
    return client.post("/members/login", json={"username": username, "password": password})


def api_challenge(client: Any, username: str = "kim_chef") -> str:
    response = api_login(client, username)
    body = response.get_json()
    assert response.status_code == 200 and body["mfa_required"] is True, body
    return str(body["challenge"])


def api_mfa(client: Any, challenge: str, code: str) -> Any:
    return client.post("/members/login/mfa", json={"challenge": challenge, "code": code})
