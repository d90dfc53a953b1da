"""SPEC §3 token and session rules, driven by the fixed ``clock`` (never ``sleep``)."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import timedelta
from typing import Any

import bcrypt
import jwt
import pytest
from flask import Blueprint
from sqlalchemy import select
from sqlalchemy import update

from munjigi import create_app
from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.security.decorators import auth_required
from munjigi.security.decorators import current_principal
from munjigi.security.models import AuditEvent
from munjigi.security.models import AuthSession
from munjigi.security.models import Role
from munjigi.security.models import SigningKey
from munjigi.security.models import User
from tests.helpers import PASSWORD

ACCESS_TTL = 60
REFRESH_TTL = 600
MAX_AGE = 3600
GRACE = 20
LEEWAY = 5


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(OVERRIDES)


OVERRIDES = {
    "access_ttl": ACCESS_TTL,
    "refresh_ttl": REFRESH_TTL,
    "session_max_age": MAX_AGE,
    "refresh_grace": GRACE,
    "token_leeway": LEEWAY,
}


@pytest.fixture
def client(app):
    return app.test_client(use_cookies=False)


@pytest.fixture
def second_app(app):
    """Another instance on the same database, with its own key cache (another replica)."""
    other = create_app(app.extensions["munjigi.settings"])
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def signup(client, username: str = "kim_chef") -> int:
    response = client.post(
        "/members/forms",
        json={"username": username, "password": PASSWORD, "email": f"{username}@example.com"},
    )
    assert response.status_code == 200, response.get_json()
    return int(response.get_json()["user_id"])


def login(client, username: str = "kim_chef", password: str = PASSWORD):
    return client.post("/members/login", json={"username": username, "password": password})


def join(client, username: str = "kim_chef") -> dict[str, Any]:
    signup(client, username)
    response = login(client, username)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me(client, tokens: dict[str, Any]):
    return client.get("/members/me", headers=bearer(tokens["access_token"]))


def refresh(client, token: str):
    return client.post("/members/tokens", headers=bearer(token))


def assert_401(response, code: str) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    body = response.get_json()
    assert body["result"] == "failed"
    assert body["code"] == code


def claims_of(token: str) -> dict[str, Any]:
    """The payload of one of our tokens, read in the test only (the app verifies it)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def session_row(sid: str) -> AuthSession:
    db.session.expire_all()
    row = db.session.get(AuthSession, sid)
    assert row is not None
    return row


# Expiry


def test_access_token_expires_after_access_ttl(client, clock):
    tokens = join(client)
    clock.advance(ACCESS_TTL + LEEWAY - 1)
    assert me(client, tokens).status_code == 200
    clock.advance(1)
    assert_401(me(client, tokens), "token_expired")


def test_refresh_token_expires_after_refresh_ttl_idle(client, clock):
    tokens = join(client)
    clock.advance(REFRESH_TTL + LEEWAY)
    assert_401(refresh(client, tokens["refresh_token"]), "token_expired")


def test_using_the_refresh_token_moves_the_idle_limit(client, clock):
    tokens = join(client)
    for _ in range(3):  # 3 × 500 s > REFRESH_TTL, each step inside it
        clock.advance(REFRESH_TTL - 100)
        response = refresh(client, tokens["refresh_token"])
        assert response.status_code == 200, response.get_json()
        tokens = response.get_json()
    assert me(client, tokens).status_code == 200


def test_idle_session_is_not_listed(client, clock):
    tokens = join(client)
    other = login(client).get_json()
    clock.advance(REFRESH_TTL - 20)
    tokens = refresh(client, tokens["refresh_token"]).get_json()
    clock.advance(30)  # the other session has now been idle longer than REFRESH_TTL
    listed = client.get("/members/sessions", headers=bearer(tokens["access_token"])).get_json()
    assert [s["id"] for s in listed["sessions"]] == [tokens["session_id"]]
    assert_401(refresh(client, other["refresh_token"]), "token_expired")


# Rotation and theft detection


