"""The MFA login: password, then a TOTP or recovery code — as JSON and as pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.mfa.models import MfaChallenge
from munjigi.security.models import AuditEvent
from munjigi.security.models import AuthSession
from tests.mfa.conftest import CHALLENGE
from tests.mfa.conftest import api_challenge
from tests.mfa.conftest import api_login
from tests.mfa.conftest import api_mfa
from tests.mfa.conftest import totp_code
from tests.web.conftest import hidden_csrf


def _sessions() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(AuthSession)) or 0)


def test_password_alone_opens_no_session_but_returns_a_challenge(client, enrolled):
    before = _sessions()
    response = api_login(client)
    body = response.get_json()
    assert response.status_code == 200 and body["mfa_required"] is True
    assert body["methods"] == ["totp", "recovery_code"]
    assert len(body["challenge"]) >= 40 and body["challenge_expires_at"]
    assert "access_token" not in body and "refresh_token" not in body
    assert not response.headers.getlist("Set-Cookie")
    assert _sessions() == before
    # Only the hash of the challenge is stored.
    assert db.session.get(MfaChallenge, body["challenge"]) is None


def test_challenge_and_totp_code_give_the_usual_tokens_and_cookies(client, auth, enrolled, clock):
    challenge = api_challenge(client)
    response = api_mfa(client, challenge, totp_code(enrolled.secret, clock))
    body = response.get_json()
    assert response.status_code == 200, body
    assert {"access_token", "refresh_token", "csrf_token", "session_id"} <= set(body)
    assert body["username"] == "kim_chef"
    cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert "access_token_cookie=" in cookies and "refresh_token_cookie=" in cookies
    me = client.get("/members/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.event == "login").order_by(AuditEvent.id.desc())
    )
    assert event.detail == {"mfa": "totp"} and event.session_id == body["session_id"]


def test_codes_one_step_early_or_late_are_accepted_two_are_not(app, enrolled, clock):
    for offset, status in ((-30, 200), (30, 200), (-60, 400), (60, 400)):
        client = app.test_client()
        clock.advance(90)  # a new step each round: no code is a replay
        code = totp_code(enrolled.secret, clock, offset)
        assert api_mfa(client, api_challenge(client), code).status_code == status, offset


def test_a_code_is_never_accepted_twice(app, enrolled, clock):
    code = totp_code(enrolled.secret, clock)
    first, second = app.test_client(), app.test_client()
    assert api_mfa(first, api_challenge(first), code).status_code == 200
    replay = api_mfa(second, api_challenge(second), code)
    assert replay.status_code == 400 and replay.get_json()["code"] == "mfa_code_invalid"
    # An older step is refused too once a newer one was used.
    clock.advance(30)
    newer = totp_code(enrolled.secret, clock)
    assert api_mfa(first, api_challenge(first), newer).status_code == 200
    older = totp_code(enrolled.secret, clock, -30)
    assert api_mfa(second, api_challenge(second), older).status_code == 400


def test_a_recovery_code_works_once(app, enrolled):
    first, second = app.test_client(), app.test_client()
    code = enrolled.codes[3].upper().replace("-", " ")  # typed sloppily from paper
    response = api_mfa(first, api_challenge(first), code)
    assert response.status_code == 200, response.get_json()
    again = api_mfa(second, api_challenge(second), enrolled.codes[3])
    assert again.status_code == 400 and again.get_json()["code"] == "mfa_code_invalid"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "recovery_code_used"))
    assert [e.detail["remaining"] for e in events] == [9]


def test_bad_input_is_422_with_fields(client, enrolled):
    missing = client.post("/members/login/mfa", json={"challenge": "x"})
    assert missing.status_code == 422 and "code" in missing.get_json()["fields"]
    oversized = client.post("/members/login/mfa", json={"challenge": "x" * 500, "code": "1"})
    assert oversized.status_code == 422 and "challenge" in oversized.get_json()["fields"]
    wrong_type = client.post("/members/login/mfa", json={"challenge": 5, "code": ["1"]})
    assert wrong_type.status_code == 422


# --- pages ---------------------------------------------------------------------------


def test_login_page_asks_for_the_second_factor_then_signs_in(browser, enrolled, clock):
    first = browser.login(next="/account")
    assert first.status_code == 200 and "Two-step verification" in first.text
    assert browser.cookie("access_token_cookie") is None
    challenge = CHALLENGE.search(first.text).group(1)
    assert 'name="next" value="/account"' in first.text
    done = browser.client.post(
        "/login/second-factor",
        data={
            "challenge": challenge,
            "next": "/account",
            "code": totp_code(enrolled.secret, clock),
            "csrf_token": hidden_csrf(first.text),
        },
    )
    assert done.status_code == 303 and done.headers["Location"] == "/account"
    assert browser.client.get("/account").status_code == 200


def _second_step(browser, challenge, code, form_html, next_="/"):
    return browser.client.post(
        "/login/second-factor",
        data={
            "challenge": challenge,
            "next": next_,
            "code": code,
            "csrf_token": hidden_csrf(form_html),
        },
    )


def test_second_step_page_shows_a_wrong_code_and_keeps_the_challenge(browser, enrolled):
    first = browser.login()
    challenge = CHALLENGE.search(first.text).group(1)
    wrong = _second_step(browser, challenge, "123456", first.text)
    assert wrong.status_code == 400 and "didn&#39;t work" in wrong.text
    assert CHALLENGE.search(wrong.text).group(1) == challenge
    ok = _second_step(browser, challenge, enrolled.codes[0], wrong.text)
    assert ok.status_code == 303


def test_second_step_page_never_redirects_off_site(browser, enrolled):
    first = browser.login()
    challenge = CHALLENGE.search(first.text).group(1)
    done = _second_step(browser, challenge, enrolled.codes[0], first.text, "//evil.example/x")
    assert done.status_code == 303 and done.headers["Location"] == "/"


def test_second_step_without_the_form_token_is_refused(browser, enrolled):
    first = browser.login()
    challenge = CHALLENGE.search(first.text).group(1)
    refused = browser.client.post(
        "/login/second-factor", data={"challenge": challenge, "code": enrolled.codes[0]}
    )
    assert refused.status_code == 400 and browser.cookie("access_token_cookie") is None


def test_second_step_posted_from_another_site_is_refused(browser, enrolled):
    first = browser.login()
    challenge = CHALLENGE.search(first.text).group(1)
    refused = browser.client.post(
        "/login/second-factor",
        data={
            "challenge": challenge,
            "code": enrolled.codes[0],
            "csrf_token": hidden_csrf(first.text),
        },
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert refused.status_code == 403


@pytest.mark.parametrize("code", ["", " "])
def test_second_step_needs_a_code(browser, enrolled, code):
    first = browser.login()
    challenge = CHALLENGE.search(first.text).group(1)
    assert _second_step(browser, challenge, code, first.text).status_code == 422
