"""SPEC §6: the CSP has no 'unsafe-inline' anywhere, and no page needs it.

Every GET route without arguments (and the pages of one user) is rendered, signed out and
as an admin, with the anti-bot fields on (the honeypot used to carry a ``style=``):
no element has a ``style`` attribute and every ``<style>`` / ``<script>`` block carries
this response's nonce.
"""

from __future__ import annotations

import re

import pytest

from tests.protection.conftest import BROWSER_UA
from tests.web.conftest import make_user

STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
INLINE_BLOCK = re.compile(r"<(style|script)\b([^>]*)>", re.IGNORECASE)
HTML = {"Accept": "text/html", "User-Agent": BROWSER_UA}


def html_pages(app, client, paths):
    for path in paths:
        response = client.get(path, headers=HTML, follow_redirects=True)
        if response.mimetype == "text/html":
            yield path, response


def check(path, response):
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp, path
    style_src = next(p.strip() for p in csp.split(";") if p.strip().startswith("style-src"))
    nonce = re.search(r"'nonce-([^']+)'", style_src).group(1)
    html = response.get_data(as_text=True)
    assert not STYLE_ATTR.search(html), (path, STYLE_ATTR.search(html).group(0))
    for kind, attributes in INLINE_BLOCK.findall(html):
        if kind.lower() == "script" and "src=" in attributes:
            continue
        assert f'nonce="{nonce}"' in attributes, (path, kind, attributes)


@pytest.mark.parametrize(
    "settings_overrides", [{"antibot_enabled": True}, {}], ids=["signed-out-antibot", "admin"]
)
def test_no_page_has_inline_style_and_the_csp_forbids_it(app, request, settings_overrides):
    # The page login of the admin fixture is itself refused as a bot with anti-bot on.
    admin = None if settings_overrides else request.getfixturevalue("admin")
    lee = make_user("lee_csp")
    paths = sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ()) and not rule.arguments
        }
        | {f"/admin/users/{lee.id}", f"/admin/users/{lee.id}/delete"}
    )
    checked = set()
    for who in (app.test_client(), *([admin.client] if admin else [])):
        for path, response in html_pages(app, who, paths):
            check(path, response)
            checked.add(path)
    assert {"/login", "/signup", "/api/docs"} <= checked
    if admin:
        assert {"/account", "/admin/audit", f"/admin/users/{lee.id}"} <= checked
    else:
        signup = app.test_client().get("/signup", headers=HTML).get_data(as_text=True)
        assert 'class="antibot-trap"' in signup  # the trap is there, styled by the stylesheet
