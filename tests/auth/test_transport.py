"""Where tokens travel (SPEC §3): the protected-path matrix, CSRF and Origin rules, cookies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.security import sessions
from munjigi.security import tokens as token_core
from tests.helpers import PASSWORD

ACCESS_TTL = 60
REFRESH_TTL = 600
LEEWAY = 5

ACCESS_PATHS = [
    ("GET", "/members/me"),
    ("GET", "/members/sessions"),
    ("POST", "/members/logout"),
    ("DELETE", "/members/sessions"),
    ("DELETE", "/members/sessions/{sid}"),
    ("DELETE", "/members/{user_id}"),
]
REFRESH_PATHS = [("GET", "/members/tokens"), ("POST", "/members/tokens")]
ALL_PATHS = ACCESS_PATHS + REFRESH_PATHS
COOKIES = ("access_token_cookie", "csrf_access_token", "refresh_token_cookie", "csrf_refresh_token")
EVIL = "https://evil.example"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"access_ttl": ACCESS_TTL, "refresh_ttl": REFRESH_TTL, "token_leeway": LEEWAY}


@pytest.fixture
def bare(app):
    """A client without a cookie jar: every credential is sent explicitly."""
    return app.test_client(use_cookies=False)


def join(client, username: str = "kim_chef") -> dict[str, Any]:
    created = client.post(
        "/members/forms",
        json={"username": username, "password": PASSWORD, "email": f"{username}@example.com"},
    )
    assert created.status_code == 200, created.get_json()
    response = client.post("/members/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def assert_failed(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["result"] == "failed"
    assert body["code"] == code
    assert body["message"]


def url(path: str, login: dict[str, Any]) -> str:
    return path.format(sid=login["session_id"], user_id=login["user_id"])


def send(client, method, path, *, bearer=None, cookies=None, headers=None, **kwargs):
    """One request with exactly the credentials given."""
    sent = dict(headers or {})
    if bearer is not None:
        sent["Authorization"] = f"Bearer {bearer}"
    if cookies:
        sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return client.open(path, method=method, headers=sent, **kwargs)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def forge(header: dict[str, Any], claims: dict[str, Any], sign=None) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{b64(signature)}"


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of one of our tokens, read in the test only."""
    header, payload, _ = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload))


def make_token(app, client, case: str, token: str) -> str:
    """A variant of ``token`` that must be refused for reason ``case``."""
    header, claims = parts(token)
    if case == "tampered":
        # Our header and signature around an edited payload.
        signed_header, _, signature = token.split(".")
        changed = {**claims, "role": "admin", "exp": claims["exp"] + 3600}
        return f"{signed_header}.{b64(json.dumps(changed).encode())}.{signature}"
    if case == "alg_none":
        return forge({"alg": "none", "typ": "JWT", "kid": header["kid"]}, claims)
    if case in ("foreign_key", "unknown_kid"):
        # Another deployment's key: same claims, signed by a key we never issued.
        other = ed25519.Ed25519PrivateKey.generate()
        kid = header["kid"] if case == "foreign_key" else "another-deployment"
        return forge({"alg": "EdDSA", "typ": "JWT", "kid": kid}, claims, other.sign)
    if case == "hs256_public_key":
        # Algorithm confusion: HMAC keyed with our own published public key.
        jwk = client.get("/.well-known/jwks.json").get_json()["keys"][0]
        public = ed25519.Ed25519PublicKey.from_public_bytes(unb64(jwk["x"]))
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return forge(
            {"alg": "HS256", "typ": "JWT", "kid": header["kid"]},
            claims,
            lambda data: hmac.new(pem, data, hashlib.sha256).digest(),
        )
    if case == "other_audience":
        # Signed by our key, but for another service.
        key = app.extensions["munjigi"].keys.signing_key(db.session)
        return token_core.encode({**claims, "aud": "another-service"}, key)
    if case == "garbage":
        return "not-a-jwt"
    raise AssertionError(case)


