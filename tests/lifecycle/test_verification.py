"""Email verification: the sign-up mail, the confirm page, required mode, re-sending."""

from __future__ import annotations

from munjigi.auth import services as auth_services
from munjigi.extensions import db
from munjigi.security.models import User
from tests.helpers import PASSWORD
from tests.lifecycle.conftest import body
from tests.lifecycle.conftest import signup
from tests.lifecycle.conftest import token_in
from tests.lifecycle.conftest import with_settings
from tests.web.conftest import hidden_csrf

ADDRESS = "kim_chef@example.com"


def user() -> User:
    found = auth_services.find_by_login("kim_chef")
    assert found is not None
    db.session.refresh(found)
    return found


def test_sign_up_mails_a_verification_link_in_text_and_html(client, inbox):
    signup(client)
    message = inbox.last_to(ADDRESS)
    assert message["Subject"] == "Confirm your email address"
    assert message["Auto-Submitted"] == "auto-generated"
    token = token_in(message)
    assert token in body(message, "html")
    assert user().email_verified_at is None


def test_the_link_page_confirms_on_post_only(client, inbox):
    signup(client)
    token = token_in(inbox.last_to(ADDRESS))
    page = client.get(f"/email/verify?token={token}")
    assert page.status_code == 200 and "Verify my email" in page.text
    assert client.get(f"/email/verify?token={token}").status_code == 200  # scanners: no effect
    assert user().email_verified_at is None
    done = client.post("/email/verify", data={"token": token, "csrf_token": hidden_csrf(page.text)})
    assert done.status_code == 200 and "Email verified" in done.text
    assert user().email_verified_at is not None
    assert client.get(f"/email/verify?token={token}").status_code == 400  # spent


def test_the_api_verifies_once(client, inbox):
    signup(client)
    token = token_in(inbox.last_to(ADDRESS))
    assert client.post("/members/email/verify", json={"token": token}).status_code == 200
    again = client.post("/members/email/verify", json={"token": token})
    assert again.status_code == 400 and again.get_json()["code"] == "link_invalid"


def test_required_verification_refuses_login_until_verified(app, client, auth, inbox):
    with_settings(app, email_verification_required=True)
    signup(client)
    refused = auth.login()
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "email_unverified"
    wrong = auth.login(password="wrong password entirely here")
    assert wrong.status_code == 400  # a wrong password learns nothing about verification
    page = client.post(
        "/login",
        data={
            "username": "kim_chef",
            "password": PASSWORD,
            "csrf_token": hidden_csrf(client.get("/login").text),
        },
    )
    assert page.status_code == 403 and "Verify your email first" in page.text
    token = token_in(inbox.last_to(ADDRESS))
    assert client.post("/members/email/verify", json={"token": token}).status_code == 200
    assert auth.login().status_code == 200


def test_resend_answers_the_same_for_every_address(client, inbox):
    signup(client)
    signup(client, "lee")
    token = token_in(inbox.last_to("lee@example.com"))
    assert client.post("/members/email/verify", json={"token": token}).status_code == 200
    inbox.clear()
    answers = [
        client.post("/members/email/verification", json={"email": email})
        for email in (ADDRESS, "lee@example.com", "nobody@example.com")
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({str(a.get_json()) for a in answers}) == 1
    assert len(inbox.to(ADDRESS)) == 1  # unverified: a new link
    assert inbox.to("lee@example.com") == [] and inbox.to("nobody@example.com") == []


def test_a_resent_link_retires_the_first(client, inbox):
    signup(client)
    first = token_in(inbox.last_to(ADDRESS))
    client.post("/members/email/verification", json={"email": ADDRESS})
    second = token_in(inbox.last_to(ADDRESS))
    assert first != second
    assert client.post("/members/email/verify", json={"token": first}).status_code == 400
    assert client.post("/members/email/verify", json={"token": second}).status_code == 200


def test_changing_the_address_elsewhere_clears_verification(client, inbox):
    signup(client)
    verify_token = token_in(inbox.last_to(ADDRESS))
    member = user()
    member.email, member.email_key = "other@example.com", "other@example.com"
    db.session.commit()
    # The old link proves the old address only.
    assert client.post("/members/email/verify", json={"token": verify_token}).status_code == 400
    assert user().email_verified_at is None


def test_email_status_endpoint(client, auth, inbox):
    signup(client)
    auth.login()
    status = client.get("/members/email", headers=auth.bearer()).get_json()
    assert status["email"] == ADDRESS and status["verified"] is False
    assert client.post("/members/email/verification/me", headers=auth.bearer()).status_code == 200
    token = token_in(inbox.last_to(ADDRESS))
    client.post("/members/email/verify", json={"token": token})
    status = client.get("/members/email", headers=auth.bearer()).get_json()
    assert status["verified"] is True and status["verified_at"]
