"""A passkey as the second factor after the password (mfa/challenge.py), and as the
re-authentication of step-up."""

from __future__ import annotations

from sqlalchemy import select

from munjigi.extensions import db
from munjigi.security import stepup
from munjigi.security.models import AuditEvent
from tests.helpers import PASSWORD
from tests.passkeys.authenticator import SoftAuthenticator


def events(name: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)
    return list(db.session.scalars(stmt))


def password_step(client, username: str = "kim_chef") -> dict:
    response = client.post("/members/login", json={"username": username, "password": PASSWORD})
    body = response.get_json()
    assert response.status_code == 200 and body.get("mfa_required"), body
    return body


def options_for(client, challenge: str):
    return client.post("/members/passkeys/second-factor/options", json={"challenge": challenge})


def finish(client, challenge: str, credential: dict):
    return client.post(
        "/members/passkeys/second-factor", json={"challenge": challenge, "credential": credential}
    )


def test_password_then_passkey_opens_the_session(member, device, client):
    member.register(device)
    pending = password_step(client)
    assert "passkey" in pending["methods"]
    assert "access_token" not in pending
    options = options_for(client, pending["challenge"]).get_json()["options"]
    assert [c["id"] for c in options["allowCredentials"]] == [
        device.get({"rpId": "localhost", "challenge": "AA"})["id"]
    ]
    response = finish(client, pending["challenge"], device.get(options))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["access_token"] and body["username"] == "kim_chef"
    assert stepup.is_fresh(body["session_id"])
    assert events("login")[-1].detail == {"mfa": "passkey"}


def test_the_pending_login_is_single_use(member, device, client):
    member.register(device)
    pending = password_step(client)
    options = options_for(client, pending["challenge"]).get_json()["options"]
    assert finish(client, pending["challenge"], device.get(options)).status_code == 200
    again = options_for(client, pending["challenge"])
    assert again.get_json()["code"] == "mfa_challenge_invalid"


def test_a_made_up_pending_login_gets_no_options(client):
    response = options_for(client, "not-a-challenge")
    assert response.get_json()["code"] == "mfa_challenge_invalid"


def test_another_members_passkey_is_refused_and_counted(member, device, auth, client):
    member.register(device)
    auth.signup_and_login("park_cook")
    member.fresh()
    park_device = SoftAuthenticator()
    member.register(park_device)
    pending = password_step(client, "kim_chef")
    options = options_for(client, pending["challenge"]).get_json()["options"]
    response = finish(client, pending["challenge"], park_device.get(options))
    assert response.status_code in (400, 401)
    assert response.get_json()["code"] == "mfa_code_invalid"
    assert events("passkey_second_factor_failed")[-1].reason == "other_users_credential"
    failed = events("mfa_failed")[-1]
    assert failed.detail["method"] == "passkey" and failed.reason == "passkey_rejected"


def test_a_second_factor_ceremony_is_bound_to_its_pending_login(member, device, client):
    member.register(device)
    first = password_step(client)
    second = password_step(client)
    options = options_for(client, first["challenge"]).get_json()["options"]
    response = finish(client, second["challenge"], device.get(options))
    assert response.get_json()["code"] == "mfa_code_invalid"
    assert events("passkey_second_factor_failed")[-1].reason == "wrong_ceremony"


def test_a_passwordless_challenge_cannot_finish_a_second_factor(member, device, client):
    member.register(device)
    pending = password_step(client)
    login_options = member.login_options()
    response = finish(client, pending["challenge"], device.get(login_options))
    assert response.get_json()["code"] == "mfa_code_invalid"


def test_wrong_passkeys_use_up_the_pending_login(member, device, client):
    member.register(device)
    pending = password_step(client)
    codes = []
    for _ in range(5):  # MUNJIGI_MFA_CHALLENGE_ATTEMPTS
        options = options_for(client, pending["challenge"])
        if options.status_code != 200:
            codes.append(options.get_json()["code"])
            break
        forged = device.get(options.get_json()["options"], tamper=True)
        codes.append(finish(client, pending["challenge"], forged).get_json()["code"])
    assert codes[-1] == "mfa_challenge_invalid"
    assert codes[0] == "mfa_code_invalid"


def test_reauthenticate_a_stale_session_with_a_passkey(member, device, client, clock):
    member.register(device)
    clock.advance(11 * 60)
    blocked = client.post("/members/passkeys/registration/options", headers=member.headers())
    assert blocked.get_json()["code"] == "reauth_required"
    options = member.reauth_options()
    assert len(options["allowCredentials"]) == 1
    response = member.reauth(device.get(options))
    assert response.status_code == 200, response.get_json()
    assert stepup.is_fresh(member.auth.tokens["session_id"])
    assert events("reauth")[-1].detail["method"] == "passkey"
    assert (
        client.post("/members/passkeys/registration/options", headers=member.headers()).status_code
        == 200
    )


def test_a_reauth_ceremony_is_bound_to_its_session(member, device, client, auth, clock):
    first = dict(auth.tokens)
    auth.login("kim_chef")  # a second session of the same member, before the passkey
    second = dict(auth.tokens)
    auth.tokens = first
    member.register(device)
    options = member.reauth_options()  # made for the first session
    auth.tokens = second
    clock.advance(11 * 60)
    response = member.reauth(device.get(options))
    assert response.get_json()["code"] == "passkey_challenge_invalid"
    assert not stepup.is_fresh(second["session_id"])


def test_reauth_with_someone_elses_passkey_is_refused(member, device, auth, client, clock):
    member.register(device)
    auth.signup_and_login("park_cook")
    clock.advance(11 * 60)
    response = member.reauth(device.get(member.reauth_options()))
    assert response.get_json()["code"] == "passkey_rejected"
    assert not stepup.is_fresh(member.auth.tokens["session_id"])