def test_refresh_rotation_returns_a_new_pair(client, clock):
    tokens = join(client)
    clock.advance(10)
    response = refresh(client, tokens["refresh_token"])
    assert response.status_code == 200
    new = response.get_json()
    assert new["access_token"] != tokens["access_token"]
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["session_id"] == tokens["session_id"]
    new_claims = claims_of(new["refresh_token"])
    assert new_claims["jti"] != claims_of(tokens["refresh_token"])["jti"]
    assert new_claims["iat"] == clock.now
    assert me(client, new).status_code == 200
    assert refresh(client, new["refresh_token"]).status_code == 200


def test_two_refreshes_inside_grace_both_succeed_and_share_one_successor(client, clock):
    tokens = join(client)
    first = refresh(client, tokens["refresh_token"])
    clock.advance(GRACE)  # the second tab arrives at the very end of the window
    second = refresh(client, tokens["refresh_token"])
    assert first.status_code == 200 and second.status_code == 200, second.get_json()
    children = [first.get_json(), second.get_json()]
    # One chain: the second tab got the successor already issued, not a new one.
    jtis = {claims_of(child["refresh_token"])["jti"] for child in children}
    assert len(jtis) == 1
    for child in children:
        assert me(client, child).status_code == 200


def test_grace_reuse_never_leaves_two_live_chains(client, clock):
    tokens = join(client)
    tab_a = refresh(client, tokens["refresh_token"]).get_json()
    clock.advance(1)
    tab_b = refresh(client, tokens["refresh_token"]).get_json()

    # Tab A moves on; later tab B refreshes with what it holds: only one can continue.
    clock.advance(GRACE + 1)
    moved_on = refresh(client, tab_a["refresh_token"])
    assert moved_on.status_code == 200, moved_on.get_json()
    clock.advance(GRACE + 1)
    stale = refresh(client, tab_b["refresh_token"])

    assert_401(stale, "refresh_reused")
    assert_401(me(client, moved_on.get_json()), "session_revoked")
    assert session_row(tokens["session_id"]).revoked_reason == "refresh_reused"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event == "refresh_reused")
    ).all()
    assert [(e.session_id, e.outcome) for e in events] == [(tokens["session_id"], "blocked")]


def test_grace_reuse_keeps_the_successor_expiry(client, clock):
    tokens = join(client)
    first = refresh(client, tokens["refresh_token"]).get_json()
    clock.advance(5)
    second = refresh(client, tokens["refresh_token"]).get_json()
    assert claims_of(second["refresh_token"])["exp"] == claims_of(first["refresh_token"])["exp"]


def test_refresh_grace_defaults_to_ten_seconds():
    from munjigi.config import Settings

    assert Settings.from_env({}, dotenv_path=None).refresh_grace == 10


def test_refresh_reused_after_grace_revokes_session(client, clock):
    tokens = join(client)
    other_device = login(client).get_json()
    children = [refresh(client, tokens["refresh_token"]).get_json() for _ in range(2)]
    clock.advance(GRACE + 1)

    stolen = refresh(client, tokens["refresh_token"])

    assert_401(stolen, "refresh_reused")
    # The whole session died: its live access tokens and every sibling refresh token.
    assert_401(me(client, tokens), "session_revoked")
    for child in children:
        assert_401(me(client, child), "session_revoked")
        assert_401(refresh(client, child["refresh_token"]), "session_revoked")
    row = session_row(tokens["session_id"])
    assert row.revoked_at is not None
    assert row.revoked_reason == "refresh_reused"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event == "refresh_reused")
    ).all()
    assert [(e.session_id, e.user_id, e.outcome) for e in events] == [
        (tokens["session_id"], tokens["user_id"], "blocked")
    ]
    # The user's other device is not the stolen one.
    assert me(client, other_device).status_code == 200


# Absolute session limit


