"""SPEC §8 /metrics: latency per route template, and security events counted as they commit."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY

from munjigi.extensions import db
from munjigi.ops import metrics
from munjigi.security import audit
from tests.helpers import PASSWORD


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """Counter values before an action, to assert on what the action added."""

    def __init__(self, *series: tuple[str, dict[str, str]]) -> None:
        self.series = series
        self.before = [sample(name, **labels) for name, labels in series]

    def __call__(self) -> list[float]:
        return [
            sample(name, **labels) - before
            for (name, labels), before in zip(self.series, self.before, strict=True)
        ]


LOGIN_OK = ("munjigi_logins_total", {"outcome": "ok"})
LOGIN_FAILED = ("munjigi_logins_total", {"outcome": "failed"})
REFRESHES = ("munjigi_token_refreshes_total", {})
REUSE = ("munjigi_refresh_reuse_detections_total", {})


def revocations(reason: str) -> tuple[str, dict[str, str]]:
    return ("munjigi_session_revocations_total", {"reason": reason})


def test_metrics_are_prometheus_text(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "# TYPE munjigi_http_request_duration_seconds histogram" in text
    assert "# TYPE munjigi_logins_total counter" in text
    assert 'munjigi_logins_total{outcome="failed"}' in text


def test_latency_is_labelled_by_route_template_not_raw_path(client, auth):
    auth.signup_and_login()
    route = {"method": "DELETE", "route": "/members/<int:user_id>"}
    before = sample("munjigi_http_request_duration_seconds_count", **route)
    for user_id in (987654, 987655):
        client.delete(f"/members/{user_id}", headers=auth.bearer())
    assert sample("munjigi_http_request_duration_seconds_count", **route) == before + 2
    assert "/members/987654" not in client.get("/metrics").get_data(as_text=True)


def test_unknown_paths_share_one_label(client):
    label = {"method": "GET", "route": "<unmatched>"}
    before = sample("munjigi_http_requests_total", status="404", **label)
    client.get("/no/such/page/1")
    client.get("/no/such/page/2")
    assert sample("munjigi_http_requests_total", status="404", **label) == before + 2


def test_logins_ok_and_failed_are_counted(client, auth):
    assert auth.signup().status_code == 200
    delta = Delta(LOGIN_OK, LOGIN_FAILED)
    assert auth.login().status_code == 200
    assert auth.login(password=PASSWORD + "x").status_code == 400
    assert auth.login(username="nobody_here").status_code == 400
    assert delta() == [1, 2]


def test_refresh_reuse_and_revocations_are_counted(client, auth, clock):
    tokens = auth.signup_and_login()
    first_refresh = tokens["refresh_token"]
    delta = Delta(REFRESHES, REUSE, revocations("refresh_reused"))
    assert auth.refresh(cookies=False).status_code == 200
    clock.advance(60)  # past the 20 s grace window: a replay now means theft
    assert auth.refresh(cookies=False, token=first_refresh).status_code == 401
    assert delta() == [1, 1, 1]


def test_logout_and_revoke_all_count_every_revoked_session(client, auth):
    auth.signup()
    sessions = [auth.login().get_json() for _ in range(3)]
    delta = Delta(revocations("revoked_by_user"), revocations("logout"))
    current = auth.bearer(sessions[0]["access_token"])
    assert client.delete("/members/sessions", headers=current).status_code == 200
    assert client.post("/members/logout", headers=current).status_code == 200
    assert delta() == [2, 1]


def test_rolled_back_audit_events_are_not_counted(app):
    delta = Delta(LOGIN_OK, ("munjigi_audit_events_total", {"event": "login", "outcome": "ok"}))
    audit.record("login", user_id=None)
    db.session.flush()
    db.session.rollback()
    assert delta() == [0, 0]
    audit.record("login", user_id=None)
    db.session.commit()
    assert delta() == [1, 1]


@pytest.mark.parametrize(
    ("event", "outcome"),
    [("bot_blocked", "blocked"), ("honeypot", "blocked"), ("signup", "bot_blocked")],
)
def test_bot_blocks_are_counted_from_audit_events(event, outcome):
    delta = Delta(("munjigi_bot_blocked_total", {}))
    metrics.count_audit_event(event, outcome, None, None)
    assert delta() == [1]


def test_rate_limit_audit_rows_do_not_count_twice():
    # The limiter audits only the first breach per key and window; 429 answers are counted.
    delta = Delta(("munjigi_rate_limited_total", {}))
    metrics.count_audit_event("rate_limited", "blocked", "lookup", None)
    assert delta() == [0]


@pytest.mark.parametrize("settings_overrides", [{"ratelimit_lookup": "2/minute"}], indirect=True)
def test_every_429_answer_counts_as_rate_limited(client):
    delta = Delta(("munjigi_rate_limited_total", {}))
    statuses = [
        client.post("/members/validation", json={"username": "someone"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 429, 429, 429]
    assert delta() == [3]


def test_the_listener_is_installed_once(app):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    metrics.install_audit_listener()
    metrics.install_audit_listener()
    assert event.contains(Session, "after_commit", metrics._count_committed)


@pytest.fixture
def settings_overrides(request) -> dict[str, Any]:
    return getattr(request, "param", {})


@pytest.mark.parametrize(
    "settings_overrides", [{"metrics_token": "s3cret-scrape-token"}], indirect=True
)
def test_metrics_token_is_required_when_set(client):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert right.status_code == 200
