"""Attacks on the pending second-factor login: replay, expiry, tampering, another user,
too many wrong codes, and brute-force accounting."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.mfa import challenge as mfa_challenge
from munjigi.mfa.models import MfaChallenge
from munjigi.security.models import AuditEvent
from munjigi.security.protection_models import LoginThrottle
from tests.mfa.conftest import api_challenge
from tests.mfa.conftest import api_login
from tests.mfa.conftest import api_mfa
from tests.mfa.conftest import enrol
from tests.mfa.conftest import totp_code
from tests.web.conftest import Pages
from tests.web.conftest import make_user


def _code(response) -> str:
    return str(response.get_json()["code"])


def test_a_spent_challenge_cannot_be_replayed(app, enrolled, clock):
    client = app.test_client()
    challenge = api_challenge(client)
    assert api_mfa(client, challenge, enrolled.codes[0]).status_code == 200
    clock.advance(30)
    replay = api_mfa(app.test_client(), challenge, totp_code(enrolled.secret, clock))
    assert replay.status_code == 401 and _code(replay) == "mfa_challenge_invalid"


def test_an_expired_challenge_is_refused(client, enrolled, clock):
    challenge = api_challenge(client)
    clock.advance(5 * 60)
    late = api_mfa(client, challenge, totp_code(enrolled.secret, clock))
    assert late.status_code == 401 and _code(late) == "mfa_challenge_invalid"


def test_a_challenge_just_inside_its_lifetime_works(client, enrolled, clock):
    challenge = api_challenge(client)
    clock.advance(5 * 60 - 1)
    assert api_mfa(client, challenge, totp_code(enrolled.secret, clock)).status_code == 200


@pytest.mark.parametrize("tamper", ["flip", "truncate", "extend", "empty", "huge"])
def test_a_tampered_challenge_is_refused(client, enrolled, clock, tamper):
    challenge = api_challenge(client)
    forged = {
        "flip": ("A" if challenge[0] != "A" else "B") + challenge[1:],
        "truncate": challenge[:-1],
        "extend": challenge + "A",
        "empty": " ",
        "huge": challenge * 3,
    }[tamper]
    response = api_mfa(client, forged, totp_code(enrolled.secret, clock))
    assert response.status_code in (401, 422)
    assert _code(response) in ("mfa_challenge_invalid", "validation_error")
    # The real challenge still works: forging cost the attacker, not the user.
    assert api_mfa(client, challenge, totp_code(enrolled.secret, clock)).status_code == 200


def test_a_challenge_finishes_only_its_own_users_login(app, enrolled, clock):
    make_user("lee")
    lee = Pages(app.test_client())
    assert lee.login("lee").status_code == 303
    lee_secret, lee_codes = enrol(lee, clock)
    clock.advance(30)
    client = app.test_client()
    kims = api_challenge(client)
    # Lee's valid codes do not complete Kim's challenge...
    assert api_mfa(client, kims, totp_code(lee_secret, clock)).status_code == 400
    assert api_mfa(client, kims, lee_codes[0]).status_code == 400
    # ...and Kim's right code logs in Kim, never Lee.
    body = api_mfa(client, kims, totp_code(enrolled.secret, clock)).get_json()
    assert body["username"] == "kim_chef"


def test_the_challenge_dies_after_five_wrong_codes(client, enrolled, clock):
    challenge = api_challenge(client)
    for _ in range(4):
        wrong = api_mfa(client, challenge, "000000")
        assert wrong.status_code == 400 and _code(wrong) == "mfa_code_invalid"
    last = api_mfa(client, challenge, "999999")
    assert last.status_code == 401 and _code(last) == "mfa_challenge_invalid"
    right = api_mfa(client, challenge, totp_code(enrolled.secret, clock))
    assert right.status_code == 401
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "mfa_failed")).all()
    assert len(events) == 5 and events[-1].detail["exhausted"] is True


def test_wrong_codes_count_as_failed_logins_of_the_account_and_ip(client, enrolled):
    challenge = api_challenge(client)
    api_mfa(client, challenge, "000000")
    api_mfa(client, challenge, "abcde-fghjk")
    db.session.expire_all()
    rows = {row.scope: row.count for row in db.session.scalars(select(LoginThrottle))}
    assert rows["pair"] == 2 and rows["account"] == 2 and rows["ip_min"] == 2


@pytest.mark.parametrize("settings_overrides", [{"login_pair_failures": 3}])
def test_wrong_codes_lock_the_account_ip_pair(client, enrolled, clock, settings_overrides):
    challenge = api_challenge(client)
    for _ in range(3):
        api_mfa(client, challenge, "000000")
    # The pair is locked: even the right password waits now (429), and gives no challenge.
    refused = api_login(client)
    assert refused.status_code == 429 and _code(refused) == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0


def test_a_right_password_does_not_forgive_wrong_codes(client, enrolled, clock):
    challenge = api_challenge(client)
    api_mfa(client, challenge, "000000")
    api_challenge(client)  # the password again, right
    db.session.expire_all()
    account = db.session.scalar(select(LoginThrottle).where(LoginThrottle.scope == "account"))
    assert account.count == 1
    # A completed login does.
    api_mfa(client, api_challenge(client), totp_code(enrolled.secret, clock))
    db.session.expire_all()
    account = db.session.scalar(select(LoginThrottle).where(LoginThrottle.scope == "account"))
    assert account.count == 0


def test_wrong_password_of_an_mfa_account_is_an_ordinary_login_failure(client, enrolled):
    response = api_login(client, password="not the password at all")
    assert response.status_code == 400 and _code(response) == "login_failed"
    assert "challenge" not in response.get_json()


def test_a_locked_user_cannot_finish_a_pending_login(app, client, enrolled, clock):
    from munjigi.security.models import User
    from munjigi.security.models import UserStatus

    challenge = api_challenge(client)
    user = db.session.scalar(select(User).where(User.username == "kim_chef"))
    user.status = UserStatus.LOCKED
    db.session.commit()
    assert api_mfa(client, challenge, totp_code(enrolled.secret, clock)).status_code == 401


def test_peek_names_the_user_and_spends_nothing(app, client, enrolled, clock):
    challenge = api_challenge(client)
    with app.test_request_context():
        user_id = mfa_challenge.peek(challenge)
        assert mfa_challenge.peek(challenge) == user_id
    assert api_mfa(client, challenge, totp_code(enrolled.secret, clock)).status_code == 200


def test_old_challenges_are_cleaned_up_on_the_next_login(client, enrolled, clock):
    api_challenge(client)
    clock.advance(10 * 60)
    api_challenge(client)
    db.session.expire_all()
    assert len(db.session.scalars(select(MfaChallenge)).all()) == 1
