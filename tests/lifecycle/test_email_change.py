"""Change of email: confirmed at the new address, the old one told, step-up first."""

from __future__ import annotations

from munjigi.auth import services as auth_services
from munjigi.extensions import db
from tests.lifecycle.conftest import body
from tests.lifecycle.conftest import signup
from tests.lifecycle.conftest import token_in
from tests.web.conftest import hidden_csrf

OLD = "kim_chef@example.com"
NEW = "kim.new@example.com"


def email_of(username="kim_chef"):
    user = auth_services.find_by_login(username)
    db.session.refresh(user)
    return user.email, user.email_verified_at


def ask(client, auth, email=NEW):
    return client.post("/members/email", json={"email": email}, headers=auth.bearer())


def test_the_address_changes_only_when_the_new_one_confirms(client, auth, inbox):
    signup(client)
    auth.login()
    assert ask(client, auth).status_code == 200
    assert email_of()[0] == OLD
    notice = inbox.last_to(OLD)
    assert NEW in body(notice) and "token=" not in body(notice)  # no link for the old inbox
    token = token_in(inbox.last_to(NEW))
    page = client.get(f"/email/confirm?token={token}")
    assert page.status_code == 200 and NEW in page.text
    assert email_of()[0] == OLD  # the GET changed nothing
    done = client.post(
        "/email/confirm", data={"token": token, "csrf_token": hidden_csrf(page.text)}
    )
    assert done.status_code == 200 and NEW in done.text
    email, verified_at = email_of()
    assert email == NEW and verified_at is not None
    assert "now uses" in body(inbox.last_to(OLD))
    assert client.post("/members/email/confirm", json={"token": token}).status_code == 400


def test_uniqueness_is_checked_again_when_the_link_is_used(client, auth, inbox):
    signup(client)
    auth.login()
    ask(client, auth)
    token = token_in(inbox.last_to(NEW))
    signup(client, "thief", NEW)  # someone takes the address meanwhile
    answer = client.post("/members/email/confirm", json={"token": token})
    assert answer.status_code == 409 and answer.get_json()["code"] == "email_taken"
    assert email_of()[0] == OLD


def test_a_taken_address_gets_the_same_answer_and_no_mail(client, auth, inbox):
    signup(client)
    signup(client, "lee")
    auth.login()
    inbox.clear()
    taken = ask(client, auth, "LEE@example.com")
    free = ask(client, auth, NEW)
    assert taken.status_code == free.status_code == 200
    assert taken.get_json() == free.get_json()
    assert inbox.to("lee@example.com") == [] and inbox.to("LEE@example.com") == []


def test_the_same_address_is_a_field_error(client, auth, inbox):
    signup(client)
    auth.login()
    answer = ask(client, auth, "Kim_Chef@example.com")
    assert answer.status_code == 422 and "email" in answer.get_json()["fields"]


def test_a_stale_session_needs_step_up(app, client, auth, inbox, clock):
    signup(client)
    auth.login()
    clock.advance(app.extensions["munjigi.settings"].stepup_minutes * 60 + 5)
    auth.refresh(cookies=False)
    answer = ask(client, auth)
    assert answer.status_code == 401 and answer.get_json()["code"] == "reauth_required"
    assert inbox.to(NEW) == []


def test_change_needs_a_login(client, inbox):
    assert client.post("/members/email", json={"email": NEW}).status_code == 401


def test_account_email_page(client, inbox):
    from tests.web.conftest import Pages

    signup(client)
    pages = Pages(client)
    assert pages.login().status_code == 303
    page = client.get("/account/email")
    assert page.status_code == 200 and "Not verified" in page.text
    assert 'href="/account/email"' in client.get("/account").text
    sent = pages.post("/account/email", {"email": NEW})
    assert sent.status_code == 303
    assert token_in(inbox.last_to(NEW))


def test_the_page_sends_a_stale_session_to_reauth(app, client, inbox, clock):
    from tests.web.conftest import Pages

    signup(client)
    pages = Pages(client)
    assert pages.login().status_code == 303
    clock.advance(app.extensions["munjigi.settings"].stepup_minutes * 60 + 5)
    answer = pages.post("/account/email", {"email": NEW})
    assert answer.status_code == 303 and "/reauth" in answer.headers["Location"]
    assert inbox.to(NEW) == []
