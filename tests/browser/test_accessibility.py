"""axe-core on every page state in Chromium: no serious or critical violation on app pages.

axe-core comes from the npm registry (site_pages.axe_source installs it with npm into
test-output/, never a CDN) and is evaluated in the page through the DevTools protocol, so
the page keeps its own Content Security Policy while it is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import site_pages
from tests.browser.conftest import Site

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

# Swagger UI is a vendored tool page, not ours to restyle; every other page is checked.
NOT_OURS = {"/api/docs"}
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' +
                                                  n.failureSummary.split('\\n')[1])}));
}"""


@pytest.fixture(scope="module")
def axe() -> str:
    try:
        return site_pages.axe_source()
    except FileNotFoundError:
        pytest.skip("the accessibility tests need npm (apt-get install -y npm)")


@pytest.fixture(scope="module")
def a11y_site(site: Site) -> Iterator[tuple[Site, list[str]]]:
    site.make_user("a11y_member")
    site.make_user("a11y_admin", admin=True)
    rows = site_pages.seed(site, "a11y_member")
    paths = [p for p in site_pages.page_paths(site, rows) if p not in NOT_OURS]
    yield site, paths


def check(page: Any, axe: str, label: str) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(axe)
    found = page.evaluate(RUN_AXE)
    return [f"{label}: {v['impact']} {v['id']} — {v['help']} {v['nodes']}" for v in found]


@pytest.mark.parametrize("role", ["anonymous", "member", "admin"])
def test_no_serious_violation_on_any_page(a11y_site, new_context, axe, role):
    site, paths = a11y_site
    if role == "anonymous":
        context = new_context(site.base)
    else:
        context = site_pages.signed_in_context(new_context, site, f"a11y_{role}")
    page = context.new_page()
    problems: list[str] = []
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("load")
        problems += check(page, axe, path)
    assert not problems, "\n".join(problems)


def test_no_serious_violation_in_error_and_warning_states(a11y_site, new_context, axe):
    site, _ = a11y_site
    anonymous = new_context(site.base).new_page()
    problems: list[str] = []
    anonymous.goto("/signup")
    anonymous.locator("#f-username").fill("a11y_newcomer")
    anonymous.locator("#f-email").fill("a11y_newcomer@example.com")
    anonymous.locator("#f-password").fill("short")
    anonymous.locator("#f-password_confirm").fill("short")
    anonymous.locator("#f-terms").check()
    anonymous.wait_for_timeout(1100)
    with anonymous.expect_navigation():  # the form's answer, not the page before it
        anonymous.locator("form button[type=submit]").last.click()
    assert anonymous.locator(".field__error").count() >= 1
    problems += check(anonymous, axe, "/signup with errors")

    member = site_pages.signed_in_context(new_context, site, "a11y_member").new_page()
    member.goto("/recipes/new")
    member.locator("#f-title").fill("접근성 점검")
    member.locator("#f-ingredient-1").fill("없는 재료")
    member.locator("#f-quantity-1").fill("-1")
    with member.expect_navigation():
        member.locator("form.recipe-form button[value=save]").last.click()
    assert member.locator(".field__error").count() >= 1  # the error state is what is checked
    problems += check(member, axe, "/recipes/new with errors")
    # The session bar's other states: warning, ended (set as the session manager sets them).
    for state in ("warning", "ended", "offline", "renewing"):
        member.evaluate(
            "(s) => document.getElementById('session-bar').setAttribute('data-state', s)", state
        )
        problems += check(member, axe, f"session bar {state}")
    assert not problems, "\n".join(problems)


def test_the_countdown_is_not_announced_every_second(a11y_site, new_context):
    site, _ = a11y_site
    page = site_pages.signed_in_context(new_context, site, "a11y_member").new_page()
    page.goto("/")
    live = page.evaluate(
        """() => [...document.querySelectorAll('[aria-live], [role=status], [role=timer]')]
              .filter((el) => el.closest('#session-bar'))
              .map((el) => el.getAttribute('data-role') || el.className)"""
    )
    assert live == ["announce"]  # only the hidden status line, never the ticking clock
    before = page.inner_text("[data-role=time]")
    page.wait_for_timeout(1500)
    assert page.inner_text("[data-role=time]") != before  # the clock still runs
    assert page.inner_text("[data-role=announce]") == ""  # and nothing was announced
