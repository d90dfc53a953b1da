"""Security headers on every response of every route, errors included; CSP nonces."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Blueprint

from munjigi import create_app
from munjigi.config import Settings
from tests.protection.conftest import BROWSER_UA

REQUIRED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
# The default, or the stricter "no-referrer" of pages whose URL carries a one-time token.
REFERRER_POLICIES = {"strict-origin-when-cross-origin", "no-referrer"}


def check(response: Any, where: str) -> None:
    for name, value in REQUIRED.items():
        assert response.headers.get(name) == value, f"{where}: {name}"
    assert response.headers.get("Referrer-Policy") in REFERRER_POLICIES, where
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), where
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, where
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src, where


def concrete(rule: Any) -> str:
    path = rule.rule
    for argument in rule.arguments:
        converter = rule._converters[argument].__class__.__name__
        value = "1" if "Integer" in converter else "x"
        path = re.sub(rf"<[^>]*\b{argument}>", value, path)
    return path


@pytest.mark.parametrize("settings_overrides", [{"antibot_enabled": True}])
def test_every_route_and_method_carries_the_headers(app, client):
    crash = Blueprint("crash_probe", __name__)

    @crash.get("/test/crash")
    def boom() -> str:
        raise RuntimeError("boom")

    app.register_blueprint(crash)
    seen: set[int] = set()
    for rule in app.url_map.iter_rules():
        path = concrete(rule)
        for method in sorted(rule.methods or ()):
            for accept in ("application/json", "text/html"):
                response = client.open(
                    path, method=method, headers={"Accept": accept, "User-Agent": BROWSER_UA}
                )
                check(response, f"{method} {path} ({accept}) -> {response.status_code}")
                seen.add(response.status_code)
    for path, method in (("/no/such/page", "GET"), ("/members/login", "GET"), ("/healthz", "POST")):
        response = client.open(path, method=method)
        check(response, f"{method} {path} -> {response.status_code}")
        seen.add(response.status_code)
    assert {200, 401, 404, 405, 500} <= seen, seen


def test_nonce_is_fresh_per_request_and_on_every_script(client):
    headers = {"User-Agent": BROWSER_UA, "Accept": "text/html"}
    first = client.get("/login", headers=headers)
    second = client.get("/login", headers=headers)
    nonces = []
    for response in (first, second):
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        nonces.append(nonce)
        for tag in re.findall(r"<script\b[^>]*>", response.get_data(as_text=True)):
            assert "src=" in tag, f"inline script: {tag}"
            if "nonce=" in tag:
                assert f'nonce="{nonce}"' in tag
    assert nonces[0] != nonces[1]


def test_api_docs_inline_script_gets_the_nonce(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    assert "<script>" not in html
    assert f'<script nonce="{nonce}">' in html


def test_hsts_only_in_production(tmp_path):
    development = create_app(Settings.for_testing(instance_path=str(tmp_path / "d")))
    assert "Strict-Transport-Security" not in development.test_client().get("/healthz").headers
    production = create_app(
        Settings.for_testing(
            env="production",
            public_url="https://auth.example.com",
            instance_path=str(tmp_path / "p"),
            argon2_time_cost=2,
            argon2_memory_cost=19 * 1024,
        )
    )
    hsts = production.test_client().get("/healthz").headers["Strict-Transport-Security"]
    assert hsts == "max-age=63072000; includeSubDomains"


def test_robots_txt_is_served(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "Disallow: /api/" in response.get_data(as_text=True)
