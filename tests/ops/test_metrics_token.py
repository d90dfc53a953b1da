"""Issue #13 item 23: in production /metrics exists only behind MUNJIGI_METRICS_TOKEN."""

from __future__ import annotations

import secrets
from typing import Any

from munjigi import create_app
from munjigi.config import Settings


def production_app(tmp_path: Any, **overrides: Any) -> Any:
    settings = Settings(
        env="production",
        secret_key=secrets.token_urlsafe(48),
        database_url=f"sqlite:///{tmp_path / 'prod.sqlite'}",
        public_url="https://auth.example.com",
        instance_path=str(tmp_path),
        **overrides,
    )
    return create_app(settings)


def test_production_without_a_token_has_no_metrics(tmp_path):
    client = production_app(tmp_path).test_client()
    response = client.get("/metrics", base_url="https://auth.example.com")
    assert response.status_code == 404
    assert b"munjigi_" not in response.data


def test_production_with_a_token_wants_it(tmp_path):
    client = production_app(tmp_path, metrics_token="scrape-me-please").test_client()
    base = "https://auth.example.com"
    assert client.get("/metrics", base_url=base).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", base_url=base, headers=wrong).status_code == 401
    right = {"Authorization": "Bearer scrape-me-please"}
    response = client.get("/metrics", base_url=base, headers=right)
    assert response.status_code == 200
    assert b"munjigi_http_requests_total" in response.data


def test_development_keeps_metrics_open_for_a_local_prometheus(tmp_path):
    settings = Settings.for_testing(
        env="development", database_url=f"sqlite:///{tmp_path / 'dev.sqlite'}"
    )
    client = create_app(settings).test_client()
    assert client.get("/metrics").status_code == 200
