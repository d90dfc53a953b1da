"""/account: details, sessions, password change (ends other sessions), deletion."""

from __future__ import annotations

from munjigi.security.models import Role
from tests.helpers import PASSWORD
from tests.web.conftest import user_named

NEW_PASSWORD = "a brand new passphrase for kim"


def test_account_page_shows_my_details_and_this_device(member):
    html = member.client.get("/account").text
    assert "kim_chef" in html and "kim_chef@example.com" in html
    assert "This device" in html
    assert "Secure session active" in html


def test_profile_fields_are_saved(member):
    response = member.post(
        "/account", {"display_name": "Kim", "nickname": "셰프", "bio": "찌개 전문"}
    )
    assert response.status_code == 303 and "notice=profile_saved" in response.headers["Location"]
    user = user_named("kim_chef")
    assert (user.display_name, user.nickname, user.bio) == ("Kim", "셰프", "찌개 전문")
    assert "Hello, Kim" in member.client.get("/").text


def test_the_profile_form_never_changes_the_email(member):
    # Only a link mailed to the new address does (tests/lifecycle/test_email_change.py).
    page = member.client.get("/account").text
    assert 'name="email"' not in page
    response = member.post("/account", {"email": "thief@example.com", "nickname": "x"})
    assert response.status_code == 303
    user = user_named("kim_chef")
    assert (user.email, user.email_key, user.nickname) == (
        "kim_chef@example.com",
        "kim_chef@example.com",
        "x",
    )


def test_profile_errors_are_shown_next_to_the_field(member):
    too_long = member.post("/account", {"nickname": "x", "bio": "가" * 501})
    assert too_long.status_code == 422 and 'id="f-bio-error"' in too_long.text
    assert 'value="x"' in too_long.text  # what was typed stays in the form


def test_change_password_ends_every_other_session_but_this_one(app, member, other_browser):
    assert other_browser.login().status_code == 303
    response = member.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303 and "password_changed" in response.headers["Location"]
    assert member.client.get("/account").status_code == 200
    refused = other_browser.client.get("/account")
    assert refused.status_code == 303 and "notice=ended" in refused.headers["Location"]
    assert other_browser.login(password=NEW_PASSWORD).status_code == 303


def test_change_password_needs_the_current_one(member):
    response = member.post(
        "/account/password",
        {
            "current_password": "wrong wrong wrong wrong",
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert 'id="f-current_password-error"' in response.text


def test_revoke_one_session_and_all_others(member, other_browser, app):
    assert other_browser.login().status_code == 303
    html = member.client.get("/account").text
    assert html.count("Sign out</button>") == 1  # the other device
    assert member.post("/account/sessions/revoke-others").status_code == 303
    assert other_browser.client.get("/account").status_code == 303
    assert member.client.get("/account").status_code == 200


def test_signing_out_this_session_from_the_list_logs_out(member, app):

    html = member.client.get("/account").text
    sid = html.split("/account/sessions/", 1)[1].split("/revoke", 1)[0]
    response = member.post(f"/account/sessions/{sid}/revoke")
    assert response.status_code == 303 and "notice=signed_out" in response.headers["Location"]
    assert member.client.get_cookie("access_token_cookie") is None


def test_delete_account_needs_password_and_confirmation(member):
    assert member.client.get("/account/delete").status_code == 200
    unticked = member.post("/account/delete", {"password": PASSWORD})
    assert unticked.status_code == 422 and 'id="f-understood-error"' in unticked.text
    wrong = member.post("/account/delete", {"password": "nope nope nope nope", "understood": "yes"})
    assert wrong.status_code == 422 and user_named("kim_chef") is not None
    done = member.post("/account/delete", {"password": PASSWORD, "understood": "yes"})
    assert done.status_code == 200 and "Account deleted" in done.text
    assert 'data-session-event="logout"' in done.text
    assert user_named("kim_chef") is None


def test_the_last_admin_cannot_delete_their_account(admin):
    response = admin.post("/account/delete", {"password": PASSWORD, "understood": "yes"})
    assert response.status_code == 400
    assert "only admin" in response.text
    assert user_named("boss").role == Role.ADMIN
