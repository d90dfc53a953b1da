"""A newcomer's first minutes in Chromium: passkeys on an IP address, recovery codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.browser import site_pages
from tests.browser.conftest import Site
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


def test_a_passkey_page_on_an_ip_address_says_why_passkeys_are_unavailable(
    site: Site, new_context: Any
) -> None:
    site.make_user("ip_newcomer")
    assert re.match(r"http://127\.0\.0\.1:\d+", site.base)  # the site is opened by IP
    page = site_pages.signed_in_context(new_context, site, "ip_newcomer").new_page()
    page.goto("/account/passkeys")
    status = page.locator("#passkeys [data-passkey-status]")
    status.wait_for()
    text = status.inner_text()
    assert "IP address" in text and "http://localhost:" in text
    assert page.locator("#passkeys [data-passkey-action]").is_disabled()
    assert page.locator("h1", has_text="Passkeys").count() == 1
    assert page.locator("h2", has_text="Passkeys").count() == 0  # not said twice


def test_recovery_codes_can_be_copied_printed_and_downloaded(site: Site, new_context: Any) -> None:
    site.make_user("codes_newcomer")
    localhost = site.base.replace("127.0.0.1", "localhost")
    context = new_context(localhost, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, "codes_newcomer")
    page.goto("/account/security/totp")
    secret = page.locator("#totp-secret").get_attribute("data-totp-secret")
    page.locator("#f-code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_selector("#recovery-codes")
    codes = page.locator("[data-recovery-code]").all_inner_texts()
    page.get_by_role("button", name="Copy").click()
    page.locator("[data-recovery-status]", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()").split() == codes
    assert page.get_by_role("button", name="Print").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (.txt)").click()
    assert download.value.suggested_filename == "munjigi-recovery-codes.txt"
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert all(code in saved.splitlines() for code in codes)
