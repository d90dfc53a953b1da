"""The passkey pages: list, rename and remove without script; buttons on /login, the second
step and /reauth; our script only, with the CSP nonce."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.passkeys.models import Passkey
from munjigi.security import stepup
from tests.helpers import AuthActions
from tests.passkeys.authenticator import SoftAuthenticator
from tests.web.conftest import Pages
from tests.web.conftest import make_user

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36"}


@pytest.fixture
def pages(client):
    client.environ_base.update({"HTTP_USER_AGENT": BROWSER["User-Agent"]})
    return Pages(client)


@pytest.fixture
def signed_in(app, pages, client):
    """kim_chef signed in through the login page, with a fresh session and two passkeys."""
    make_user("kim_chef")
    assert pages.login().status_code == 303
    auth = AuthActions(client)
    stepup.mark_authenticated(_session_id())  # a login does this too (step-up)
    db.session.commit()
    for name in ("Phone", "Laptop"):
        options = client.post(
            "/members/passkeys/registration/options", headers=auth.csrf_headers()
        ).get_json()["options"]
        credential = SoftAuthenticator().create(options)
        created = client.post(
            "/members/passkeys",
            json={"credential": credential, "name": name},
            headers=auth.csrf_headers(),
        )
        assert created.status_code == 201, created.get_json()
    return pages


def _session_id() -> str:
    from munjigi.security.models import AuthSession

    return str(db.session.scalars(select(AuthSession.id)).one())


def passkey_ids() -> list[int]:
    return list(db.session.scalars(select(Passkey.id).order_by(Passkey.id)))


def test_the_page_lists_my_passkeys(signed_in, client):
    html = client.get("/account/passkeys").get_data(as_text=True)
    assert 'value="Phone"' in html and 'value="Laptop"' in html
    assert "Never" in html  # not used yet
    assert "Add a passkey" in html
    assert re.search(
        r'<script src="/static/js/passkeys\.js\?v=\w+" defer nonce="[^"]+"></script>', html
    )
    assert "<script>" not in html and " style=" not in html


def test_the_security_page_has_the_passkey_card(signed_in, client):
    html = client.get("/account/security").get_data(as_text=True)
    assert 'id="passkeys"' in html and 'value="Phone"' in html


def test_rename_by_form(signed_in, client):
    first = passkey_ids()[0]
    response = signed_in.post(f"/account/passkeys/{first}/name", {"name": "Old phone"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/passkeys?notice=renamed")
    assert db.session.get(Passkey, first).name == "Old phone"
    assert "Passkey renamed." in client.get("/account/passkeys?notice=renamed").get_data(
        as_text=True
    )


def test_rename_by_form_needs_the_csrf_field(signed_in, client):
    first = passkey_ids()[0]
    response = client.post(f"/account/passkeys/{first}/name", data={"name": "x"})
    assert response.status_code == 403
    assert db.session.get(Passkey, first).name == "Phone"


def test_remove_by_form_asks_to_reauthenticate_when_stale(signed_in, client, clock):
    first = passkey_ids()[0]
    clock.advance(11 * 60)
    response = signed_in.post(
        f"/account/passkeys/{first}/delete",
        headers={"Referer": "http://localhost/account/passkeys"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/reauth?next=%2Faccount%2Fpasskeys"
    assert len(passkey_ids()) == 2
    reauth = client.get("/reauth?next=/account/passkeys").get_data(as_text=True)
    assert "Confirm with a passkey" in reauth


def test_remove_by_form_when_fresh(signed_in, client):
    first, second = passkey_ids()
    response = signed_in.post(f"/account/passkeys/{first}/delete")
    assert response.headers["Location"].endswith("/account/passkeys?notice=removed")
    assert passkey_ids() == [second]


def test_someone_elses_passkey_is_gone_for_me(signed_in, client):
    response = signed_in.post("/account/passkeys/999999/delete")
    assert response.headers["Location"].endswith("notice=gone")


def test_login_page_offers_a_passkey(client, app):
    html = client.get("/login?next=/account", headers=BROWSER).get_data(as_text=True)
    assert "Sign in with a passkey" in html
    assert 'data-next="/account"' in html
    assert "js/passkeys.js" in html


def test_signed_out_visitors_are_sent_to_login(client):
    response = client.get("/account/passkeys", headers=BROWSER)
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/members/passkeys",
        "/members/passkeys/{passkey_id}",
        "/members/passkeys/registration/options",
        "/members/passkeys/login/options",
        "/members/passkeys/login",
        "/members/passkeys/second-factor/options",
        "/members/passkeys/second-factor",
        "/members/passkeys/reauth/options",
        "/members/passkeys/reauth",
    ):
        assert path in paths, path
    assert "/account/passkeys" not in paths
