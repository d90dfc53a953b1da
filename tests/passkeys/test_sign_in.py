"""Signing in with a passkey, passwordless: the user comes from the credential; every
forgery, replay, expiry, clone and mismatch is refused and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.passkeys.models import Passkey
from munjigi.security import stepup
from munjigi.security.models import AuditEvent
from munjigi.security.models import User
from munjigi.security.models import UserStatus
from tests.passkeys.authenticator import SoftAuthenticator


def events(name: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)
    return list(db.session.scalars(stmt))


def refused(response, code: str = "passkey_rejected") -> None:
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["code"] == code


@pytest.fixture
def enrolled(member, device, client):
    """kim_chef with one passkey on ``device``, then signed out (a new browser)."""
    member.register(device, "Phone")
    member.auth.tokens = {}
    client.delete_cookie("access_token_cookie")
    return member


def test_passwordless_sign_in_opens_a_fresh_session(enrolled, device, client):
    options = enrolled.login_options()
    assert options["allowCredentials"] == []  # discoverable: the browser offers its passkeys
    assert options["userVerification"] == "required"
    response = enrolled.login(device.get(options))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["username"] == "kim_chef" and body["access_token"] and body["refresh_token"]
    assert client.get_cookie("access_token_cookie") is not None
    me = client.get("/members/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.get_json()["member"]["username"] == "kim_chef"
    assert stepup.is_fresh(body["session_id"])
    login = events("login")[-1]
    assert login.detail["method"] == "passkey" and login.session_id == body["session_id"]
    passkey = db.session.scalars(select(Passkey)).one()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_the_listing_shows_when_a_passkey_was_last_used(enrolled, device, client):
    body = enrolled.login(device.get(enrolled.login_options())).get_json()
    listed = client.get(
        "/members/passkeys", headers={"Authorization": f"Bearer {body['access_token']}"}
    ).get_json()["passkeys"]
    assert listed[0]["last_used_at"] is not None


def test_a_replayed_assertion_is_refused(enrolled, device):
    assertion = device.get(enrolled.login_options())
    assert enrolled.login(assertion).status_code == 200
    refused(enrolled.login(assertion), "passkey_challenge_invalid")
    assert events("passkey_login_failed")[-1].reason == "unknown_challenge"


def test_an_expired_challenge_is_refused(enrolled, device, clock):
    options = enrolled.login_options()
    clock.advance(5 * 60)
    refused(enrolled.login(device.get(options)), "passkey_challenge_invalid")
    assert events("passkey_login_failed")[-1].reason == "expired_challenge"


def test_a_challenge_just_inside_its_lifetime_works(enrolled, device, clock):
    options = enrolled.login_options()
    clock.advance(5 * 60 - 1)
    assert enrolled.login(device.get(options)).status_code == 200


@pytest.mark.parametrize(
    ("knob", "reason"),
    [
        ({"origin": "https://evil.example"}, "wrong_origin"),
        ({"rp_id": "evil.example"}, "wrong_rp_id"),
        ({"tamper": True}, "bad_signature"),
        ({"user_verified": False}, "user_not_verified"),
    ],
)
def test_forged_or_foreign_assertions_are_refused(enrolled, device, knob, reason, client):
    refused(enrolled.login(device.get(enrolled.login_options(), **knob)))
    assert events("passkey_login_failed")[-1].reason == reason
    assert all((e.detail or {}).get("method") != "passkey" for e in events("login"))
    assert client.get_cookie("access_token_cookie") is None


def test_a_signature_by_another_key_is_refused(enrolled, device):
    impostor = SoftAuthenticator(credential_id=device.credential_id, user_handle=device.user_handle)
    refused(enrolled.login(impostor.get(enrolled.login_options())))
    assert events("passkey_login_failed")[-1].reason == "bad_signature"


def test_an_unknown_credential_is_refused(enrolled):
    stranger = SoftAuthenticator(user_handle=b"\x01" * 32)
    refused(enrolled.login(stranger.get(enrolled.login_options())))
    assert events("passkey_login_failed")[-1].reason == "unknown_credential"


def test_the_user_handle_must_be_the_credential_owners(enrolled, device, auth):
    # park_cook also has a passkey; an assertion by kim's key naming park's handle is refused.
    auth.signup_and_login("park_cook")
    enrolled.fresh()
    park_device = SoftAuthenticator()
    enrolled.register(park_device)
    forged = device.get(enrolled.login_options(), user_handle=park_device.user_handle)
    refused(enrolled.login(forged))
    assert events("passkey_login_failed")[-1].reason == "user_handle_mismatch"
    missing = device.get(enrolled.login_options(), user_handle=b"")
    missing["response"]["userHandle"] = None
    refused(enrolled.login(missing))


def test_a_counter_that_goes_back_is_a_suspected_clone(enrolled, device):
    assert enrolled.login(device.get(enrolled.login_options(), counter=7)).status_code == 200
    refused(enrolled.login(device.get(enrolled.login_options(), counter=7)))
    refused(enrolled.login(device.get(enrolled.login_options(), counter=3)))
    clones = events("passkey_clone_suspected")
    assert len(clones) == 2 and clones[0].detail["stored"] == 7
    assert db.session.scalars(select(Passkey)).one().sign_count == 7
    assert enrolled.login(device.get(enrolled.login_options(), counter=8)).status_code == 200


def test_authenticators_without_a_counter_stay_at_zero(enrolled, device):
    for _ in range(2):
        assert enrolled.login(device.get(enrolled.login_options(), counter=0)).status_code == 200
    assert events("passkey_clone_suspected") == []


def test_a_clone_needs_a_valid_signature_to_be_reported(enrolled, device):
    assert enrolled.login(device.get(enrolled.login_options(), counter=7)).status_code == 200
    refused(enrolled.login(device.get(enrolled.login_options(), counter=1, tamper=True)))
    assert events("passkey_clone_suspected") == []


def test_a_locked_member_cannot_sign_in_with_a_passkey(enrolled, device):
    user = db.session.scalars(select(User)).one()
    user.status = UserStatus.LOCKED
    db.session.commit()
    refused(enrolled.login(device.get(enrolled.login_options())))
    assert events("passkey_login_failed")[-1].reason == "locked"


def test_a_removed_passkey_no_longer_signs_in(member, device, client):
    passkey = member.register(device)
    response = client.delete(f"/members/passkeys/{passkey['id']}", headers=member.headers())
    assert response.status_code == 200
    refused(member.login(device.get(member.login_options())))


def test_a_deleted_member_takes_their_passkeys_along(member, device, client):
    member.register(device)
    user_id = member.auth.tokens["user_id"]
    assert client.delete(f"/members/{user_id}", headers=member.headers()).status_code == 200
    assert db.session.scalars(select(Passkey)).all() == []
    refused(member.login(device.get(member.login_options())))


@pytest.mark.parametrize(
    "body",
    [{}, {"credential": None}, {"credential": []}, {"credential": "x" * 100}],
)
def test_invalid_sign_in_bodies_are_422(client, body):
    response = client.post("/members/passkeys/login", json=body)
    assert response.status_code == 422
    assert "credential" in response.get_json()["fields"]


def test_a_challenge_taken_meanwhile_by_another_process_is_refused(enrolled, device, app):
    """Two processes read the same ceremony row; only the one whose DELETE removes it wins.

    Counter 0 (an authenticator without counters): the sign count cannot catch the replay,
    the single-use challenge must.
    """
    from sqlalchemy import delete

    from munjigi.passkeys import ceremony
    from munjigi.passkeys import challenges
    from munjigi.passkeys.exceptions import ChallengeInvalidError
    from munjigi.passkeys.models import PasskeyChallenge

    options = enrolled.login_options()
    assertion = device.get(options, counter=0)
    key = ceremony.digest(ceremony.b64decode(options["challenge"]))
    row = db.session.get(PasskeyChallenge, key)  # this process has read it (and holds it)...
    assert row is not None
    with db.engine.connect() as other:  # ... when another process takes it
        other.execute(delete(PasskeyChallenge).where(PasskeyChallenge.challenge_hash == key))
        other.commit()
    with app.test_request_context(), pytest.raises(ChallengeInvalidError):
        challenges.take(assertion, "login", user_id=None)
    assert events("passkey_login_failed")[-1].reason == "replayed_challenge"
