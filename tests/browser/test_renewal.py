"""Silent renewal with short-lived access tokens (8 s): two tabs, one refresh per expiry;
an idle tab warns, then signs out."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.browser.conftest import Site
from tests.browser.conftest import _site
from tests.browser.conftest import bar_text
from tests.browser.conftest import log_in
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

TTL = 8


@pytest.fixture(scope="module")
def short_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from _site(tmp_path_factory, MUNJIGI_ACCESS_TTL=str(TTL))


def _work(page, seconds: float) -> None:
    """A person moving the mouse now and then for ``seconds``."""
    deadline = time.monotonic() + seconds
    x = 100
    while time.monotonic() < deadline:
        x = 100 + (x + 37) % 400
        page.mouse.move(x, 300)
        page.wait_for_timeout(400)


def test_two_tabs_renew_silently_with_one_refresh_per_expiry(short_site, new_context):
    short_site.make_user("busy_cook")
    context = new_context(short_site.base)
    first = context.new_page()
    log_in(first, "busy_cook")
    second = context.new_page()
    second.goto("/account")
    started = time.monotonic()
    _work(first, 2.5 * TTL)  # each tab alone would have refreshed at least twice
    elapsed = time.monotonic() - started
    refreshes = short_site.events("refresh", "busy_cook")
    times = [event.at.timestamp() for event in refreshes]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # One refresh per access lifetime (renewed 2 s before expiry), never two at once.
    assert int(elapsed // TTL) <= len(refreshes) <= int(elapsed // (TTL - 2)) + 1, times
    assert all(gap >= TTL - 3 for gap in gaps), gaps
    assert not short_site.events("refresh_reused", "busy_cook")
    for page in (first, second):
        assert "Secure session active" in bar_text(page)
        status = page.evaluate(
            "fetch('/members/me', {credentials: 'same-origin'}).then(r => r.status)"
        )
        assert status == 200
    # A form posted after several renewals carries the current CSRF value.
    second.fill("#f-nickname", "바쁜 요리사")
    second.get_by_role("button", name="Save changes").click()
    assert "Your details were saved" in second.inner_text("main")


def test_an_idle_tab_warns_then_signs_out(short_site, new_context):
    short_site.make_user("dreamer")
    context = new_context(short_site.base)
    page = context.new_page()
    log_in(page, "dreamer")
    # Generous waits: timers and the logout request slow down on a loaded CI machine; the
    # assertions below (text, exactly one logout event) are what prove the idle rule.
    page.wait_for_selector("#session-bar[data-state=warning]", timeout=TTL * 3 * 1000)
    assert "You'll be signed out in" in bar_text(page)
    screenshot(page, "22-idle-warning")
    page.get_by_role("button", name="Stay signed in").click()
    page.wait_for_selector("#session-bar[data-state=active]")
    assert len(short_site.events("refresh", "dreamer")) == 1
    # Idle again: this time nobody answers, and the tab signs out before the token ends.
    page.wait_for_selector("#session-bar[data-state=ended]", timeout=TTL * 3 * 1000)
    assert "Session ended — log in again" in bar_text(page)
    assert "without activity" in bar_text(page)
    screenshot(page, "23-idle-signed-out")
    assert len(short_site.events("logout", "dreamer")) == 1
    page.goto("/account")
    assert "/login" in page.url
