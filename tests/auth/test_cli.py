"""``flask munjigi …`` operator commands, run against the real database."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import jwt
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from munjigi.extensions import db
from munjigi.security.models import AuditEvent
from munjigi.security.models import AuthSession
from munjigi.security.models import RefreshToken
from munjigi.security.models import Role
from munjigi.security.models import SigningKey
from munjigi.security.models import User
from munjigi.security.models import UserStatus
from tests.helpers import PASSWORD


def munjigi(runner, *args: str, **kwargs):
    return runner.invoke(args=["munjigi", *args], **kwargs)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def user(username: str) -> User:
    db.session.expire_all()
    found = db.session.scalar(select(User).where(User.username == username))
    assert found is not None
    return found


def audited(event: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)))


# create-admin


def test_create_admin_with_password_option(runner, auth, client):
    result = munjigi(
        runner,
        "create-admin",
        "--username",
        "boss",
        "--email",
        "boss@example.com",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 0, result.output
    admin = user("boss")
    assert result.stdout.strip() == f"admin boss created (id {admin.id})"
    assert admin.role == Role.ADMIN
    assert admin.password_hash.startswith("$argon2id$")
    auth.login("boss")
    me = client.get("/members/me", headers=auth.bearer()).get_json()
    assert me["member"]["role"] == "admin"


def test_create_admin_prompts_for_the_password_twice(runner):
    result = munjigi(
        runner,
        "create-admin",
        "--username",
        "boss",
        "--email",
        "boss@example.com",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert user("boss").role == Role.ADMIN


def test_create_admin_refuses_a_weak_password(runner):
    result = munjigi(
        runner, "create-admin", "--username", "boss", "--email", "b@example.com", "--password", "x"
    )
    assert result.exit_code == 1
    assert "password" in result.stderr
    assert count(User) == 0


def test_create_admin_refuses_a_taken_username(runner, auth):
    auth.signup("boss")
    result = munjigi(
        runner,
        "create-admin",
        "--username",
        "BOSS",
        "--email",
        "other@example.com",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 1
    assert "already taken" in result.stderr  # the command's language (MUNJIGI_DEFAULT_LOCALE)
    assert user("boss").role == Role.MEMBER


# list-users


def test_list_users_newest_first(runner, auth):
    auth.signup("kim_chef")
    auth.signup("lee_cook")
    db.session.execute(update(User).where(User.username == "kim_chef").values(role=Role.ADMIN))
    db.session.commit()
    kim, lee = user("kim_chef"), user("lee_cook")

    result = munjigi(runner, "list-users")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{lee.id}\tlee_cook\tlee_cook@example.com\tmember\tactive",
        f"{kim.id}\tkim_chef\tkim_chef@example.com\tadmin\tactive",
    ]
    limited = munjigi(runner, "list-users", "--limit", "1")
    assert limited.stdout.splitlines() == [result.stdout.splitlines()[0]]


def test_list_users_empty(runner):
    result = munjigi(runner, "list-users")
    assert result.exit_code == 0
    assert result.stdout == ""


# lock-user


def test_lock_user_revokes_sessions_and_unlock_restores_login(runner, auth, client):
    auth.signup_and_login()
    headers = auth.bearer()

    result = munjigi(runner, "lock-user", "kim_chef")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "kim_chef is locked"
    assert user("kim_chef").status == UserStatus.LOCKED
    revoked = db.session.scalars(select(AuthSession.revoked_reason)).all()
    assert revoked == ["locked"]
    assert [e.reason for e in audited("user_locked")] == ["cli"]
    assert client.get("/members/me", headers=headers).get_json()["code"] == "session_revoked"
    assert auth.login().get_json()["code"] == "login_failed"

    result = munjigi(runner, "lock-user", "--unlock", "kim_chef")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "kim_chef is active"
    assert auth.login().status_code == 200
    # Unlocking does not bring the old sessions back.
    assert client.get("/members/me", headers=headers).status_code == 401


def test_lock_user_by_email(runner, auth):
    auth.signup("kim_chef", email="kim@example.com")
    assert munjigi(runner, "lock-user", "KIM@example.com").exit_code == 0
    assert user("kim_chef").status == UserStatus.LOCKED


def test_lock_unknown_user_fails(runner):
    result = munjigi(runner, "lock-user", "nobody_here")
    assert result.exit_code == 1
    assert "nobody_here" in result.stderr


# rotate-keys


def test_rotate_keys(runner, auth, client):
    tokens = auth.signup_and_login()
    old_kid = jwt.get_unverified_header(tokens["access_token"])["kid"]

    result = munjigi(runner, "rotate-keys")

    assert result.exit_code == 0, result.output
    new_kid = result.stdout.split()[-1]
    assert result.stdout.strip() == f"new signing key {new_kid}"
    db.session.expire_all()
    old = db.session.get(SigningKey, old_kid)
    new = db.session.get(SigningKey, new_kid)
    assert old.rotated_at is not None and old.retire_at is not None
    assert new.rotated_at is None and new.retire_at is None
    assert [e.detail["kid"] for e in audited("key_rotated")] == [new_kid]
    assert client.get("/members/me", headers=auth.bearer()).status_code == 200
    auth.login()
    assert jwt.get_unverified_header(auth.tokens["access_token"])["kid"] == new_kid


def test_rotate_keys_reset_drops_every_old_key(runner, auth, client):
    tokens = auth.signup_and_login()
    old_headers = auth.bearer()
    munjigi(runner, "rotate-keys")

    result = munjigi(runner, "rotate-keys", "--reset")

    assert result.exit_code == 0, result.output
    new_kid = result.stdout.split()[-1]
    assert db.session.scalars(select(SigningKey.kid)).all() == [new_kid]
    response = client.get("/members/me", headers=old_headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_invalid"
    refreshed = client.post(
        "/members/tokens", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    assert refreshed.status_code == 401
    auth.login()
    assert jwt.get_unverified_header(auth.tokens["access_token"])["kid"] == new_kid
    assert client.get("/members/me", headers=auth.bearer()).status_code == 200


# purge-sessions


def test_purge_sessions_removes_dead_sessions_and_their_refresh_tokens(runner, auth, client, clock):
    live = auth.signup_and_login()
    client.post("/members/tokens", headers=auth.bearer(live["refresh_token"]))  # 2 refresh rows
    logged_out = auth.login().get_json()
    client.post("/members/logout", headers=auth.bearer(logged_out["access_token"]))
    expired = auth.login().get_json()
    idle = auth.login().get_json()
    now = datetime.fromtimestamp(clock.now, UTC)
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.id == expired["session_id"])
        .values(expires_at=now - timedelta(seconds=1))
    )
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.id == idle["session_id"])
        .values(idle_expires_at=now - timedelta(seconds=1))
    )
    db.session.commit()
    assert count(RefreshToken) == 5

    result = munjigi(runner, "purge-sessions")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "purged 3 sessions"
    db.session.expire_all()
    assert db.session.scalars(select(AuthSession.id)).all() == [live["session_id"]]
    assert count(RefreshToken) == 2
    assert count(RefreshToken, RefreshToken.session_id != live["session_id"]) == 0
    assert client.get("/members/me", headers=auth.bearer(live["access_token"])).status_code == 200
    assert munjigi(runner, "purge-sessions").stdout.strip() == "purged 0 sessions"


def test_purge_sessions_follows_the_clock(runner, auth, app, clock):
    auth.signup_and_login()
    assert munjigi(runner, "purge-sessions").stdout.strip() == "purged 0 sessions"
    clock.advance(app.extensions["munjigi.settings"].refresh_ttl + 1)
    assert munjigi(runner, "purge-sessions").stdout.strip() == "purged 1 sessions"
    assert count(AuthSession) == 0
    assert count(RefreshToken) == 0
