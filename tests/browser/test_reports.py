"""Reports in a real browser (Chromium) against gunicorn: the dashboards draw their charts,
"Download PDF" fetches the file with the X-CSRF-TOKEN header and saves it without a reload,
and the same request without the header is refused (the seeds' "401 — Missing CSRF token").
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from munjigi.extensions import db
from tests.browser.conftest import SCREENSHOTS
from tests.browser.conftest import log_in
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
EXPECT_MS = 30_000


def seed_demo(site) -> None:
    """What `flask munjigi seed-demo` loads: the catalogue and hankki_demo's recipes."""
    from munjigi.recipes import demo

    with site.app.app_context():
        demo.seed("demo password for the browser test")
        db.session.remove()


def add_attacks(site) -> None:
    from munjigi.security.models import AuditEvent

    now = datetime.now(UTC)
    rows = [
        {
            "event": "login_failed",
            "outcome": "failed",
            "at": now - timedelta(hours=h),
            "ip": "203.0.113.9",
            "reason": "=cmd",
        }
        for h in range(1, 9)
    ]
    rows += [
        {
            "event": "rate_limited",
            "outcome": "blocked",
            "at": now - timedelta(hours=2, minutes=m),
            "ip": "198.51.100.7",
        }
        for m in range(3)
    ]
    with site.app.app_context():
        db.session.execute(db.insert(AuditEvent), rows)
        db.session.commit()
        db.session.remove()


def render_pdf(body: bytes, name: str) -> None:
    """Keep the PDF and its pages as PNG next to the screenshots (look at them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.pdf"
    path.write_bytes(body)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(path), str(SCREENSHOTS / name)],
            check=True,
            timeout=120,
        )


def click_download(page, button_name: str, url_part: str):
    """Click a report button; return (the request the script sent, the saved file's bytes)."""
    with page.expect_request(lambda r: url_part in r.url, timeout=EXPECT_MS) as sent:
        with page.expect_download(timeout=EXPECT_MS) as saved:
            page.get_by_role("button", name=button_name).click()
    return sent.value, Path(saved.value.path()).read_bytes(), saved.value.suggested_filename


def csrf_cookie(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "csrf_access_token")


def test_a_new_member_sees_real_charts_and_downloads_the_pdf_with_the_csrf_header(
    site, new_context
):
    seed_demo(site)
    site.make_user("report_reader")
    context = new_context(site.base)
    page = context.new_page()
    log_in(page, "report_reader")
    page.wait_for_selector("svg.chart--hbar")
    main = page.inner_text("main")
    assert "You have no recipes yet" in main and "제육볶음" in main  # the demo's recipes
    assert page.locator("svg.chart").count() >= 2
    screenshot(page, "reports-01-member-dashboard")
    url_before = page.url

    request, body, filename = click_download(page, "Download PDF", "/reports/dashboard.pdf")
    assert request.method == "POST"
    assert request.header_value("x-csrf-token") == csrf_cookie(context)
    assert filename.startswith("munjigi-recipes-") and filename.endswith(".pdf")
    reader = PdfReader(io.BytesIO(body))
    # Sections flow on below the title while there is room (the page count follows the data).
    texts = [pdf_page.extract_text() for pdf_page in reader.pages]
    assert len(texts) >= 2
    assert "Recipe cost report" in texts[0] and "report_reader (member)" in texts[0]
    assert "제육볶음" in "".join(texts[1:]) or "제육볶음" in texts[0]
    page.get_by_text("Downloaded munjigi-recipes-").wait_for(timeout=EXPECT_MS)
    assert page.url == url_before  # no reload, no navigation
    render_pdf(body, "reports-member-pdf")

    # The same request from the page without the header is refused, GET and POST alike.
    for method in ("POST", "GET"):
        status = page.evaluate(
            "m => fetch('/reports/dashboard.pdf', {method: m, credentials: 'same-origin'})"
            ".then(r => r.status)",
            method,
        )
        assert status == 403, method
    code = page.evaluate(
        "fetch('/reports/dashboard.pdf', {method: 'POST'}).then(r => r.json()).then(b => b.code)"
    )
    assert code == "csrf_failed"


def test_the_admin_dashboard_downloads_its_pdf_and_csv(site, new_context):
    site.make_user("report_boss", admin=True)
    add_attacks(site)
    context = new_context(site.base)
    page = context.new_page()
    log_in(page, "report_boss", next_path="/admin/security?range=24h")
    page.wait_for_selector("svg.chart--lines")
    assert "Security dashboard" in page.inner_text("h1")
    assert "203.0.113.9" in page.inner_text("main")
    screenshot(page, "reports-02-security-dashboard")

    request, body, _ = click_download(page, "Download PDF", "/reports/security.pdf")
    assert request.header_value("x-csrf-token") == csrf_cookie(context)
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 4 and "Security report" in reader.pages[0].extract_text()
    render_pdf(body, "reports-security-pdf")

    request, body, filename = click_download(page, "Download CSV", "/reports/audit.csv")
    assert request.header_value("x-csrf-token") == csrf_cookie(context)
    assert filename.startswith("munjigi-audit-24h-")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "id"
    assert "'=cmd" in {r[8] for r in rows[1:]}  # the formula arrived as text

    # A number links to the audit log filtered to the rows it counts.
    page.locator("a.metric--logins_failed").click()
    page.wait_for_url("**/admin/audit?**")
    assert page.locator("table tbody tr").count() >= 8
    screenshot(page, "reports-03-audit-filtered")
