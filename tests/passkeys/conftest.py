"""Passkey fixtures: a signed-in member with a fresh session, and the ceremony round trips."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from munjigi.extensions import db
from munjigi.security import stepup
from tests.helpers import AuthActions
from tests.passkeys.authenticator import SoftAuthenticator


class Ceremonies:
    """The two-call WebAuthn ceremonies through the real endpoints, with a Bearer token."""

    def __init__(self, client: FlaskClient, auth: AuthActions) -> None:
        self.client = client
        self.auth = auth

    def headers(self) -> dict[str, str]:
        return self.auth.bearer() if self.auth.tokens else {}

    def fresh(self) -> None:
        """Make the member's session freshly authenticated (step-up), as a login does."""
        stepup.mark_authenticated(self.auth.tokens["session_id"])
        db.session.commit()

    def registration_options(self) -> dict[str, Any]:
        response = self.client.post(
            "/members/passkeys/registration/options", headers=self.headers()
        )
        assert response.status_code == 200, response.get_json()
        return dict(response.get_json()["options"])

    def finish_registration(self, credential: dict[str, Any], name: str = "") -> Any:
        return self.client.post(
            "/members/passkeys",
            json={"credential": credential, "name": name},
            headers=self.headers(),
        )

    def register(self, device: SoftAuthenticator, name: str = "My phone") -> dict[str, Any]:
        response = self.finish_registration(device.create(self.registration_options()), name)
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json()["passkey"])

    def login_options(self) -> dict[str, Any]:
        response = self.client.post("/members/passkeys/login/options")
        assert response.status_code == 200, response.get_json()
        return dict(response.get_json()["options"])

    def login(self, credential: dict[str, Any]) -> Any:
        return self.client.post("/members/passkeys/login", json={"credential": credential})

    def reauth_options(self) -> dict[str, Any]:
        response = self.client.post("/members/passkeys/reauth/options", headers=self.headers())
        assert response.status_code == 200, response.get_json()
        return dict(response.get_json()["options"])

    def reauth(self, credential: dict[str, Any]) -> Any:
        return self.client.post(
            "/members/passkeys/reauth", json={"credential": credential}, headers=self.headers()
        )


@pytest.fixture
def ceremonies(client: FlaskClient, auth: AuthActions) -> Ceremonies:
    return Ceremonies(client, auth)


@pytest.fixture
def member(auth: AuthActions, ceremonies: Ceremonies) -> Ceremonies:
    """kim_chef, signed in (Bearer) with a freshly authenticated session."""
    auth.signup_and_login("kim_chef")
    ceremonies.fresh()
    return ceremonies


@pytest.fixture
def device() -> SoftAuthenticator:
    return SoftAuthenticator()
