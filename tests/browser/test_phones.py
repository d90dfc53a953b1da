"""No page scrolls sideways on a phone (360 and 390 px wide): signed out, member and admin.

Every page comes from the app's routes (site_pages.page_paths), so a new page is measured
without being listed here. With ``MUNJIGI_SCREENSHOTS=1`` each page is also saved at
390×844 and 1280×800 under test-output/screenshots/pages/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import site_pages
from tests.browser.conftest import SCREENSHOTS
from tests.browser.conftest import Site

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

# The element that sticks out furthest, to name in a failure.
WIDEST = """() => {
  const width = window.innerWidth;
  let worst = null;
  const hidden = (el) => {
    // Inside a visually hidden box (1 px, clipped): drawn nowhere, so it cannot stick out.
    for (let up = el; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.clipPath !== 'none' || style.clip !== 'auto' || style.display === 'none') {
        return true;
      }
    }
    return false;
  };
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    // Text that overflows its box (a long URL) widens the page without widening the box;
    // inputs scroll their text inside, and SVG text has no scroll box of its own.
    const own = ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
    const spills = !(el instanceof SVGElement) && !own && box.right <= width
      && getComputedStyle(el).overflowX === 'visible';
    const right = spills ? Math.max(box.right, box.left + el.scrollWidth) : box.right;
    if (right > width + 0.5 && hidden(el)) continue;
    if (box.width && right > width + 0.5 && (!worst || right > worst.right)) {
      worst = {right: Math.round(right), tag: el.tagName.toLowerCase(),
               cls: String(el.className && el.className.baseVal !== undefined
                           ? el.className.baseVal : el.className)};
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, worst};
}"""


# Pages drawn by someone else's stylesheet (Swagger UI): only the page itself must fit.
OTHERS = {"/api/docs"}


@pytest.fixture(scope="module")
def phone_site(site: Site) -> Iterator[tuple[Site, list[str]]]:
    site.make_user("phone_member")
    site.make_user("phone_admin", admin=True)
    rows = site_pages.seed(site, "phone_member")
    yield site, site_pages.page_paths(site, rows)


def _context(new_context: Any, site: Site, role: str, width: int, height: int) -> Any:
    viewport = {"viewport": {"width": width, "height": height}}
    if role == "anonymous":
        return new_context(site.base, **viewport)
    username = "phone_admin" if role == "admin" else "phone_member"
    return site_pages.signed_in_context(new_context, site, username, **viewport)


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("role", ["anonymous", "member", "admin"])
def test_no_page_scrolls_sideways_on_a_phone(phone_site, new_context, role, width):
    site, paths = phone_site
    page = _context(new_context, site, role, width, 844).new_page()
    wide = []
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("load")
        found = page.evaluate(WIDEST)
        # Nothing may stick out, not even inside a scroll box: tables stack on phones.
        if found["scroll"] > found["width"] or (found["worst"] and path not in OTHERS):
            wide.append(f"{path}: {found['scroll']} px ({found['worst']})")
    assert not wide, f"{role} at {width} px scrolls sideways on:\n" + "\n".join(wide)


@pytest.mark.screenshots  # collected only with MUNJIGI_SCREENSHOTS=1 (tests/browser/conftest.py)
@pytest.mark.parametrize("size", [(390, 844), (1280, 800)])
@pytest.mark.parametrize("role", ["anonymous", "member", "admin"])
def test_screenshots_of_every_page(phone_site, new_context, role, size):
    site, paths = phone_site
    width, height = size
    page = _context(new_context, site, role, width, height).new_page()
    folder = SCREENSHOTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("load")
        name = path.strip("/").replace("/", "_") or "home"
        page.screenshot(path=str(folder / f"{role}-{width}-{name}.png"), full_page=True)
