"""Browser tests: Debian's Chromium driven by Playwright against a real gunicorn on loopback.

They skip, with the reason, when ``/usr/bin/chromium`` or the ``playwright`` package is
missing (``MUNJIGI_REQUIRE_ALL=1`` turns that into a failure). Never ``playwright
install``: the browser is the system's. Each server gets its own migrated SQLite file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from munjigi import create_app
from munjigi.config import Settings
from munjigi.extensions import db
from tests.integration.live import LiveServer
from tests.integration.live import gunicorn
from tests.integration.live import server_env

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A person's browser: the headless build announces itself as "HeadlessChrome", which the
# anti-bot layer rightly refuses on pages.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PASSWORD = "correct horse battery staple"
# The protection layer stays on, as a person meets it (anti-bot fields, the sign-up proof of
# work solved by the page's script); one IP (127.0.0.1) plays every user, so the per-IP
# limits get room.
GENEROUS_LIMITS = {
    "MUNJIGI_RATELIMIT_ENABLED": "true",
    "MUNJIGI_ANTIBOT_ENABLED": "true",
    "MUNJIGI_RATELIMIT_PAGE": "1000/minute",
    "MUNJIGI_RATELIMIT_USER_PAGE": "1000/minute",
    "MUNJIGI_RATELIMIT_LOGIN": "1000/minute",
    "MUNJIGI_RATELIMIT_SIGNUP": "1000/minute",
    "MUNJIGI_RATELIMIT_REFRESH": "1000/minute",
    "MUNJIGI_RATELIMIT_USER_REFRESH": "1000/minute",
    "MUNJIGI_RATELIMIT_WRITE": "1000/minute",
    "MUNJIGI_RATELIMIT_USER_WRITE": "1000/minute",
    "MUNJIGI_RATELIMIT_READ": "1000/minute",
    "MUNJIGI_RATELIMIT_USER_READ": "1000/minute",
    # Limits are shared by the server's workers now (each gets 1/N), and every test's
    # downloads come from the one IP.
    "MUNJIGI_RATELIMIT_REPORT": "1000/minute",
    "MUNJIGI_RATELIMIT_USER_REPORT": "1000/minute",
    "MUNJIGI_ANTIBOT_SUSPICIOUS_SIGNUPS": "1000",
    "MUNJIGI_ANTIBOT_MIN_FILL_TIME": "1",
}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


def _playwright() -> Any:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright package (pip install playwright)")
    return sync_playwright


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_playwright = _playwright()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Site:
    """A running Munjigi (gunicorn, SQLite) and direct access to its database."""

    def __init__(self, server: LiveServer, url: str, instance: Path, secret: str) -> None:
        self.server = server
        self.base = server.base
        self.app = create_app(
            Settings.for_testing(database_url=url, instance_path=str(instance), secret_key=secret)
        )

    def make_user(self, username: str, *, admin: bool = False) -> None:
        from munjigi.auth import services
        from munjigi.security.models import Role

        with self.app.app_context():
            role = Role.ADMIN if admin else Role.MEMBER
            services.create_user(username, PASSWORD, f"{username}@example.com", role=role)
            db.session.remove()

    def events(self, event: str, username: str | None = None) -> list[Any]:
        from sqlalchemy import select

        from munjigi.security.models import AuditEvent
        from munjigi.security.models import User

        with self.app.app_context():
            stmt = select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)
            if username is not None:
                user_id = db.session.scalar(select(User.id).where(User.username == username))
                stmt = stmt.where(AuditEvent.user_id == user_id)
            found = list(db.session.scalars(stmt))
            db.session.remove()
            return found


def _site(tmp_path_factory: pytest.TempPathFactory, **extra: str) -> Iterator[Site]:
    _playwright()  # skip before starting anything
    root = tmp_path_factory.mktemp("browser-site")
    url = f"sqlite:///{root / 'munjigi.sqlite'}"
    secret = secrets.token_urlsafe(48)
    app = create_app(
        Settings.for_testing(database_url=url, instance_path=str(root), secret_key=secret)
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    env = server_env(url, root, secret, **GENEROUS_LIMITS, **extra)
    with gunicorn(env, workers=2, threads=2) as server:
        site = Site(server, url, root, secret)
        yield site
        with site.app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The default server: 30-minute access tokens, a hand-off secret."""
    yield from _site(
        tmp_path_factory,
        MUNJIGI_HANDOFF_SECRET=HANDOFF_SECRET,
        MUNJIGI_HANDOFF_CREATE_USERS="true",
    )


HANDOFF_SECRET = "wordpress-and-munjigi-share-this-32-byte-secret"


@pytest.fixture
def new_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open isolated browser profiles (each is one "device"); all are closed afterwards."""
    opened: list[Any] = []

    def open_context(base_url: str, **options: Any) -> Any:
        options.setdefault("viewport", {"width": 1200, "height": 800})
        context = browser.new_context(base_url=base_url, user_agent=USER_AGENT, **options)
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Save the whole page as test-output/screenshots/<name>.png (look at them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def type_like_a_person(page: Any, selector: str, text: str) -> None:
    page.locator(selector).click()
    page.locator(selector).press_sequentially(text, delay=5)


def sign_up(page: Any, username: str, shot: str | None = None) -> None:
    page.goto("/signup")
    type_like_a_person(page, "#f-username", username)
    type_like_a_person(page, "#f-email", f"{username}@example.com")
    type_like_a_person(page, "#f-password", PASSWORD)
    type_like_a_person(page, "#f-password_confirm", PASSWORD)
    page.locator("#f-terms").check()
    if shot:
        screenshot(page, shot)
    _wait_for_fill_time(page)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/login?**")


def log_in(page: Any, username: str, next_path: str | None = None) -> None:
    page.goto("/login" + (f"?next={next_path}" if next_path else ""))
    type_like_a_person(page, "#f-username", username)
    type_like_a_person(page, "#f-password", PASSWORD)
    _wait_for_fill_time(page)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#session-bar")


def _wait_for_fill_time(page: Any) -> None:
    # The anti-bot layer refuses forms posted faster than a person could fill them.
    shown = page.evaluate("performance.timing.responseEnd")
    elapsed = page.evaluate("Date.now()") - shown
    if elapsed < 1100:
        page.wait_for_timeout(1100 - elapsed)


def bar_text(page: Any) -> str:
    return str(page.locator("#session-bar").inner_text())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Screenshots are a tool for looking at the pages, not a check: without
    ``MUNJIGI_SCREENSHOTS=1`` they are deselected (not skipped, which CI forbids)."""
    if os.environ.get("MUNJIGI_SCREENSHOTS"):
        return
    dropped = [item for item in items if item.get_closest_marker("screenshots")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("screenshots")]