EXPECTED = {
    "valid": (200, None),
    "missing": (401, "token_missing"),
    "expired": (401, "token_expired"),
    "wrong_type": (401, "wrong_token_type"),
    "revoked": (401, "session_revoked"),
    "tampered": (401, "token_invalid"),
    "alg_none": (401, "token_invalid"),
    "foreign_key": (401, "token_invalid"),
    "unknown_kid": (401, "token_invalid"),
    "hs256_public_key": (401, "token_invalid"),
    "other_audience": (401, "token_invalid"),
    "garbage": (401, "token_invalid"),
    "no_csrf": (403, "csrf_failed"),
    "wrong_csrf": (403, "csrf_failed"),
    "other_csrf": (403, "csrf_failed"),
}
FORGED = ["tampered", "alg_none", "foreign_key", "unknown_kid", "hs256_public_key"]
FORGED += ["other_audience", "garbage"]
# Cases that leave the session usable, checked first on one login.
HARMLESS = ["missing", "wrong_type", *FORGED]


def check(response, case: str, where: str) -> None:
    status, code = EXPECTED[case]
    label = f"{where} [{case}]"
    assert response.status_code == status, f"{label}: {response.get_data(as_text=True)}"
    assert response.mimetype == "application/json", label
    body = response.get_json()
    if code is None:
        assert body["result"] == "success", label
    else:
        assert (body["result"], body["code"]) == ("failed", code), label
        assert body["message"], label


def token_type_of(path: str) -> str:
    return "refresh" if path == "/members/tokens" else "access"


class Matrix:
    """Presents one credential per case to one protected path, by bearer or by cookie."""

    def __init__(self, app, client, clock, method: str, path: str, transport: str) -> None:
        self.app, self.client, self.clock = app, client, clock
        self.method, self.path, self.transport = method, path, transport
        self.token_type = token_type_of(path)
        self.where = f"{transport} {method} {path}"

    def login(self) -> dict[str, Any]:
        response = self.client.post(
            "/members/login", json={"username": "kim_chef", "password": PASSWORD}
        )
        assert response.status_code == 200
        return response.get_json()

    def token(self, login: dict[str, Any], case: str) -> str | None:
        wanted = f"{self.token_type}_token"
        if case == "missing":
            return None
        if case == "wrong_type":
            return login["access_token" if self.token_type == "refresh" else "refresh_token"]
        if case in FORGED:
            return make_token(self.app, self.client, case, login[wanted])
        return login[wanted]  # the right token: the session, the clock or the CSRF is wrong

    def attempt(self, login: dict[str, Any], case: str) -> None:
        token = self.token(login, case)
        target = url(self.path, login)
        if self.transport == "bearer":
            response = send(self.client, self.method, target, bearer=token)
        else:
            if self.token_type == "refresh":
                name, csrf, other = "refresh_token_cookie", "csrf_refresh_token", "csrf_token"
            else:
                name, csrf, other = "access_token_cookie", "csrf_token", "csrf_refresh_token"
            cookies = {} if token is None else {name: token}
            presented = {"no_csrf": None, "wrong_csrf": "forged", "other_csrf": login[other]}
            value = presented[case] if case in presented else login[csrf]
            headers = {} if value is None else {"X-CSRF-TOKEN": value}
            response = send(self.client, self.method, target, cookies=cookies, headers=headers)
        check(response, case, self.where)

    def run(self, extra: list[str]) -> None:
        first = self.login()
        for case in HARMLESS + extra:
            self.attempt(first, case)
        # None of the refused requests did anything: the session is still live.
        still = send(self.client, "GET", "/members/me", bearer=first["access_token"])
        assert still.status_code == 200, self.where
        sessions.revoke(first["session_id"], "test")
        db.session.commit()
        self.attempt(first, "revoked")
        expiring = self.login()
        ttl = REFRESH_TTL if self.token_type == "refresh" else ACCESS_TTL
        self.clock.advance(ttl + LEEWAY)
        self.attempt(expiring, "expired")
        self.attempt(self.login(), "valid")  # last: a valid logout or delete changes state


# The matrix: every protected path × every way to fail (flaskr's test_login_required,
# scaled up). Each path runs all cases in turn, so one app serves the whole row.


@pytest.mark.parametrize(("method", "path"), ALL_PATHS)
def test_bearer_matrix(app, bare, clock, method, path):
    join(bare)
    Matrix(app, bare, clock, method, path, "bearer").run([])


