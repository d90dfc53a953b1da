"""Passkeys in Chromium through the DevTools virtual authenticator (CDP ``WebAuthn.*``):
register two, rename one, remove one, then sign in with the other as the second factor
after the password, and passwordless.

WebAuthn needs a secure context and a domain as RP id, so the browser talks to the test
server as ``http://localhost:<port>`` (the RP id is then ``localhost``), not 127.0.0.1.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PASSWORD
from tests.browser.conftest import _wait_for_fill_time
from tests.browser.conftest import bar_text
from tests.browser.conftest import log_in
from tests.browser.conftest import screenshot
from tests.browser.conftest import type_like_a_person

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
WAIT = 20_000


@pytest.fixture
def localhost(site: Any) -> str:
    """The shared test server, addressed by a name WebAuthn accepts as an RP id."""
    return str(site.base.replace("127.0.0.1", "localhost"))


def virtual_authenticator(cdp: Any) -> str:
    """A platform authenticator with resident keys and a fingerprint that always matches."""
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return str(added["authenticatorId"])


def add_passkey(page: Any, name: str) -> None:
    page.locator("#passkey-new-name").fill(name)
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url("**/account/passkeys?notice=added", timeout=WAIT)
    page.locator(f"#passkey-list input[value='{name}']").wait_for(timeout=WAIT)


def password_step(page: Any, username: str) -> None:
    page.goto("/login")
    type_like_a_person(page, "#f-username", username)
    type_like_a_person(page, "#f-password", PASSWORD)
    _wait_for_fill_time(page)
    page.get_by_role("button", name="Log in", exact=True).click()


def make_stale(site: Any, username: str) -> None:
    """Age the user's sessions' last authentication by an hour (past the step-up window)."""
    from datetime import timedelta

    from sqlalchemy import select
    from sqlalchemy import update

    from munjigi.db import utcnow
    from munjigi.extensions import db
    from munjigi.security.models import AuthSession
    from munjigi.security.models import User

    with site.app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
        db.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id)
            .values(auth_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
        db.session.remove()


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You have signed out.").wait_for(timeout=WAIT)


def test_register_rename_remove_then_sign_in_with_a_passkey(site, localhost, new_context):
    site.make_user("passkey_kim")
    context = new_context(localhost)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    laptop = virtual_authenticator(cdp)

    log_in(page, "passkey_kim", next_path="/account/passkeys")
    page.wait_for_url("**/account/passkeys", timeout=WAIT)
    assert "You have no passkeys yet." in page.inner_text("#passkeys")
    screenshot(page, "passkeys-01-none")

    # Two passkeys: one on this "laptop", one on a second authenticator (a "phone").
    add_passkey(page, "Laptop")
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": laptop})
    phone = virtual_authenticator(cdp)
    add_passkey(page, "Phone")
    assert page.locator("#passkey-list tbody tr").count() == 2
    screenshot(page, "passkeys-02-two")

    # Rename the phone's, remove the laptop's (its authenticator is gone anyway).
    row = page.locator("#passkey-list tbody tr", has=page.locator("input[value='Phone']"))
    row.locator("input[name=name]").fill("Work phone")
    row.get_by_role("button", name="Rename").click()
    page.wait_for_url("**notice=renamed", timeout=WAIT)
    # Removing needs a recent sign-in: an hour-old one goes through /reauth, with a passkey.
    make_stale(site, "passkey_kim")
    page.get_by_role("button", name="Remove Laptop").click()
    page.wait_for_url("**/reauth?next=*", timeout=WAIT)
    page.locator("[data-passkey-ready=true]").wait_for(timeout=WAIT)
    screenshot(page, "passkeys-03a-reauth")
    page.get_by_role("button", name="Confirm with a passkey").click()
    page.wait_for_url("**/account/passkeys?notice=renamed", timeout=WAIT)  # back where we were
    assert site.events("reauth", "passkey_kim")[-1].detail["method"] == "passkey"
    page.get_by_role("button", name="Remove Laptop").click()
    page.wait_for_url("**notice=removed", timeout=WAIT)
    names = page.locator("#passkey-list input[name=name]")
    assert names.count() == 1 and names.first.input_value() == "Work phone"
    screenshot(page, "passkeys-03-renamed-removed")
    assert [e.detail["name"] for e in site.events("passkey_removed", "passkey_kim")] == ["Laptop"]
    log_out(page)

    # Password, then the passkey as the second factor.
    password_step(page, "passkey_kim")
    page.get_by_role("button", name="Use a passkey").wait_for(timeout=WAIT)
    screenshot(page, "passkeys-04-second-step")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_selector("#session-bar", timeout=WAIT)
    assert "Secure session active" in bar_text(page)
    logins = site.events("login", "passkey_kim")
    assert logins[-1].detail == {"mfa": "passkey"}
    log_out(page)

    # Passwordless: no username, no password.
    page.goto("/login")
    page.locator("[data-passkey-ready=true]").wait_for(timeout=WAIT)
    screenshot(page, "passkeys-05-login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_selector("#session-bar", timeout=WAIT)
    assert "Secure session active" in bar_text(page)
    assert site.events("login", "passkey_kim")[-1].detail["method"] == "passkey"

    # The list shows when the passkey was last used.
    page.goto("/account/passkeys")
    row = page.locator("#passkey-list tbody tr").first
    assert "Never" not in row.inner_text()
    screenshot(page, "passkeys-06-last-used")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": phone})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
    assert credentials[0]["signCount"] >= 2


def test_a_browser_without_webauthn_json_support_sees_a_clear_message(site, localhost, new_context):
    context = new_context(localhost)
    context.add_init_script("delete PublicKeyCredential.parseRequestOptionsFromJSON;")
    page = context.new_page()
    page.goto("/login")
    status = page.locator("[data-passkey-status]")
    status.wait_for(timeout=WAIT)
    assert "can't use passkeys" in status.inner_text()
    assert page.get_by_role("button", name="Sign in with a passkey").is_disabled()
