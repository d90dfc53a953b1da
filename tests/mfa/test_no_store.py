"""SPEC §3: every response that carries tokens or personal data sends ``Cache-Control: no-store``.

One rule (security/caching.py) covers them: a response to a request with credentials or an
unsafe method, or one that sets a cookie, is never stored. A public anonymous read keeps
its own caching (the JWKS, the recipe list).
"""

from __future__ import annotations

from typing import Any

from tests.helpers import PASSWORD
from tests.helpers import AuthActions
from tests.mfa.conftest import api_challenge
from tests.mfa.conftest import api_mfa
from tests.mfa.conftest import totp_code


def no_store(response: Any, where: str) -> None:
    assert response.headers.get("Cache-Control") == "no-store", (where, response.status_code)


def test_tokens_and_personal_data_are_never_stored(app):
    auth = AuthActions(app.test_client())
    no_store(auth.signup("store_kim"), "signup")
    login = auth.login("store_kim")
    assert login.status_code == 200
    no_store(login, "POST /members/login")
    no_store(auth.client.post("/members/login", json={"username": "x", "password": "y"}), "fail")
    no_store(auth.client.get("/members/tokens", headers=auth.csrf_headers(refresh=True)), "GET")
    no_store(auth.refresh(), "POST /members/tokens")
    no_store(auth.refresh(cookies=False), "POST /members/tokens (Bearer)")
    bearer = app.test_client(use_cookies=False)
    for path in ("/members/me", "/members/sessions", "/members/passkeys", "/members/email"):
        response = bearer.get(path, headers=auth.bearer())
        assert response.status_code == 200, path
        no_store(response, path)
        no_store(auth.client.get(path), f"{path} (cookies)")
    no_store(bearer.post("/members/passkeys/login/options"), "passkey options")
    no_store(bearer.post("/members/passkeys/login", json={"credential": {}}), "passkey answer")
    no_store(auth.client.post("/members/logout", headers=auth.csrf_headers()), "logout")


def test_the_second_factor_answers_are_never_stored(app, enrolled, clock):
    client = app.test_client(use_cookies=False)
    challenge = api_challenge(client, enrolled.username)  # carries the challenge, no cookie
    no_store(client.post("/members/login", json={"username": enrolled.username}), "422")
    pending = client.post(
        "/members/login", json={"username": enrolled.username, "password": PASSWORD}
    )
    no_store(pending, "POST /members/login (second factor pending)")
    done = api_mfa(client, challenge, totp_code(enrolled.secret, clock))
    assert done.status_code == 200, done.get_json()
    no_store(done, "POST /members/login/mfa")
    no_store(api_mfa(client, challenge, "000000"), "POST /members/login/mfa (refused)")


def test_public_anonymous_reads_keep_their_own_caching(app):
    client = app.test_client(use_cookies=False)
    assert client.get("/.well-known/jwks.json").headers["Cache-Control"] == "public, max-age=300"
    listing = client.get("/posts")
    assert listing.status_code == 200 and "Cache-Control" not in listing.headers