@pytest.mark.parametrize(("method", "path"), ALL_PATHS)
def test_cookie_matrix(app, bare, clock, method, path):
    join(bare)
    unsafe = method != "GET" or path == "/members/tokens"
    # Refresh by cookie changes state whatever the method: it needs a CSRF value. There the
    # access token's value is also good (the original client's way, tested on its own), so
    # "the other token's value" is refused on access paths only.
    extra = ["no_csrf", "wrong_csrf", "other_csrf"] if unsafe else []
    if path == "/members/tokens":
        extra.remove("other_csrf")
    Matrix(app, bare, clock, method, path, "cookie").run(extra)


def test_cookie_safe_method_needs_no_csrf(bare):
    login = join(bare)
    for path in ("/members/me", "/members/sessions"):
        response = send(bare, "GET", path, cookies={"access_token_cookie": login["access_token"]})
        assert response.status_code == 200, path


# Cookie flows through a browser-like cookie jar


@pytest.fixture
def browser(client):
    join(client)
    return client


def csrf(client, refresh: bool = False) -> str:
    return client.get_cookie("csrf_refresh_token" if refresh else "csrf_access_token").value


def test_cookie_logout_without_csrf_header_is_refused(browser):
    assert_failed(browser.post("/members/logout"), 403, "csrf_failed")
    assert_failed(browser.delete("/members/sessions"), 403, "csrf_failed")
    assert_failed(
        browser.post("/members/logout", headers={"X-CSRF-TOKEN": "forged"}), 403, "csrf_failed"
    )
    assert browser.get("/members/me").status_code == 200


def test_csrf_header_name_is_case_insensitive(browser):
    for header in ["X-CSRF-TOKEN", "X-CSRF-Token", "x-csrf-token"]:
        response = browser.post("/members/tokens", headers={header: csrf(browser, refresh=True)})
        assert response.status_code == 200, header
    response = browser.post("/members/logout", headers={"x-csrf-token": csrf(browser)})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_csrf_form_field_accepted_for_html_forms(browser, content_type):
    response = browser.post(
        "/members/logout", data={"csrf_token": csrf(browser)}, content_type=content_type
    )
    assert response.status_code == 200, response.get_json()


def test_csrf_token_elsewhere_is_not_accepted(browser):
    value = csrf(browser)
    # Not from a JSON body, and never from the URL (it would leak into logs and Referer).
    assert_failed(browser.post("/members/logout", json={"csrf_token": value}), 403, "csrf_failed")
    assert_failed(browser.post(f"/members/logout?csrf_token={value}"), 403, "csrf_failed")


def test_cookie_refresh_requires_a_csrf_header_even_for_get(browser):
    for method in ("GET", "POST"):
        old = browser.get_cookie("refresh_token_cookie", path="/members/tokens").value
        assert_failed(browser.open("/members/tokens", method=method), 403, "csrf_failed")
        for wrong in ("forged", csrf(browser) + "x", ""):
            response = browser.open(
                "/members/tokens", method=method, headers={"X-CSRF-TOKEN": wrong}
            )
            assert_failed(response, 403, "csrf_failed")

        right = {"X-CSRF-TOKEN": csrf(browser, refresh=True)}
        response = browser.open("/members/tokens", method=method, headers=right)
        assert response.status_code == 200, (method, response.get_json())
        assert browser.get_cookie("refresh_token_cookie", path="/members/tokens").value != old


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_original_client_refreshes_with_the_access_csrf_value(browser, method):
    # The original 한끼얼마 HTTP client: access + refresh cookies, X-CSRF-Token: csrf_access_token.
    for _ in range(2):  # and again with the values the first refresh set
        sent = {"X-CSRF-Token": csrf(browser)}
        response = browser.open("/members/tokens", method=method, headers=sent)
        assert response.status_code == 200, response.get_json()
    refused = {"X-CSRF-Token": csrf(browser), "Origin": EVIL}
    assert_failed(
        browser.open("/members/tokens", method=method, headers=refused), 403, "origin_refused"
    )


def test_access_csrf_value_of_another_session_is_refused(app, browser):
    other = app.test_client()
    join(other, "lee_cook")
    sent = {"X-CSRF-Token": csrf(other)}
    assert_failed(browser.get("/members/tokens", headers=sent), 403, "csrf_failed")


def test_access_csrf_value_is_no_good_for_an_access_token_state_change(browser):
    # Only the refresh path accepts both values; logout needs the access token's own.
    sent = {"X-CSRF-Token": csrf(browser, refresh=True)}
    assert_failed(browser.post("/members/logout", headers=sent), 403, "csrf_failed")


