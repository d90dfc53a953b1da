"""Security notifications: new device, token theft, lockout (verified addresses only)."""

from __future__ import annotations

from tests.lifecycle.conftest import signup
from tests.lifecycle.conftest import verify

ADDRESS = "kim_chef@example.com"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"


def login_as(client, agent, password="correct horse battery staple"):
    return client.post(
        "/members/login",
        json={"username": "kim_chef", "password": password},
        headers={"User-Agent": agent},
    )


def subjects(inbox):
    return [m["Subject"] for m in inbox.to(ADDRESS)]


def test_a_login_from_a_new_device_is_mailed_a_known_one_is_not(client, inbox):
    signup(client)
    verify(client, inbox, ADDRESS)
    inbox.clear()
    assert login_as(client, CHROME).status_code == 200  # first login ever: nothing to compare
    assert login_as(client, CHROME).status_code == 200  # same device and network
    assert subjects(inbox) == []
    assert login_as(client, FIREFOX).status_code == 200
    assert subjects(inbox) == ["New sign-in to your account"]
    assert "Firefox on Windows" in inbox.last_to(ADDRESS).get_body(("plain",)).get_content()


def test_unverified_addresses_get_no_notifications(client, inbox):
    signup(client)
    inbox.clear()
    login_as(client, CHROME)
    login_as(client, FIREFOX)
    assert subjects(inbox) == []


def test_a_replayed_refresh_token_is_mailed(app, client, auth, inbox, clock):
    signup(client)
    verify(client, inbox, ADDRESS)
    auth.login()
    stolen = auth.tokens["refresh_token"]
    assert auth.refresh(cookies=False).status_code == 200
    clock.advance(app.extensions["munjigi.settings"].refresh_grace + 1)
    inbox.clear()
    assert auth.refresh(cookies=False, token=stolen).status_code == 401
    assert subjects(inbox) == ["We signed out a session that looked stolen"]


def test_a_lockout_is_mailed(app, client, inbox):
    signup(client)
    verify(client, inbox, ADDRESS)
    inbox.clear()
    failures = app.extensions["munjigi.settings"].login_account_failures
    for _ in range(failures):
        assert login_as(client, CHROME, "not the password at all").status_code == 400
    assert subjects(inbox) == ["Sign-ins to your account are paused"]
