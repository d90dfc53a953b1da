"""One person's whole account life in Chromium, start to end (issue #8's "done when"):
sign up, verify the address from the mail, enrol an authenticator app and a passkey, log
out, log in with each, lose the phone and get in with a recovery code, forget the password
and reset it from the mail, then log in again with the new password and a passkey.

The server requires a verified address and mails to its outbox; the browser addresses it
as ``localhost`` (a name WebAuthn accepts as an RP id) and carries a virtual authenticator.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.browser.conftest import PASSWORD
from tests.browser.conftest import _site
from tests.browser.conftest import _wait_for_fill_time
from tests.browser.conftest import bar_text
from tests.browser.conftest import screenshot
from tests.browser.conftest import sign_up
from tests.browser.conftest import type_like_a_person
from tests.browser.test_lifecycle import mailed_link
from tests.browser.test_passkeys import add_passkey
from tests.browser.test_passkeys import virtual_authenticator

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
WAIT = 20_000
NEW_PASSWORD = "a brand new passphrase for the rice cooker"


@pytest.fixture(scope="module")
def strict_site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    yield from _site(tmp_path_factory, MUNJIGI_EMAIL_VERIFICATION_REQUIRED="true")


def password_step(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    type_like_a_person(page, "#f-username", username)
    type_like_a_person(page, "#f-password", password)
    _wait_for_fill_time(page)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_selector("#second-step", timeout=WAIT)


def signed_in(page: Any) -> None:
    page.wait_for_selector("#session-bar", timeout=WAIT)
    assert "Secure session active" in bar_text(page)


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You have signed out.").wait_for(timeout=WAIT)


def test_a_whole_account_life(strict_site, new_context):
    site = strict_site
    user, address = "journey_yoon", "journey_yoon@example.com"
    outbox = Path(site.app.instance_path) / "outbox"
    context = new_context(site.base.replace("127.0.0.1", "localhost"))
    page = context.new_page()
    virtual_authenticator(context.new_cdp_session(page))

    # Sign up, then verify the address from the mailed link.
    sign_up(page, user)
    page.goto(mailed_link(outbox, address, "Confirm your email address"))
    page.get_by_role("button", name="Verify my email").click()
    page.get_by_text("Thank you: your address is confirmed.").wait_for(timeout=WAIT)
    page.goto("/login")
    type_like_a_person(page, "#f-username", user)
    type_like_a_person(page, "#f-password", PASSWORD)
    _wait_for_fill_time(page)
    page.get_by_role("button", name="Log in", exact=True).click()
    signed_in(page)

    # An authenticator app: the key from the page, a first code, ten recovery codes.
    page.goto("/account/security")
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.wait_for_selector("#totp-qr svg", timeout=WAIT)
    totp = pyotp.TOTP(page.locator("#totp-secret").get_attribute("data-totp-secret"))
    type_like_a_person(page, "#f-code", totp.now())
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_selector("#recovery-codes", timeout=WAIT)
    codes = page.locator("[data-recovery-code]").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I saved my codes").click()
    page.wait_for_selector("[data-totp-state=on]", timeout=WAIT)

    # And a passkey on this device.
    page.goto("/account/passkeys")
    add_passkey(page, "My laptop")
    screenshot(page, "journey-01-factors")
    log_out(page)

    # Password + authenticator code (the next step: the enrolment's code is spent).
    password_step(page, user)
    type_like_a_person(page, "#f-code", totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    signed_in(page)
    log_out(page)

    # Passwordless, with the passkey alone.
    page.goto("/login")
    page.locator("[data-passkey-ready=true]").wait_for(timeout=WAIT)
    page.get_by_role("button", name="Sign in with a passkey").click()
    signed_in(page)
    log_out(page)

    # The phone is lost: password + a recovery code.
    password_step(page, user)
    type_like_a_person(page, "#f-code", codes[3])
    page.get_by_role("button", name="Verify").click()
    signed_in(page)
    log_out(page)

    # The password is forgotten too: reset it from the mailed link.
    page.goto("/login")
    page.get_by_role("link", name="Forgot password?").click()
    type_like_a_person(page, "#f-email", address)
    page.get_by_role("button", name="Send the link").click()
    page.get_by_text("Check your inbox").wait_for(timeout=WAIT)
    page.goto(mailed_link(outbox, address, "Reset your password"))
    type_like_a_person(page, "#f-password", NEW_PASSWORD)
    type_like_a_person(page, "#f-password_confirm", NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    page.get_by_text("Your new password is set").wait_for(timeout=WAIT)

    # The new password, then the passkey as the second factor; the old password is dead.
    page.goto("/login")
    type_like_a_person(page, "#f-username", user)
    type_like_a_person(page, "#f-password", PASSWORD)
    _wait_for_fill_time(page)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_text("Wrong username or password.").wait_for(timeout=WAIT)
    password_step(page, user, NEW_PASSWORD)
    page.get_by_role("button", name="Use a passkey").click()
    signed_in(page)
    screenshot(page, "journey-02-back-in")

    logins = [event.detail for event in site.events("login", user)]
    assert [d.get("mfa") or d.get("method") for d in logins] == [
        None,  # the first login, before any second factor
        "totp",
        "passkey",
        "recovery_code",
        "passkey",
    ]
    for event in ("signup", "email_verified", "totp_enabled", "passkey_registered"):
        assert len(site.events(event, user)) == 1, event
    assert len(site.events("password_reset", user)) == 1
