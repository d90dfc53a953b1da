"""Second factors in Chromium: enrol TOTP from the page, log in with password + code, and
after "losing the phone" log in with a recovery code; step-up asks for the password again."""

from __future__ import annotations

import time

import pyotp
import pytest

from tests.browser.conftest import PASSWORD
from tests.browser.conftest import _wait_for_fill_time
from tests.browser.conftest import bar_text
from tests.browser.conftest import log_in
from tests.browser.conftest import screenshot
from tests.browser.conftest import type_like_a_person

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


def _password_step(page, username: str) -> None:
    page.goto("/login")
    type_like_a_person(page, "#f-username", username)
    type_like_a_person(page, "#f-password", PASSWORD)
    _wait_for_fill_time(page)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#second-step")


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/logout")


def test_enrol_totp_then_log_in_with_a_code_then_with_a_recovery_code(site, new_context):
    site.make_user("totp_cook")
    page = new_context(site.base).new_page()
    log_in(page, "totp_cook")

    page.goto("/account/security")
    assert page.locator("[data-totp-state]").get_attribute("data-totp-state") == "off"
    screenshot(page, "factors-01-security")
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.wait_for_selector("#totp-qr svg")
    secret = page.locator("#totp-secret").get_attribute("data-totp-secret")
    assert secret and page.locator("#totp-secret").inner_text() == secret
    screenshot(page, "factors-02-enrol")
    totp = pyotp.TOTP(secret)
    type_like_a_person(page, "#f-code", totp.now())
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_selector("#recovery-codes")
    codes = page.locator("[data-recovery-code]").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "factors-03-recovery-codes")
    page.get_by_role("link", name="I saved my codes").click()
    page.wait_for_selector("[data-totp-state=on]")
    assert site.events("totp_enabled", "totp_cook")
    _log_out(page)

    # Password, then the code of the next 30-second step (inside the ±1 window, never
    # the step used at enrolment: that one is spent).
    _password_step(page, "totp_cook")
    screenshot(page, "factors-04-second-step")
    type_like_a_person(page, "#f-code", totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("#session-bar")
    assert "Secure session active" in bar_text(page)
    _log_out(page)

    # Lost the phone: a recovery code, typed in capitals, gets in once.
    _password_step(page, "totp_cook")
    type_like_a_person(page, "#f-code", "123456")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("#f-code-error")
    screenshot(page, "factors-05-wrong-code")
    page.locator("#f-code").fill("")
    type_like_a_person(page, "#f-code", codes[0].upper())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("#session-bar")
    logins = site.events("login", "totp_cook")
    assert logins[-1].detail == {"mfa": "recovery_code"}
    assert logins[-2].detail == {"mfa": "totp"}
    page.goto("/account/security")
    assert page.locator("[data-recovery-remaining]").inner_text() == "9"


def test_reauth_page_and_the_admin_reset(site, new_context):
    site.make_user("reauth_cook")
    site.make_user("reset_boss", admin=True)
    page = new_context(site.base).new_page()
    log_in(page, "reauth_cook")
    page.goto("/reauth?next=/account/security")
    screenshot(page, "factors-06-reauth")
    type_like_a_person(page, "#f-password", PASSWORD)
    page.get_by_role("button", name="Continue", exact=True).click()
    page.wait_for_url("**/account/security")
    assert site.events("reauth", "reauth_cook")

    admin = new_context(site.base).new_page()
    log_in(admin, "reset_boss")
    admin.goto("/admin/users?q=reauth_cook")
    admin.get_by_role("link", name="reauth_cook").first.click()
    admin.wait_for_selector("#factors")
    screenshot(admin, "factors-07-admin-user")