def test_rotation_never_extends_the_session_limit(client, clock):
    tokens = join(client)
    limit = claims_of(tokens["refresh_token"])["iat"] + MAX_AGE
    expires_at = session_row(tokens["session_id"]).expires_at
    assert int(expires_at.timestamp()) == limit

    # Rotate every 500 s (inside REFRESH_TTL) up to 30 s before the limit.
    for step in [500] * 7 + [70]:
        clock.advance(step)
        response = refresh(client, tokens["refresh_token"])
        assert response.status_code == 200, response.get_json()
        tokens = response.get_json()
        assert claims_of(tokens["access_token"])["exp"] <= limit
        assert claims_of(tokens["refresh_token"])["exp"] <= limit
    assert claims_of(tokens["access_token"])["exp"] == limit
    assert claims_of(tokens["refresh_token"])["exp"] == limit
    assert session_row(tokens["session_id"]).expires_at == expires_at

    clock.advance(30)  # the limit itself; token leeway does not stretch the session
    assert_401(refresh(client, tokens["refresh_token"]), "session_revoked")
    assert_401(me(client, tokens), "session_revoked")


def test_cookie_max_age_never_outlives_the_session(app, clock):
    browser = app.test_client()
    signup(browser)
    login(browser)
    for step in [500] * 7:
        clock.advance(step)
        csrf = browser.get_cookie("csrf_refresh_token").value
        response = browser.post("/members/tokens", headers={"X-CSRF-TOKEN": csrf})
        assert response.status_code == 200, response.get_json()
    # 100 s before the limit: the cookies say so too.
    assert browser.get_cookie("refresh_token_cookie", path="/members/tokens").max_age == 100
    assert browser.get_cookie("csrf_refresh_token").max_age == 100
    assert browser.get_cookie("access_token_cookie").max_age == ACCESS_TTL


# Revocation


def test_logout_revokes_on_the_very_next_request(client):
    tokens = join(client)
    assert client.post("/members/logout", headers=bearer(tokens["access_token"])).status_code == 200
    assert_401(me(client, tokens), "session_revoked")
    assert_401(refresh(client, tokens["refresh_token"]), "session_revoked")


def test_second_instance_refuses_a_token_revoked_by_the_first(client, second_app):
    tokens = join(client)
    replica = second_app.test_client(use_cookies=False)
    assert me(replica, tokens).status_code == 200

    assert client.post("/members/logout", headers=bearer(tokens["access_token"])).status_code == 200

    assert_401(me(replica, tokens), "session_revoked")
    assert_401(refresh(replica, tokens["refresh_token"]), "session_revoked")


def test_lock_user_kills_sessions_at_once(client, runner):
    tokens = join(client)
    other = login(client).get_json()

    result = runner.invoke(args=["munjigi", "lock-user", "kim_chef"])
    assert result.exit_code == 0, result.output

    for session in (tokens, other):
        assert_401(me(client, session), "session_revoked")
        assert_401(refresh(client, session["refresh_token"]), "session_revoked")
    failed = login(client)
    assert failed.status_code == 400
    assert failed.get_json() == login(client, "nobody_at_all").get_json()
    assert failed.get_json()["code"] == "login_failed"


def test_role_comes_from_the_database_on_every_request(app, client):
    blueprint = Blueprint("admin_probe", __name__)

    @blueprint.get("/test/admin-only")
    @auth_required(role=Role.ADMIN)
    def admin_only():
        return {"role": str(current_principal().role)}

    app.register_blueprint(blueprint)
    tokens = join(client, "boss")
    headers = bearer(tokens["access_token"])
    assert client.get("/test/admin-only", headers=headers).status_code == 403

    db.session.execute(update(User).where(User.username == "boss").values(role=Role.ADMIN))
    db.session.commit()
    response = client.get("/test/admin-only", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"role": "admin"}
    assert claims_of(tokens["access_token"])["role"] == "member"  # the claim is not trusted

    db.session.execute(update(User).where(User.username == "boss").values(role=Role.MEMBER))
    db.session.commit()
    response = client.get("/test/admin-only", headers=headers)
    assert response.status_code == 403
    assert response.get_json()["code"] == "role_required"


# Signing keys


