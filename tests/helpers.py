"""Test helpers: a fixed clock and flaskr-style ``AuthActions`` for the members API."""

from __future__ import annotations

import time
from typing import Any

from flask.testing import FlaskClient

PASSWORD = "correct horse battery staple"


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: float | None = None) -> None:
        self.now = float(int(start if start is not None else time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class AuthActions:
    """Sign up, log in and refresh through the real endpoints."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.tokens: dict[str, Any] = {}

    def signup(
        self, username: str = "kim_chef", password: str = PASSWORD, email: str | None = None
    ) -> Any:
        email = email or f"{username}@example.com"
        return self.client.post(
            "/members/forms", json={"username": username, "password": password, "email": email}
        )

    def login(self, username: str = "kim_chef", password: str = PASSWORD) -> Any:
        response = self.client.post(
            "/members/login", json={"username": username, "password": password}
        )
        if response.status_code == 200:
            self.tokens = response.get_json()
        return response

    def signup_and_login(self, username: str = "kim_chef") -> dict[str, Any]:
        assert self.signup(username).status_code == 200
        assert self.login(username).status_code == 200
        return self.tokens

    def bearer(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.tokens['access_token']}"}

    def cookie(self, name: str) -> str | None:
        found = self.client.get_cookie(name, path="/") or self.client.get_cookie(
            name, path="/members/tokens"
        )
        return found.value if found else None

    def csrf_headers(self, refresh: bool = False) -> dict[str, str]:
        name = "csrf_refresh_token" if refresh else "csrf_access_token"
        value = self.cookie(name)
        assert value, f"no {name} cookie"
        return {"X-CSRF-TOKEN": value}

    def refresh(self, *, cookies: bool = True, token: str | None = None) -> Any:
        if cookies:
            response = self.client.post("/members/tokens", headers=self.csrf_headers(refresh=True))
        else:
            bearer = token or self.tokens["refresh_token"]
            response = self.client.post(
                "/members/tokens", headers={"Authorization": f"Bearer {bearer}"}
            )
        if response.status_code == 200:
            self.tokens.update(response.get_json())
        return response