CROSS_ORIGIN = [
    {"Origin": EVIL},
    {"Origin": "null"},
    {"Origin": "https://localhost.evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": EVIL, "Sec-Fetch-Site": "same-origin"},  # Origin wins
]


@pytest.mark.parametrize(
    ("method", "path", "refresh"),
    [
        ("POST", "/members/logout", False),
        ("DELETE", "/members/sessions", False),
        ("GET", "/members/tokens", True),
    ],
)
def test_cross_origin_cookie_request_refused_even_with_csrf(browser, method, path, refresh):
    for headers in CROSS_ORIGIN:
        sent = {**headers, "X-CSRF-TOKEN": csrf(browser, refresh=refresh)}
        response = browser.open(path, method=method, headers=sent)
        assert response.status_code == 403, headers
        assert response.get_json()["code"] == "origin_refused", headers
    assert browser.get("/members/me").status_code == 200


def test_same_origin_cookie_request_accepted(browser):
    same_site = [
        {"Origin": "http://localhost"},
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},  # typed into the address bar
        {},  # not a browser: the double-submit token alone
    ]
    for headers in same_site:
        sent = {**headers, "X-CSRF-TOKEN": csrf(browser, refresh=True)}
        response = browser.post("/members/tokens", headers=sent)
        assert response.status_code == 200, (headers, response.get_json())
    response = browser.post(
        "/members/logout", headers={"Origin": "http://localhost", "X-CSRF-TOKEN": csrf(browser)}
    )
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    "settings_overrides", [{"cors_origins": ("https://app.example", "https://admin.example")}]
)
def test_configured_cors_origin_accepted(browser):
    headers = {"Origin": "https://app.example", "X-CSRF-TOKEN": csrf(browser, refresh=True)}
    assert browser.post("/members/tokens", headers=headers).status_code == 200
    headers = {"Origin": "https://admin.example", "X-CSRF-TOKEN": csrf(browser)}
    assert browser.post("/members/logout", headers=headers).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": ("https://app.example",)}])
def test_unlisted_origin_refused_when_cors_configured(browser):
    headers = {"Origin": "https://other.example", "X-CSRF-TOKEN": csrf(browser)}
    assert_failed(browser.post("/members/logout", headers=headers), 403, "origin_refused")


# Bearer transport


def test_bearer_needs_no_csrf_and_ignores_origin(bare):
    login = join(bare)
    hostile = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    refreshed = send(
        bare, "POST", "/members/tokens", bearer=login["refresh_token"], headers=hostile
    )
    assert refreshed.status_code == 200, refreshed.get_json()
    new = refreshed.get_json()
    response = send(bare, "POST", "/members/logout", bearer=new["access_token"], headers=hostile)
    assert response.status_code == 200, response.get_json()


