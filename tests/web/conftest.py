"""Page tests with the Flask test client, on every database backend (the ``app`` fixture)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from munjigi.auth import services
from munjigi.extensions import db
from munjigi.security.models import Role
from munjigi.security.models import User
from tests.helpers import PASSWORD

_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


def hidden_csrf(html: str) -> str:
    found = _FIELD.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1)


class Pages:
    """A browser-like user of the HTML pages: form tokens, cookies, CSRF fields."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def cookie(self, name: str) -> str | None:
        for path in ("/", "/members/tokens"):
            found = self.client.get_cookie(name, path=path)
            if found:
                return found.value
        return None

    def form_token(self, path: str = "/login") -> str:
        return hidden_csrf(self.client.get(path).get_data(as_text=True))

    def signup(self, username: str = "kim_chef", **fields: str) -> Any:
        data = {
            "username": username,
            "email": f"{username}@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "terms": "yes",
            "csrf_token": self.form_token("/signup"),
        }
        data.update(fields)
        return self.client.post("/signup", data=data)

    def login(self, username: str = "kim_chef", password: str = PASSWORD, **fields: str) -> Any:
        data = {"username": username, "password": password, "csrf_token": self.form_token()}
        data.update(fields)
        return self.client.post("/login", data=data)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        """A form POST from a signed-in page: carries the session's CSRF value."""
        body = {"csrf_token": self.cookie("csrf_access_token") or ""}
        body.update(data or {})
        return self.client.post(path, data=body, **kwargs)


def make_user(username: str, role: Role = Role.MEMBER) -> User:
    return services.create_user(username, PASSWORD, f"{username}@example.com", role=role)


@pytest.fixture
def pages(client: FlaskClient) -> Pages:
    return Pages(client)


@pytest.fixture
def member(app: Any, pages: Pages) -> Pages:
    """A member signed in through the login page."""
    make_user("kim_chef")
    assert pages.login().status_code == 303
    return pages


@pytest.fixture
def admin(app: Any, pages: Pages) -> Pages:
    """An admin signed in through the login page."""
    make_user("boss", Role.ADMIN)
    assert pages.login("boss").status_code == 303
    return pages


@pytest.fixture
def other_browser(app: Any) -> Pages:
    """A second, separate browser (its own cookie jar)."""
    return Pages(app.test_client())


def user_named(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.username == username))
