"""/login, /signup, /logout and the renewal of an expired page load."""

from __future__ import annotations

from html import unescape as html_unescape
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from munjigi.extensions import db
from munjigi.security.models import AuditEvent
from tests.helpers import PASSWORD
from tests.web.conftest import hidden_csrf
from tests.web.conftest import make_user
from tests.web.conftest import user_named


def test_login_page_sets_a_signed_form_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.text
    cookie = client.get_cookie("form_csrf")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"


def test_sign_up_records_consent_and_sends_to_login(app, pages):
    response = pages.signup()
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"notice": ["signed_up"], "username": ["kim_chef"]}
    user = user_named("kim_chef")
    assert user is not None and user.terms_accepted_at is not None
    page = pages.client.get(response.headers["Location"]).text
    assert "Your account is ready" in page and 'value="kim_chef"' in page


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"terms": ""}, "terms", "accept the terms"),
        ({"password_confirm": "something else entirely"}, "password_confirm", "don't match"),
        ({"password": "short", "password_confirm": "short"}, "password", "at least 15"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address"),
        ({"username": "no spaces allowed"}, "username", "letters, digits"),
    ],
)
def test_sign_up_errors_are_shown_next_to_their_field(app, pages, fields, field, text):
    response = pages.signup(**fields)
    assert response.status_code == 422
    html = response.text
    error = html.split(f'id="f-{field}-error"', 1)
    assert len(error) == 2, html
    assert text in html_unescape(error[1].split("</p>", 1)[0])
    assert user_named("kim_chef") is None


def test_sign_up_with_a_taken_name_says_so(app, pages):
    make_user("kim_chef")
    response = pages.signup()
    assert response.status_code == 400
    assert "already taken" in response.text


def test_log_in_sets_the_four_cookies_and_goes_to_next(app, pages):
    make_user("kim_chef")
    response = pages.login(next="/account")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    for name in ("access_token_cookie", "csrf_access_token", "csrf_refresh_token"):
        assert pages.client.get_cookie(name, path="/") is not None, name
    assert pages.client.get_cookie("refresh_token_cookie", path="/members/tokens") is not None
    assert pages.client.get("/account").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil", "x"])
def test_log_in_never_redirects_off_site(app, pages, target):
    make_user("kim_chef")
    response = pages.login(next=target)
    assert response.headers["Location"] == "/"


def test_wrong_password_is_shown_on_the_form(app, pages):
    make_user("kim_chef")
    response = pages.login(password="not the password at all")
    assert response.status_code == 400
    assert "Wrong username or password" in response.text
    assert 'value="kim_chef"' in response.text
    assert pages.client.get_cookie("access_token_cookie") is None


def test_login_without_the_form_token_is_refused(app, pages):
    make_user("kim_chef")
    pages.client.get("/login")
    response = pages.client.post("/login", data={"username": "kim_chef", "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.text
    assert pages.client.get_cookie("access_token_cookie") is None


def test_login_form_token_from_another_browser_is_refused(app, pages, other_browser):
    make_user("kim_chef")
    stolen = other_browser.form_token()
    pages.client.get("/login")
    response = pages.client.post(
        "/login", data={"username": "kim_chef", "password": PASSWORD, "csrf_token": stolen}
    )
    assert response.status_code == 400


def test_login_posted_from_another_site_is_refused(app, pages):
    make_user("kim_chef")
    token = pages.form_token()
    response = pages.client.post(
        "/login",
        data={"username": "kim_chef", "password": PASSWORD, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "text/html" in response.content_type
    assert pages.client.get_cookie("access_token_cookie") is None


def test_signed_in_visit_to_login_goes_on(member):
    response = member.client.get("/login?next=/account")
    assert response.status_code == 303 and response.headers["Location"] == "/account"


def test_log_out_revokes_the_session_and_clears_cookies(app, member):
    response = member.post("/logout")
    assert response.status_code == 200
    assert 'data-session-event="logout"' in response.text
    assert 'data-session="anonymous"' in response.text
    assert member.client.get_cookie("access_token_cookie") is None
    events = db.session.scalars(db.select(AuditEvent.event)).all()
    assert "logout" in events
    assert member.client.get("/account").status_code == 303


def test_an_expired_page_load_renews_first_instead_of_failing(app, member, clock):
    clock.advance(app.extensions["munjigi"].settings.access_ttl + 60)
    shell = member.client.get("/account?tab=1")
    assert shell.status_code == 200
    assert 'data-session="renew"' in shell.text
    assert 'data-next="/account?tab=1"' in shell.text
    assert shell.headers["Cache-Control"] == "no-store"
    # Without script: the shell's one button renews under the refresh cookie's path.
    renew = member.client.post(
        "/members/tokens/renew",
        data={"csrf_token": hidden_csrf(shell.text), "next": "/account?tab=1"},
    )
    assert renew.status_code == 303 and renew.headers["Location"] == "/account?tab=1"
    assert member.client.get("/account").status_code == 200


def test_renewal_without_its_csrf_value_ends_at_the_login_form(app, member, clock):
    clock.advance(app.extensions["munjigi"].settings.access_ttl + 60)
    response = member.client.post("/members/tokens/renew", data={"next": "/account"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=/account")


def test_a_revoked_session_lands_on_login_with_session_ended(app, member):
    from munjigi.security import sessions

    user = user_named("kim_chef")
    sessions.revoke_all(user.id, "test")
    db.session.commit()
    response = member.client.get("/account")
    assert response.status_code == 303
    assert "notice=ended" in response.headers["Location"]
    page = member.client.get(response.headers["Location"]).text
    assert "Your session has ended" in page


def test_terms_page_is_public(client):
    assert "Terms of use" in client.get("/terms").text
