"""Step-up: sensitive actions want an authentication within MUNJIGI_STEPUP_MINUTES."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from munjigi.extensions import db
from munjigi.security import stepup
from munjigi.security.models import AuditEvent
from munjigi.security.models import AuthSession
from munjigi.security.models import Role
from tests.helpers import PASSWORD
from tests.mfa.conftest import CHALLENGE
from tests.mfa.conftest import api_challenge
from tests.mfa.conftest import api_mfa
from tests.mfa.conftest import totp_code
from tests.web.conftest import Pages
from tests.web.conftest import hidden_csrf
from tests.web.conftest import make_user
from tests.web.conftest import user_named

STALE = 10 * 60 + 1


def test_fresh_at_is_a_window_ending_now():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    span = timedelta(minutes=10)
    assert stepup.fresh_at(now, now, span)
    assert stepup.fresh_at(now - span, now, span)
    assert not stepup.fresh_at(now - span - timedelta(seconds=1), now, span)
    assert not stepup.fresh_at(None, now, span)
    assert not stepup.fresh_at(now + timedelta(seconds=1), now, span)  # from the future


def _me(auth) -> int:
    return int(auth.tokens["user_id"])


def test_delete_right_after_login_is_allowed(client, auth, clock):
    auth.signup_and_login()
    clock.advance(10 * 60)
    assert client.delete(f"/members/{_me(auth)}", headers=auth.bearer()).status_code == 200


def test_stale_delete_needs_reauth_then_works(client, auth, clock):
    auth.signup_and_login()
    clock.advance(STALE)
    stale = client.delete(f"/members/{_me(auth)}", headers=auth.bearer())
    assert stale.status_code == 401 and stale.get_json()["code"] == "reauth_required"
    assert stale.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.post("/members/reauth", json={"password": "nope"}, headers=auth.bearer())
    assert wrong.status_code == 400 and wrong.get_json()["code"] == "reauth_failed"
    ok = client.post("/members/reauth", json={"password": PASSWORD}, headers=auth.bearer())
    assert ok.status_code == 200 and ok.get_json()["fresh_until"]
    assert client.delete(f"/members/{_me(auth)}", headers=auth.bearer()).status_code == 200


def test_reauth_is_for_this_session_only(app, client, auth, clock):
    auth.signup_and_login()
    other_tokens = dict(auth.tokens)
    second = app.test_client()
    second_login = second.post(
        "/members/login", json={"username": "kim_chef", "password": PASSWORD}
    ).get_json()
    clock.advance(STALE)
    client.post("/members/reauth", json={"password": PASSWORD}, headers=auth.bearer())
    stale = second.delete(
        f"/members/{_me(auth)}",
        headers={"Authorization": f"Bearer {second_login['access_token']}"},
    )
    assert stale.status_code == 401 and stale.get_json()["code"] == "reauth_required"
    assert other_tokens["session_id"] != second_login["session_id"]


def test_reauth_needs_a_token_and_some_proof(client, auth):
    assert client.post("/members/reauth", json={"password": PASSWORD}).status_code == 401
    auth.signup_and_login()
    empty = client.post("/members/reauth", json={}, headers=auth.bearer())
    assert empty.status_code == 422 and "password" in empty.get_json()["fields"]
    huge = client.post("/members/reauth", json={"password": "x" * 2000}, headers=auth.bearer())
    assert huge.status_code == 422


def test_reauth_by_cookie_needs_csrf(client, auth, clock):
    auth.signup_and_login()
    assert client.post("/members/reauth", json={"password": PASSWORD}).status_code == 403
    ok = client.post("/members/reauth", json={"password": PASSWORD}, headers=auth.csrf_headers())
    assert ok.status_code == 200


def test_reauth_with_a_totp_code_and_never_the_same_code_twice(client, enrolled, clock):
    body = api_mfa(client, api_challenge(client), totp_code(enrolled.secret, clock)).get_json()
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    clock.advance(STALE)
    code = totp_code(enrolled.secret, clock)
    assert client.post("/members/reauth", json={"code": code}, headers=bearer).status_code == 200
    again = client.post("/members/reauth", json={"code": code}, headers=bearer)
    assert again.status_code == 400


def test_five_failed_reauths_end_the_session(client, auth):
    auth.signup_and_login()
    for _ in range(5):
        response = client.post("/members/reauth", json={"password": "guess"}, headers=auth.bearer())
        assert response.status_code == 400
    assert client.get("/members/me", headers=auth.bearer()).status_code == 401
    failures = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "reauth_failed"))
    assert len(failures.all()) == 5


def test_a_session_without_auth_time_is_stale(client, auth):
    auth.signup_and_login()  # e.g. a hand-off session or one from before migration 0006
    db.session.execute(update(AuthSession).values(auth_at=None))
    db.session.commit()
    stale = client.delete(f"/members/{_me(auth)}", headers=auth.bearer())
    assert stale.get_json()["code"] == "reauth_required"


def test_mfa_login_is_a_fresh_authentication(client, enrolled, clock):
    body = api_mfa(client, api_challenge(client), enrolled.codes[0]).get_json()
    row = db.session.get(AuthSession, body["session_id"])
    assert row.auth_at is not None
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.delete(f"/members/{body['user_id']}", headers=bearer).status_code == 200


def test_admin_unlock_login_api_needs_a_fresh_admin(client, auth, clock):
    make_user("boss", Role.ADMIN)
    make_user("lee")
    auth.login("boss")
    lee = user_named("lee").id
    clock.advance(STALE)
    stale = client.post(f"/api/admin/users/{lee}/unlock-login", headers=auth.bearer())
    assert stale.status_code == 401 and stale.get_json()["code"] == "reauth_required"
    client.post("/members/reauth", json={"password": PASSWORD}, headers=auth.bearer())
    assert (
        client.post(f"/api/admin/users/{lee}/unlock-login", headers=auth.bearer()).status_code
        == 200
    )


# --- pages ---------------------------------------------------------------------------


def test_stale_password_change_goes_to_reauth_and_back(member, clock):
    clock.advance(STALE)
    form = {
        "current_password": PASSWORD,
        "new_password": "a brand new passphrase for kim",
        "new_password_confirm": "a brand new passphrase for kim",
    }
    stale = member.post("/account/password", form, headers={"Referer": "http://localhost/account"})
    assert stale.status_code == 303 and stale.headers["Location"] == "/reauth?next=%2Faccount"
    page = member.client.get(stale.headers["Location"])
    assert page.status_code == 200 and "Confirm it" in page.text
    assert 'name="next" value="/account"' in page.text
    wrong = member.post("/reauth", {"next": "/account", "password": "nope"})
    assert wrong.status_code == 400 and "didn&#39;t match" in wrong.text
    back = member.post("/reauth", {"next": "/account", "password": PASSWORD})
    assert back.status_code == 303 and back.headers["Location"] == "/account"
    done = member.post("/account/password", form)
    assert done.status_code == 303 and "password_changed" in done.headers["Location"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/account/delete"),
        ("GET", "/account/security/totp"),
        ("POST", "/account/security/totp/disable"),
        ("POST", "/account/security/recovery-codes"),
    ],
)
def test_stale_sessions_meet_reauth_on_sensitive_pages(member, clock, method, path):
    clock.advance(STALE)
    if method == "GET":
        response = member.client.get(path)
        assert response.headers["Location"] == f"/reauth?next={path.replace('/', '%2F')}"
    else:
        response = member.post(path)
        assert response.headers["Location"].startswith("/reauth?next=")
    assert response.status_code == 303


def test_reauth_never_sends_off_site(member, clock):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil"):
        done = member.post("/reauth", {"next": target, "password": PASSWORD})
        assert done.status_code == 303 and done.headers["Location"] == "/"


def test_off_site_referrer_is_not_used_as_next(member, clock):
    clock.advance(STALE)
    response = member.post(
        "/account/password", {}, headers={"Referer": "https://evil.example/account"}
    )
    assert response.headers["Location"] == "/reauth?next=%2F"


def test_reauth_page_needs_a_session(client):
    response = client.get("/reauth?next=/account")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("action", ["role", "lock", "unlock", "delete"])
def test_stale_admin_actions_go_to_reauth(admin, clock, action):
    make_user("lee")
    lee = user_named("lee").id
    clock.advance(STALE)
    response = admin.post(f"/admin/users/{lee}/{action}", {"role": "admin", "confirm": "lee"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/reauth")
    db.session.expire_all()
    lee_now = user_named("lee")
    assert lee_now is not None and lee_now.role == Role.MEMBER and lee_now.status == "active"


def test_an_empty_reauth_form_is_not_a_wrong_guess(member):
    response = member.post("/reauth", {"next": "/account"})
    assert response.status_code == 422 and "Enter your password" in response.text
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.event == "reauth_failed")).all()
        == []
    )


def test_reauth_page_offers_a_totp_code_to_enrolled_members(app, enrolled, clock):
    browser = Pages(app.test_client())
    first = browser.login()
    browser.client.post(
        "/login/second-factor",
        data={
            "challenge": CHALLENGE.search(first.text).group(1),
            "code": enrolled.codes[0],
            "csrf_token": hidden_csrf(first.text),
        },
    )
    clock.advance(STALE)
    page = browser.client.get("/reauth?next=/account/security")
    assert 'id="reauth-totp"' in page.text
    done = browser.post(
        "/reauth", {"next": "/account/security", "code": totp_code(enrolled.secret, clock)}
    )
    assert done.status_code == 303 and done.headers["Location"] == "/account/security"
    assert browser.post("/account/security/totp/disable").status_code == 303
