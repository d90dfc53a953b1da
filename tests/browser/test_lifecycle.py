"""The account lifecycle in Chromium: sign up, verify from the mailed link, forget the
password, reset it from the mail, log in with the new one (gunicorn, outbox mail)."""

from __future__ import annotations

import re
import time
from email import message_from_bytes
from email import policy
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD
from tests.browser.conftest import _site
from tests.browser.conftest import _wait_for_fill_time
from tests.browser.conftest import screenshot
from tests.browser.conftest import sign_up
from tests.browser.conftest import type_like_a_person

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

NEW_PASSWORD = "a fresh passphrase for the stew pot"
LINK = re.compile(r"https?://[^\s]+\?token=[A-Za-z0-9_-]{43}")


@pytest.fixture(scope="module")
def strict_site(tmp_path_factory):
    """Verification required; mail goes to the development outbox (instance/outbox)."""
    yield from _site(tmp_path_factory, MUNJIGI_EMAIL_VERIFICATION_REQUIRED="true")


def mailed_link(outbox: Path, to: str, subject: str, timeout: float = 20.0) -> str:
    """The link in the newest outbox message to ``to`` with ``subject`` (waits for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml"), reverse=True):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == to and message["Subject"] == subject:
                text = message.get_body(("plain",)).get_content()
                found = LINK.search(text)
                assert found, text
                return found.group(0)
        time.sleep(0.2)  # polling the outbox, not an assertion
    raise AssertionError(f"no mail {subject!r} to {to} within {timeout} s")


def log_in_with(page, username, password):
    page.goto("/login")
    type_like_a_person(page, "#f-username", username)
    type_like_a_person(page, "#f-password", password)
    _wait_for_fill_time(page)
    page.get_by_role("button", name="Log in").click()


def test_sign_up_verify_forget_reset_and_log_in(strict_site, new_context):
    outbox = Path(strict_site.app.instance_path) / "outbox"
    address = "park_mail@example.com"
    page = new_context(strict_site.base).new_page()
    sign_up(page, "park_mail")

    log_in_with(page, "park_mail", PASSWORD)
    page.get_by_text("Verify your email first").wait_for()
    screenshot(page, "lifecycle-01-unverified")

    verify_link = mailed_link(outbox, address, "Confirm your email address")
    page.goto(verify_link)
    screenshot(page, "lifecycle-02-verify-confirm")
    page.get_by_role("button", name="Verify my email").click()
    page.get_by_text("Thank you: your address is confirmed.").wait_for()
    screenshot(page, "lifecycle-03-verified")

    log_in_with(page, "park_mail", PASSWORD)
    page.wait_for_selector("#session-bar")
    page.goto("/account/email")
    assert "Verified" in page.inner_text("main")
    screenshot(page, "lifecycle-04-account-email")
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You have signed out.").wait_for()

    page.goto("/login")
    page.get_by_role("link", name="Forgot password?").click()
    type_like_a_person(page, "#f-email", address)
    screenshot(page, "lifecycle-05-forgot")
    page.get_by_role("button", name="Send the link").click()
    page.get_by_text("Check your inbox").wait_for()
    screenshot(page, "lifecycle-06-check-inbox")

    reset_link = mailed_link(outbox, address, "Reset your password")
    page.goto(reset_link)
    type_like_a_person(page, "#f-password", NEW_PASSWORD)
    type_like_a_person(page, "#f-password_confirm", NEW_PASSWORD)
    screenshot(page, "lifecycle-07-reset")
    page.get_by_role("button", name="Save the new password").click()
    page.get_by_text("Your new password is set").wait_for()
    screenshot(page, "lifecycle-08-reset-done")

    page.goto(reset_link)  # the link was spent
    page.get_by_text("This link doesn't work any more").wait_for()
    screenshot(page, "lifecycle-09-link-spent")

    log_in_with(page, "park_mail", PASSWORD)
    page.get_by_text("Wrong username or password.").wait_for()
    log_in_with(page, "park_mail", NEW_PASSWORD)
    page.wait_for_selector("#session-bar")
    assert "Secure session active" in page.inner_text("#session-bar")
    assert strict_site.events("password_reset", "park_mail")
    assert strict_site.events("email_verified", "park_mail")
