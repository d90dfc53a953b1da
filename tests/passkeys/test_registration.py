"""Registering passkeys: several per member, names, step-up, and every refusal (attacks)."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.passkeys.models import Passkey
from munjigi.passkeys.models import PasskeyChallenge
from munjigi.security.models import AuditEvent
from tests.passkeys.authenticator import SoftAuthenticator
from tests.passkeys.authenticator import b64


def stored() -> int:
    return int(db.session.scalar(select(func.count(Passkey.id))) or 0)


def last_event(event: str) -> AuditEvent | None:
    stmt = select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id.desc())
    return db.session.scalars(stmt).first()


def test_member_registers_two_passkeys_and_lists_them(member, client):
    first = member.register(SoftAuthenticator(), "Phone")
    second = member.register(SoftAuthenticator(), "Laptop")
    listed = client.get("/members/passkeys", headers=member.headers()).get_json()["passkeys"]
    assert [p["name"] for p in listed] == ["Phone", "Laptop"]
    assert [p["id"] for p in listed] == [first["id"], second["id"]]
    assert all(p["created_at"] and p["last_used_at"] is None for p in listed)
    assert last_event("passkey_registered").detail["passkey_id"] == second["id"]


def test_options_ask_for_a_discoverable_credential_and_exclude_registered_ones(member):
    device = SoftAuthenticator()
    member.register(device)
    options = member.registration_options()
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["attestation"] == "none"
    assert [c["id"] for c in options["excludeCredentials"]] == [b64(device.credential_id)]
    # The user handle is random, the same for every passkey of the member, not the user id.
    assert options["user"]["id"] == b64(device.user_handle)
    assert len(device.user_handle) == 32


def test_a_name_is_given_when_none_is_sent(member):
    assert member.register(SoftAuthenticator(), "")["name"] == "Passkey 1"
    assert member.register(SoftAuthenticator(), "  \x00 ")["name"] == "Passkey 2"


def test_the_challenge_is_stored_hashed_never_in_clear(member):
    options = member.registration_options()
    rows = db.session.scalars(select(PasskeyChallenge)).all()
    assert len(rows) == 1
    assert rows[0].challenge_hash != options["challenge"]
    assert len(rows[0].challenge_hash) == 64
    assert rows[0].purpose == "register"


def test_adding_a_passkey_needs_a_fresh_authentication(member, client, clock):
    options = member.registration_options()
    clock.advance(11 * 60)  # MUNJIGI_STEPUP_MINUTES = 10
    for response in (
        client.post("/members/passkeys/registration/options", headers=member.headers()),
        member.finish_registration(SoftAuthenticator().create(options)),
    ):
        assert response.status_code == 401
        assert response.get_json()["code"] == "reauth_required"
    assert stored() == 0


@pytest.mark.parametrize(
    ("knob", "reason"),
    [
        ({"origin": "http://evil.example"}, "wrong_origin"),
        ({"origin": "http://localhost:8080"}, "wrong_origin"),
        ({"rp_id": "evil.example"}, "wrong_rp_id"),
    ],
)
def test_a_response_made_for_another_site_is_refused(member, knob, reason):
    response = member.finish_registration(
        SoftAuthenticator().create(member.registration_options(), **knob)
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "passkey_rejected"
    assert last_event("passkey_register_failed").reason == reason
    assert stored() == 0


def test_a_replayed_registration_is_refused(member):
    credential = SoftAuthenticator().create(member.registration_options())
    assert member.finish_registration(credential).status_code == 201
    again = member.finish_registration(credential)
    assert again.status_code == 400
    assert again.get_json()["code"] == "passkey_challenge_invalid"
    assert last_event("passkey_register_failed").reason == "unknown_challenge"
    assert stored() == 1


def test_an_expired_challenge_is_refused(member, clock):
    options = member.registration_options()
    clock.advance(5 * 60)  # MUNJIGI_WEBAUTHN_CHALLENGE_TTL
    member.fresh()
    response = member.finish_registration(SoftAuthenticator().create(options))
    assert response.get_json()["code"] == "passkey_challenge_invalid"
    assert last_event("passkey_register_failed").reason == "expired_challenge"
    assert stored() == 0


def test_a_challenge_the_server_never_issued_is_refused(member):
    options = member.registration_options()
    forged = b64(b"\x00" * 32)
    response = member.finish_registration(SoftAuthenticator().create(options, challenge=forged))
    assert response.get_json()["code"] == "passkey_challenge_invalid"


def test_another_members_ceremony_cannot_be_finished(member, auth, client):
    victim_options = member.registration_options()
    auth.signup_and_login("park_cook")
    member.fresh()
    response = member.finish_registration(SoftAuthenticator().create(victim_options))
    assert response.get_json()["code"] == "passkey_challenge_invalid"
    assert last_event("passkey_register_failed").reason == "wrong_ceremony"
    assert stored() == 0


def test_a_sign_in_challenge_cannot_register(member):
    login_options = member.login_options()
    forged = SoftAuthenticator().create(
        {**member.registration_options(), "challenge": login_options["challenge"]}
    )
    response = member.finish_registration(forged)
    assert response.get_json()["code"] == "passkey_challenge_invalid"


def test_the_same_authenticator_cannot_be_registered_twice(member, auth):
    device = SoftAuthenticator()
    member.register(device)
    response = member.finish_registration(device.create(member.registration_options()))
    assert response.status_code == 400
    assert response.get_json()["code"] == "passkey_duplicate"
    # Nor by another member: credential ids are unique across the site.
    auth.signup_and_login("park_cook")
    member.fresh()
    response = member.finish_registration(device.create(member.registration_options()))
    assert response.get_json()["code"] == "passkey_duplicate"
    assert stored() == 1


@pytest.mark.parametrize("settings_overrides", [{"webauthn_max_passkeys": 2}])
def test_the_limit_of_passkeys_per_member(member, settings_overrides):
    member.register(SoftAuthenticator())
    pending = member.registration_options()
    member.register(SoftAuthenticator())
    response = member.client.post(
        "/members/passkeys/registration/options", headers=member.headers()
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "passkey_limit"
    # An options call made before the limit was reached cannot slip past it either.
    late = member.finish_registration(SoftAuthenticator().create(pending))
    assert late.get_json()["code"] == "passkey_limit"
    assert stored() == 2


@pytest.mark.parametrize("settings_overrides", [{"webauthn_user_verification": "required"}])
def test_user_verification_required_by_setting(member, settings_overrides):
    options = member.registration_options()
    assert options["authenticatorSelection"]["userVerification"] == "required"
    response = member.finish_registration(SoftAuthenticator(user_verified=False).create(options))
    assert response.get_json()["code"] == "passkey_rejected"
    assert last_event("passkey_register_failed").reason == "user_not_verified"
    member.register(SoftAuthenticator(user_verified=True))


def test_user_verification_preferred_accepts_presence_only(member):
    passkey = member.register(SoftAuthenticator(user_verified=False))
    assert passkey["user_verified"] is False


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": "x"},
        {"id": "AA", "rawId": "AA", "type": "public-key", "response": "nope"},
        {"id": "AA", "rawId": "AA", "response": {"clientDataJSON": "!!!"}},
        {"id": "AA", "rawId": "AA", "response": {"clientDataJSON": b64(b"[1,2]")}},
        {"id": "AA", "rawId": "AA", "response": {"clientDataJSON": b64(b"\xff\xfe")}},
        {"id": "AA", "rawId": "AA", "response": {"clientDataJSON": b64(b'{"challenge": 5}')}},
    ],
)
def test_malformed_credentials_get_a_json_error_not_a_crash(member, credential):
    response = member.finish_registration(credential)
    assert response.status_code == 400
    assert response.get_json()["code"] in ("passkey_rejected", "passkey_challenge_invalid")


def test_a_broken_attestation_for_a_real_challenge_is_refused(member):
    credential = SoftAuthenticator().create(member.registration_options())
    credential["response"]["attestationObject"] = b64(b"\xa0")
    response = member.finish_registration(credential)
    assert response.get_json()["code"] == "passkey_rejected"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "credential"),
        ({"credential": "text"}, "credential"),
        ({"credential": {}, "name": "n" * 65}, "name"),
    ],
)
def test_invalid_bodies_are_422_with_the_field(member, client, body, field):
    response = client.post("/members/passkeys", json=body, headers=member.headers())
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_signed_out_callers_get_401(client):
    assert client.get("/members/passkeys").status_code == 401
    assert client.post("/members/passkeys/registration/options").status_code == 401
