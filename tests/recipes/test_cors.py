"""CORS (SPEC §4): a single-page app on a configured origin may call the API; no one else."""

from __future__ import annotations

import pytest

from munjigi import create_app
from munjigi.config import Settings

SPA = "https://app.example.com"
EVIL = "https://evil.example"


@pytest.fixture
def settings_overrides():
    return {"cors_origins": (SPA, "http://localhost:3000")}


@pytest.fixture
def bare(tmp_path, settings_overrides):
    """A client of an app without a database: CORS answers never depend on the backend."""
    settings = Settings.for_testing(
        database_url="sqlite://", instance_path=str(tmp_path), **settings_overrides
    )
    return create_app(settings).test_client()


def preflight(client, origin: str, method: str = "POST", headers: str = ""):
    return client.options(
        "/posts/forms",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


def test_preflight_from_an_allowed_origin(bare):
    response = preflight(bare, SPA, headers="authorization, content-type, x-csrf-token")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SPA
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert allowed == {"authorization", "content-type", "x-csrf-token"}
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    # The answer depends on Origin: caches must keep one copy per origin.
    assert "Origin" in response.headers.get("Vary", "")


def test_preflight_allows_the_proof_of_work_headers(bare):
    response = preflight(bare, SPA, headers="x-altcha-capable, x-altcha")
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert allowed == {"x-altcha-capable", "x-altcha"}


def test_preflight_from_another_origin_gets_no_cors_headers(bare):
    response = preflight(bare, EVIL, headers="authorization")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_preflight_does_not_allow_other_headers(bare):
    response = preflight(bare, SPA, headers="x-evil")
    assert "x-evil" not in response.headers.get("Access-Control-Allow-Headers", "").lower()


def test_simple_request_from_the_spa_is_readable(client):
    response = client.get("/posts", headers={"Origin": SPA})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SPA
    assert (
        client.get("/posts", headers={"Origin": EVIL}).headers.get("Access-Control-Allow-Origin")
        is None
    )


def test_bearer_write_from_the_spa(client, kim):
    body = {"post": {"title": "SPA에서 쓴 레시피"}, "ingredients": []}
    response = client.post("/posts/forms", json=body, headers={"Origin": SPA, **kim.headers})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SPA


@pytest.mark.parametrize("settings_overrides", [{}])
def test_no_origins_configured_means_no_cors(bare):
    response = preflight(bare, SPA, headers="authorization")
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": ("*",)}])
def test_a_wildcard_never_comes_with_credentials(bare):
    response = preflight(bare, EVIL, headers="authorization")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
