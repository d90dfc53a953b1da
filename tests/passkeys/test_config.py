"""Passkey settings: RP id and origins from the environment, refusals, production rules."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

import pytest

from munjigi import create_app
from munjigi.config import Settings

STRONG = secrets.token_urlsafe(48)


def production(**overrides: Any) -> Settings:
    base: dict[str, Any] = {"public_url": "https://auth.example.com"}
    base.update(overrides)
    return Settings(env="production", secret_key=STRONG, database_url="sqlite://", **base)


def test_rp_id_and_origins_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "MUNJIGI_ENV": "testing",
            "MUNJIGI_SECRET_KEY": STRONG,
            "MUNJIGI_WEBAUTHN_RP_ID": "example.com",
            "MUNJIGI_WEBAUTHN_ORIGINS": "https://example.com, https://app.example.com",
            "MUNJIGI_WEBAUTHN_RP_NAME": "문지기",
            "MUNJIGI_WEBAUTHN_USER_VERIFICATION": "required",
            "MUNJIGI_WEBAUTHN_CHALLENGE_TTL": "120",
        },
        dotenv_path=None,
    )
    assert settings.webauthn_rp_id == "example.com"
    assert settings.webauthn_origins == ("https://example.com", "https://app.example.com")
    assert settings.webauthn_user_verification == "required"
    assert settings.webauthn_challenge_ttl == 120
    assert settings.problems() == []


def test_production_with_both_settings_has_passkeys() -> None:
    settings = production(webauthn_rp_id="example.com", webauthn_origins=("https://example.com",))
    assert settings.problems() == []
    assert settings.passkeys_enabled


def test_production_takes_the_rp_from_the_public_url() -> None:
    settings = production(public_url="https://auth.example.com/")
    assert settings.problems() == []
    assert settings.relying_party == ("auth.example.com", ("https://auth.example.com",))
    assert settings.passkeys_enabled
    explicit = production(webauthn_rp_id="example.com", webauthn_origins=("https://example.com",))
    assert explicit.relying_party == ("example.com", ("https://example.com",))


def test_production_never_derives_the_rp_from_the_request() -> None:
    # Without any RP passkeys are off (and production refuses to start without the public
    # URL): a forged Host header cannot pick the RP id.
    settings = production(public_url=None)
    assert settings.relying_party == (None, ())
    assert not settings.passkeys_enabled
    assert any("MUNJIGI_PUBLIC_URL is missing" in problem for problem in settings.problems())


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"webauthn_rp_id": "example.com"}, "go together"),
        ({"webauthn_origins": ("https://example.com",)}, "go together"),
        (
            {"webauthn_rp_id": "example.com", "webauthn_origins": ("http://example.com",)},
            "https://",
        ),
        (
            {"webauthn_rp_id": "example.com", "webauthn_origins": ("https://evil.example",)},
            "not within RP id",
        ),
        (
            {"webauthn_rp_id": "example.com", "webauthn_origins": ("https://notexample.com",)},
            "not within RP id",
        ),
        (
            {"webauthn_rp_id": "example.com", "webauthn_origins": ("example.com",)},
            "is not an origin",
        ),
        (
            {"webauthn_rp_id": "example.com", "webauthn_origins": ("https://example.com/x",)},
            "is not an origin",
        ),
        ({"webauthn_user_verification": "always"}, "USER_VERIFICATION"),
        ({"webauthn_challenge_ttl": 0}, "CHALLENGE_TTL"),
    ],
)
def test_production_refuses_each_mistake(overrides: dict[str, Any], fragment: str) -> None:
    found = production(**overrides).problems()
    assert any(fragment in problem for problem in found), found


def test_unavailable_passkeys_answer_404_and_hide_the_button(tmp_path) -> None:
    settings = Settings.for_testing(instance_path=str(tmp_path))
    owasp = {"argon2_time_cost": 2, "argon2_memory_cost": 19 * 1024}
    production = dataclasses.replace(
        settings, env="production", public_url="https://auth.example.com", **owasp
    )
    app = create_app(production)
    # Production refuses to start without an RP; take it away from the running app.
    app.extensions["munjigi"].settings = dataclasses.replace(production, public_url=None)
    client = app.test_client()
    response = client.post("/members/passkeys/login/options")
    assert response.status_code == 404
    assert response.get_json()["code"] == "passkeys_unavailable"
    page = client.get("/login", headers={"User-Agent": "Mozilla/5.0 Chrome/130"})
    assert page.status_code == 200
    assert "Sign in with a passkey" not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "settings_overrides",
    [{"webauthn_rp_id": "munjigi.test", "webauthn_origins": ("https://munjigi.test",)}],
)
def test_configured_rp_is_used_whatever_the_host(client, settings_overrides) -> None:
    options = client.post(
        "/members/passkeys/login/options", headers={"Host": "evil.example"}
    ).get_json()["options"]
    assert options["rpId"] == "munjigi.test"
