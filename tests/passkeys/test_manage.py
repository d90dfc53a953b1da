"""Renaming and removing passkeys: only one's own, removal behind step-up, all audited."""

from __future__ import annotations

from sqlalchemy import select

from munjigi.extensions import db
from munjigi.passkeys.models import Passkey
from munjigi.security.models import AuditEvent
from tests.passkeys.authenticator import SoftAuthenticator


def audit_names() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.event).order_by(AuditEvent.id)))


def test_rename_one_of_my_passkeys(member, client):
    passkey = member.register(SoftAuthenticator(), "Phone")
    response = client.patch(
        f"/members/passkeys/{passkey['id']}",
        json={"name": "  Old phone "},
        headers=member.headers(),
    )
    assert response.status_code == 200
    assert response.get_json()["passkey"]["name"] == "Old phone"
    assert "passkey_renamed" in audit_names()


def test_rename_needs_a_name(member, client):
    passkey = member.register(SoftAuthenticator(), "Phone")
    for body in ({}, {"name": ""}, {"name": "x" * 65}):
        response = client.patch(
            f"/members/passkeys/{passkey['id']}", json=body, headers=member.headers()
        )
        assert response.status_code == 422
        assert "name" in response.get_json()["fields"]


def test_another_members_passkey_is_not_found(member, auth, client):
    victims = member.register(SoftAuthenticator(), "Phone")
    auth.signup_and_login("park_cook")
    member.fresh()
    headers = member.headers()
    renamed = client.patch(
        f"/members/passkeys/{victims['id']}", json={"name": "x"}, headers=headers
    )
    removed = client.delete(f"/members/passkeys/{victims['id']}", headers=headers)
    for response in (renamed, removed):
        assert response.status_code == 404
        assert response.get_json()["code"] == "passkey_not_found"
    assert db.session.scalars(select(Passkey.name)).all() == ["Phone"]
    assert client.get("/members/passkeys", headers=headers).get_json()["passkeys"] == []


def test_removing_needs_a_fresh_authentication(member, client, clock):
    passkey = member.register(SoftAuthenticator())
    clock.advance(11 * 60)
    response = client.delete(f"/members/passkeys/{passkey['id']}", headers=member.headers())
    assert response.status_code == 401
    assert response.get_json()["code"] == "reauth_required"
    assert db.session.scalars(select(Passkey)).all() != []
    # Renaming is harmless and needs no step-up.
    renamed = client.patch(
        f"/members/passkeys/{passkey['id']}", json={"name": "Still mine"}, headers=member.headers()
    )
    assert renamed.status_code == 200


def test_remove_one_keeps_the_others(member, client):
    first = member.register(SoftAuthenticator(), "Phone")
    member.register(SoftAuthenticator(), "Laptop")
    response = client.delete(f"/members/passkeys/{first['id']}", headers=member.headers())
    assert response.status_code == 200
    assert db.session.scalars(select(Passkey.name)).all() == ["Laptop"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event == "passkey_removed")
    ).one()
    assert event.detail == {"passkey_id": first["id"], "name": "Phone"}
    again = client.delete(f"/members/passkeys/{first['id']}", headers=member.headers())
    assert again.status_code == 404


def test_cookie_callers_need_the_csrf_header(member, auth, client):
    passkey = member.register(SoftAuthenticator())
    path = f"/members/passkeys/{passkey['id']}"
    refused = client.patch(path, json={"name": "x"})
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "csrf_failed"
    foreign = client.patch(
        path, json={"name": "x"}, headers={**auth.csrf_headers(), "Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    ok = client.patch(path, json={"name": "x"}, headers=auth.csrf_headers())
    assert ok.status_code == 200


def test_remove_all_for_user_is_the_admin_reset_of_a_members_passkeys(member, client):
    from munjigi.passkeys import services

    member.register(SoftAuthenticator())
    member.register(SoftAuthenticator())
    member.registration_options()
    assert services.remove_all_for_user(member.auth.tokens["user_id"]) == 2
    db.session.commit()
    assert services.count_for_user(member.auth.tokens["user_id"]) == 0