def rotate_keys(runner, *extra: str) -> str:
    result = runner.invoke(args=["munjigi", "rotate-keys", *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.split()[-1]


def jwks_kids(client) -> list[str]:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return [key["kid"] for key in response.get_json()["keys"]]


def test_key_rotation_keeps_old_tokens_and_signs_new_ones_with_new_kid(client, runner):
    old = join(client)
    old_kid = jwt.get_unverified_header(old["access_token"])["kid"]

    new_kid = rotate_keys(runner)

    assert new_kid != old_kid
    assert me(client, old).status_code == 200
    assert set(jwks_kids(client)) == {old_kid, new_kid}
    new = login(client).get_json()
    assert jwt.get_unverified_header(new["access_token"])["kid"] == new_kid
    assert jwt.get_unverified_header(new["refresh_token"])["kid"] == new_kid
    # Refreshing an old-key refresh token yields new-key tokens.
    refreshed = refresh(client, old["refresh_token"])
    assert refreshed.status_code == 200
    assert jwt.get_unverified_header(refreshed.get_json()["access_token"])["kid"] == new_kid


def test_second_instance_learns_a_new_key_from_an_unknown_kid(client, runner, second_app):
    old = join(client)
    replica = second_app.test_client(use_cookies=False)
    assert me(replica, old).status_code == 200  # the replica has cached the old key set

    new_kid = rotate_keys(runner)
    new = login(client).get_json()
    assert jwt.get_unverified_header(new["access_token"])["kid"] == new_kid

    assert me(replica, new).status_code == 200
    assert me(replica, old).status_code == 200
    # And the replica signs with the new key too.
    refreshed = refresh(replica, new["refresh_token"])
    assert refreshed.status_code == 200
    assert jwt.get_unverified_header(refreshed.get_json()["access_token"])["kid"] == new_kid


# key_cache_ttl=0: every request re-reads the key set, as a process does once its cache ages.
@pytest.mark.parametrize("settings_overrides", [{**OVERRIDES, "key_cache_ttl": 0}])
def test_retired_key_leaves_jwks_and_stops_verifying(client, runner):
    old = join(client)
    old_kid = jwt.get_unverified_header(old["access_token"])["kid"]
    new_kid = rotate_keys(runner)
    row = db.session.get(SigningKey, old_kid)
    assert row.retire_at is not None
    # Kept at least as long as any token it signed can live.
    assert row.retire_at - row.rotated_at >= timedelta(seconds=REFRESH_TTL)

    db.session.execute(
        update(SigningKey)
        .where(SigningKey.kid == old_kid)
        .values(retire_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()

    assert jwks_kids(client) == [new_kid]
    assert_401(me(client, old), "token_invalid")


# Passwords


def test_legacy_bcrypt_hash_logs_in_and_is_upgraded(client):
    signup(client)
    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    db.session.execute(update(User).values(password_hash=legacy))
    db.session.commit()

    assert login(client, password="not the password at all").status_code == 400
    assert db.session.scalar(select(User.password_hash)) == legacy

    assert login(client).status_code == 200
    db.session.expire_all()
    upgraded = db.session.scalar(select(User.password_hash))
    assert upgraded.startswith("$argon2id$")
    assert login(client).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(User.password_hash)) == upgraded


def test_changed_argon2_parameters_rehash_on_next_login(app, client):
    signup(client)
    before = db.session.scalar(select(User.password_hash))
    assert "m=1024,t=1,p=1" in before
    stronger = dataclasses.replace(
        app.extensions["munjigi.settings"], argon2_time_cost=2, argon2_memory_cost=2048
    )
    upgraded_app = create_app(stronger)
    try:
        upgraded_client = upgraded_app.test_client(use_cookies=False)
        assert login(upgraded_client).status_code == 200
        db.session.rollback()  # end this session's read snapshot (MariaDB REPEATABLE READ)
        after = db.session.scalar(select(User.password_hash))
        assert after.startswith("$argon2id$")
        assert "m=2048,t=2,p=1" in after
    finally:
        with upgraded_app.app_context():
            db.session.remove()
            db.engine.dispose()
