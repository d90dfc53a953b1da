"""What every page must do: CSRF on each form, 403 pages for members, no inline script."""

from __future__ import annotations

import re

import pytest

from munjigi.security.models import Role
from tests.helpers import PASSWORD
from tests.web.conftest import make_user
from tests.web.conftest import user_named

# Every state-changing page form, with a body that would succeed with its CSRF value.
MEMBER_FORMS = [
    ("/account", {"nickname": "changed"}),
    (
        "/account/password",
        {"current_password": PASSWORD, "new_password": "x" * 20, "new_password_confirm": "x" * 20},
    ),
    ("/account/sessions/revoke-others", {}),
    ("/account/delete", {"password": PASSWORD, "understood": "yes"}),
    ("/logout", {}),
]
ADMIN_FORMS = [
    ("/admin/users/{id}/role", {"role": "admin"}),
    ("/admin/users/{id}/lock", {}),
    ("/admin/users/{id}/unlock", {}),
    ("/admin/users/{id}/delete", {"confirm": "lee"}),
]
ADMIN_PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users/{id}",
    "/admin/users/{id}/delete",
    "/admin/audit",
]
MEMBER_PAGES = ["/", "/account", "/account/delete"]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(("path", "body"), MEMBER_FORMS)
@pytest.mark.parametrize("csrf", ["missing", "wrong"])
def test_every_member_form_needs_the_csrf_value(member, path, body, csrf):
    data = dict(body)
    if csrf == "wrong":
        data["csrf_token"] = "not-the-value"
    response = member.client.post(path, data=data)
    assert response.status_code == 403
    assert "text/html" in response.content_type
    assert "This form has expired" in response.text
    user = user_named("kim_chef")
    assert user is not None and user.nickname is None
    assert member.client.get("/account").status_code == 200  # still signed in


@pytest.mark.parametrize(("path", "body"), ADMIN_FORMS)
def test_every_admin_form_needs_the_csrf_value(admin, path, body):
    lee = make_user("lee")
    response = admin.client.post(path.format(id=lee.id), data=body)
    assert response.status_code == 403
    lee = user_named("lee")
    assert lee is not None and lee.role == Role.MEMBER and lee.status == "active"


def test_a_form_posted_from_another_site_is_refused(member):
    response = member.post(
        "/account", {"nickname": "x"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert user_named("kim_chef").nickname is None


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_members_get_a_403_page_on_admin_pages(member, path):
    lee = make_user("lee")
    response = member.client.get(path.format(id=lee.id))
    assert response.status_code == 403
    assert "text/html" in response.content_type
    assert "You don't have access" in response.text
    assert "Secure session active" in response.text  # still a normal page, with the bar


@pytest.mark.parametrize(("path", "body"), ADMIN_FORMS)
def test_members_cannot_use_admin_forms(member, path, body):
    lee = make_user("lee")
    response = member.post(path.format(id=lee.id), body)
    assert response.status_code == 403
    assert user_named("lee").role == Role.MEMBER


@pytest.mark.parametrize("path", MEMBER_PAGES + ADMIN_PAGES)
def test_signed_out_visitors_are_sent_to_login_with_next(client, path):
    target = path.format(id=1)
    response = client.get(target)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")


def test_signed_out_form_posts_go_to_login_not_a_crash(client):
    response = client.post("/account", data={"email": "x@example.com"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")


def test_api_errors_stay_json_and_page_errors_are_html(client):
    api = client.get("/members/nothing/here")
    assert api.status_code == 404 and api.is_json
    page = client.get("/no/such/page", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 404 and "Page not found" in page.text
    assert client.get("/no/such/page").is_json  # no preference (curl, API clients): JSON
    wants_json = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert wants_json.is_json and wants_json.get_json()["code"] == "not_found"
    assert client.put("/").status_code == 405


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def test_no_page_needs_unsafe_inline(app, client, admin):
    """A strict CSP (no 'unsafe-inline') must not break any page: all script is in files."""
    lee = make_user("lee")
    paths = MEMBER_PAGES + [p.format(id=lee.id) for p in ADMIN_PAGES] + ["/terms"]
    anonymous = app.test_client()
    pages = [admin.client.get(p, follow_redirects=True).text for p in paths]
    pages += [anonymous.get(p).text for p in ("/login", "/signup", "/terms")]
    for html in pages:
        assert not _INLINE_SCRIPT.search(html)
        assert not _INLINE_HANDLER.search(html)
        assert not _STYLE_ATTR.search(html)
        assert "/static/js/session.js" in html


def test_static_assets_are_served_by_the_app(client):
    html = client.get("/login").text
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()


def test_no_dead_link_on_any_page(app, admin):
    """Every local link on every page answers (a person can reach all of it from the layout)."""
    lee = make_user("lee")
    todo = ["/", "/account", f"/admin/users/{lee.id}", "/admin/audit", "/admin/users?q=le"]
    seen: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen or path.startswith(("/static/", "/api/docs")):
            continue
        seen.add(path)
        response = admin.client.get(path)
        assert response.status_code < 400, path
        hrefs = re.findall(r'href="(/[^"#]*)', response.text)
        todo.extend(h.replace("&amp;", "&") for h in hrefs if h != "/logout")
    assert {"/terms", "/account/delete", "/admin/users"} <= seen
    anonymous = app.test_client()
    for path in ("/login", "/signup", "/terms"):
        for href in re.findall(r'href="(/[^"#]*)', anonymous.get(path).text):
            if not href.startswith(("/static/", "/api/docs")):
                assert anonymous.get(href.replace("&amp;", "&")).status_code < 400, href
    docs = anonymous.get("/api/docs")
    assert docs.status_code == 200
