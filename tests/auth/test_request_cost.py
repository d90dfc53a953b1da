"""What one protected request costs: one signature check and one database statement.

The rate limiter's per-user key and ``auth_required`` both need the verified token; its
signature is verified once per process (``token_cache.VerifiedTokens``): the claims (``exp``)
are checked on every request, failures are never kept, a reset key stops its tokens.
``sessions.check_access`` reads the session and its user with one Core statement and writes
``last_used_at`` at most once a minute. Revocation is still seen on the very next request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Blueprint
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy import update

from munjigi.extensions import db
from munjigi.security import tokens
from munjigi.security.decorators import auth_required
from munjigi.security.decorators import current_principal
from munjigi.security.models import AuthSession
from munjigi.security.models import Role
from munjigi.security.models import User


@pytest.fixture
def app(app):
    costs = Blueprint("costs", __name__)

    @costs.get("/cost/probe")
    @auth_required
    def probe() -> Any:
        return {"user": current_principal().user_id, "role": str(current_principal().role)}

    @costs.post("/cost/probe")
    @auth_required
    def probe_post() -> Any:
        return {"ok": True}

    app.register_blueprint(costs)
    return app


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every signature verification of this test, by payload."""
    seen: list[str] = []
    original = tokens.verify_signature

    def counting(token: Any, keys: Any) -> bytes:
        seen.append("verify")
        return original(token, keys)

    monkeypatch.setattr(tokens, "verify_signature", counting)
    return seen


@pytest.fixture
def statements(app: Any) -> Iterator[list[str]]:
    """Every SQL statement sent to the database during the test."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_each_token_is_verified_once_per_process(client, auth, verifications):
    bearer = auth.bearer(auth.signup_and_login("once_user")["access_token"])
    verifications.clear()

    for _ in range(5):
        assert client.get("/cost/probe", headers=bearer).status_code == 200
    assert verifications == ["verify"]
    # Another token of the same user is another entry.
    other = auth.bearer(auth.login("once_user").get_json()["access_token"])
    assert client.get("/cost/probe", headers=other).status_code == 200
    assert client.get("/cost/probe", headers=other).status_code == 200
    assert verifications == ["verify", "verify"]


def test_a_refused_token_is_verified_every_time(client, auth, verifications):
    token = auth.signup_and_login("forger")["access_token"]
    head, payload, signature = token.split(".")
    forged = ".".join((head, payload, ("A" if signature[0] != "A" else "B") + signature[1:]))
    verifications.clear()
    for _ in range(3):
        answer = client.get("/cost/probe", headers=auth.bearer(forged))
        assert answer.status_code == 401
    # Never cached: every request verifies it again (the limiter's user key and the view).
    assert len(verifications) >= 3


def test_a_cached_token_still_expires(client, auth, clock, verifications):
    bearer = auth.bearer(auth.signup_and_login("cached_exp")["access_token"])
    assert client.get("/cost/probe", headers=bearer).status_code == 200
    clock.advance(24 * 3600)
    answer = client.get("/cost/probe", headers=bearer)
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "token_expired"
    assert verifications == ["verify"]  # refused from the cached claims


def test_a_reset_key_stops_its_cached_tokens(app, client, auth):
    from munjigi.security.gatekeeper import gatekeeper

    bearer = auth.bearer(auth.signup_and_login("reset_kid")["access_token"])
    assert client.get("/cost/probe", headers=bearer).status_code == 200
    assert len(gatekeeper().verified) >= 1
    # What `rotate-keys --reset` does in any process: every stored key goes, the cache of
    # key sets is re-read (here at once; elsewhere within MUNJIGI_KEY_CACHE_TTL).
    from munjigi.security.keys import SigningKeyRow

    db.session.execute(SigningKeyRow.__table__.delete())
    db.session.commit()
    gatekeeper().keys.load(db.session)
    assert client.get("/cost/probe", headers=bearer).status_code == 401


def test_a_cookie_post_verifies_once_and_still_checks_csrf(client, auth, verifications):
    auth.signup_and_login("cookie_once")
    verifications.clear()

    assert client.post("/cost/probe", headers=auth.csrf_headers()).status_code == 200
    assert client.post("/cost/probe", headers=auth.csrf_headers()).status_code == 200
    assert len(verifications) <= 1
    refused = client.post("/cost/probe", headers={"X-CSRF-TOKEN": "wrong"})
    assert refused.status_code == 403


def test_a_token_refused_by_the_limiter_is_refused_by_the_view_with_its_own_error(
    client, auth, clock
):
    token = auth.signup_and_login("expiring")["access_token"]
    clock.advance(24 * 3600)
    answer = client.get("/cost/probe", headers=auth.bearer(token))
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "token_expired"


def test_the_session_check_is_one_statement_and_the_touch_is_throttled(
    app, client, auth, clock, statements
):
    bearer = auth.bearer(auth.signup_and_login("one_read")["access_token"])
    client.get("/cost/probe", headers=bearer)
    statements.clear()

    assert client.get("/cost/probe", headers=bearer).status_code == 200
    assert len(statements) == 1, statements
    assert statements[0].startswith("SELECT")
    assert "auth_sessions" in statements[0] and "JOIN users" in statements[0]

    clock.advance(61)
    statements.clear()
    assert client.get("/cost/probe", headers=bearer).status_code == 200
    assert [s.split()[0] for s in statements] == ["SELECT", "UPDATE"]
    with app.app_context():
        used = db.session.scalars(select(AuthSession.last_used_at)).one()
    assert int(used.timestamp()) == int(clock())

    statements.clear()
    assert client.get("/cost/probe", headers=bearer).status_code == 200
    assert len(statements) == 1


def test_revocation_and_demotion_are_seen_on_the_very_next_request(app, client, auth):
    bearer = auth.bearer(auth.signup_and_login("next_request")["access_token"])
    assert client.get("/cost/probe", headers=bearer).get_json()["role"] == "member"

    # The test's app context is the requests' too: the same session writes and commits,
    # as another process would (a commit ends the REPEATABLE READ snapshot on MariaDB).
    db.session.execute(update(User).values(role=Role.ADMIN))
    db.session.commit()
    assert client.get("/cost/probe", headers=bearer).get_json()["role"] == "admin"

    db.session.execute(update(AuthSession).values(revoked_at=AuthSession.created_at))
    db.session.commit()
    refused = client.get("/cost/probe", headers=bearer)
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "session_revoked"