def test_bearer_header_wins_over_cookies(client, bare):
    cookie_user = join(client, "cookie_user")  # the jar holds this user's cookies
    other = join(bare, "header_user")
    response = client.get(
        "/members/me", headers={"Authorization": f"Bearer {other['access_token']}"}
    )
    assert response.get_json()["member"]["username"] == "header_user"
    # A bad header is refused even though the cookies are good: no silent fallback.
    response = client.get("/members/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert_failed(response, 401, "token_invalid")
    # And a Bearer state change needs no CSRF even with cookies present.
    logout = client.post(
        "/members/logout", headers={"Authorization": f"Bearer {other['access_token']}"}
    )
    assert logout.status_code == 200
    assert_failed(
        send(bare, "GET", "/members/me", bearer=other["access_token"]), 401, "session_revoked"
    )
    # The session the cookies belonged to was not the one logged out.
    assert send(bare, "GET", "/members/me", bearer=cookie_user["access_token"]).status_code == 200


def test_non_bearer_authorization_does_not_fall_back_to_cookies(browser):
    for value in ["Basic a2ltOnB3", "Bearer", "Bearer ", "Token abc", ""]:
        response = browser.get("/members/me", headers={"Authorization": value})
        assert response.status_code == 401, value
        assert response.get_json()["code"] in ("token_invalid", "token_missing"), value
    refresh = {"Authorization": "Basic a2ltOnB3", "X-CSRF-TOKEN": csrf(browser, refresh=True)}
    assert browser.post("/members/tokens", headers=refresh).status_code == 401
    assert browser.get("/members/me").status_code == 200


def test_refresh_cookie_is_only_sent_to_the_refresh_path(browser):
    assert browser.get_cookie("refresh_token_cookie", path="/") is None
    assert browser.get_cookie("refresh_token_cookie", path="/members/tokens") is not None


# Cookie attributes


def set_cookie_headers(response) -> dict[str, dict[str, Any]]:
    """Set-Cookie headers by cookie name, attribute names lower-cased."""
    found: dict[str, dict[str, Any]] = {}
    for header in response.headers.getlist("Set-Cookie"):
        pair, *params = (part.strip() for part in header.split(";"))
        name, _, value = pair.partition("=")
        attrs: dict[str, Any] = {"value": value}
        for param in params:
            key, sep, val = param.partition("=")
            attrs[key.lower()] = val if sep else True
        found[name] = attrs
    return found


def issue(bare, how: str):
    login = join(bare)
    if how == "login":
        return bare.post("/members/login", json={"username": "kim_chef", "password": PASSWORD})
    return send(bare, "POST", "/members/tokens", bearer=login["refresh_token"])


@pytest.mark.parametrize(
    ("settings_overrides", "secure"),
    [
        ({}, True),  # env "testing": Secure outside development
        ({"env": "development"}, False),  # plain http://127.0.0.1 must work
        ({"env": "development", "cookie_secure": True}, True),
        ({"cookie_samesite": "Lax", "access_ttl": 120, "refresh_ttl": 900}, True),
    ],
    ids=["testing", "development", "development-secure", "lax"],
)
@pytest.mark.parametrize("how", ["login", "refresh"])
def test_cookie_attributes(app, bare, clock, how, secure):
    settings = app.extensions["munjigi.settings"]
    assert settings.secure_cookies is secure
    cookies = set_cookie_headers(issue(bare, how))

    assert set(cookies) == set(COOKIES)
    assert cookies["access_token_cookie"].get("httponly") is True
    assert cookies["refresh_token_cookie"].get("httponly") is True
    # The page's script must read the CSRF values to send them back.
    assert "httponly" not in cookies["csrf_access_token"]
    assert "httponly" not in cookies["csrf_refresh_token"]
    assert cookies["access_token_cookie"]["path"] == "/"
    assert cookies["csrf_access_token"]["path"] == "/"
    assert cookies["refresh_token_cookie"]["path"] == "/members/tokens"
    assert cookies["csrf_refresh_token"]["path"] == "/"
    for name in ("access_token_cookie", "csrf_access_token"):
        assert int(cookies[name]["max-age"]) == settings.access_ttl
    for name in ("refresh_token_cookie", "csrf_refresh_token"):
        assert int(cookies[name]["max-age"]) == settings.refresh_ttl
    for attrs in cookies.values():
        assert attrs["samesite"] == settings.cookie_samesite
        assert ("secure" in attrs) is secure
        assert "domain" not in attrs  # host-only unless MUNJIGI_COOKIE_DOMAIN is set


@pytest.mark.parametrize(
    ("overrides", "secure"),
    [({}, True), ({"env": "development"}, False), ({"env": "production"}, True)],
)
def test_secure_cookies_outside_development(overrides, secure):
    assert Settings.for_testing(**overrides).secure_cookies is secure


@pytest.mark.parametrize("settings_overrides", [{"cookie_domain": "example.com"}])
def test_cookie_domain_setting(bare):
    cookies = set_cookie_headers(issue(bare, "login"))
    assert {attrs["domain"] for attrs in cookies.values()} == {"example.com"}


def test_logout_clears_cookies_on_their_paths(browser):
    response = browser.post("/members/logout", headers={"X-CSRF-TOKEN": csrf(browser)})
    cookies = set_cookie_headers(response)
    assert set(cookies) == set(COOKIES)
    for attrs in cookies.values():
        assert attrs["value"] == ""
        assert attrs["max-age"] == "0"
    assert cookies["refresh_token_cookie"]["path"] == "/members/tokens"
    assert cookies["access_token_cookie"]["path"] == "/"
    for name in COOKIES:
        assert browser.get_cookie(name) is None
    assert browser.get_cookie("refresh_token_cookie", path="/members/tokens") is None
    assert_failed(browser.get("/members/me"), 401, "token_missing")
