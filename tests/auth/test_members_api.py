"""SPEC §4 members rows: status, ``result``, the Korean ``message``, ``code`` and fields."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from munjigi.extensions import db
from munjigi.security.models import AuthSession
from munjigi.security.models import RefreshToken
from munjigi.security.models import Role
from munjigi.security.models import User
from munjigi.security.models import UserStatus
from tests.helpers import PASSWORD

LOGIN_FAILED = "등록되지 않은 아이디거나 비밀번호가 일치하지 않음"
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
TOKEN_FIELDS = ("access_token", "csrf_token", "refresh_token", "csrf_refresh_token")
COOKIES = ("access_token_cookie", "csrf_access_token", "refresh_token_cookie", "csrf_refresh_token")


@pytest.fixture
def client(app):
    # Bearer only: a cookie jar would turn "no token" requests into cookie requests.
    return app.test_client(use_cookies=False)


def assert_failed(response, status: int, code: str, message: str | None = None) -> dict[str, Any]:
    """The SPEC §4 error shape: JSON, result "failed", a code and a message."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["result"] == "failed"
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    if message is not None:
        assert body["message"] == message
    return body


def assert_success(response, message: str) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["result"] == "success"
    assert body["message"] == message
    return body


def signup(client, username: str, email: str | None = None, password: str = PASSWORD):
    email = email or f"{username}@example.com"
    return client.post(
        "/members/forms", json={"username": username, "password": password, "email": email}
    )


def login(client, username: str, password: str = PASSWORD, user_agent: str | None = None):
    headers = {"User-Agent": user_agent} if user_agent else {}
    return client.post(
        "/members/login", json={"username": username, "password": password}, headers=headers
    )


def join(client, username: str, user_agent: str | None = None) -> dict[str, Any]:
    """Sign up and log in; the login body."""
    assert signup(client, username).status_code == 200
    response = login(client, username, user_agent=user_agent)
    assert response.status_code == 200
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def set_role(username: str, role: Role) -> None:
    db.session.execute(update(User).where(User.username == username).values(role=role))
    db.session.commit()


def set_cookie_headers(response) -> dict[str, dict[str, Any]]:
    """Set-Cookie headers by cookie name, attributes lower-cased."""
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


def assert_cookies_cleared(response) -> None:
    cookies = set_cookie_headers(response)
    for name in COOKIES:
        assert cookies[name]["value"] == ""
        assert cookies[name]["max-age"] == "0"
    assert cookies["refresh_token_cookie"]["path"] == "/members/tokens"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# POST /members/forms


def test_signup_returns_user_id(client):
    body = assert_success(signup(client, "kim_chef"), "회원가입 성공")
    assert isinstance(body["user_id"], int)
    user = db.session.get(User, body["user_id"])
    assert user.username == "kim_chef"
    assert user.role == Role.MEMBER
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_signup_taken_username_is_duplicate(client):
    assert signup(client, "kim_chef").status_code == 200
    # Case and Unicode width do not make a new name (NFKC + casefold).
    for taken in ["kim_chef", "KIM_CHEF", "Kim_Chef", "ｋｉｍ_ｃｈｅｆ", "ＫＩＭ_chef"]:
        response = signup(client, taken, email="someone.else@example.com")
        assert response.status_code == 400, taken
        assert_failed(response, 400, "duplicate_member", "중복 가입")
    assert count(User) == 1


def test_signup_taken_email_is_duplicate(client):
    assert signup(client, "kim_chef", email="kim@example.com").status_code == 200
    for taken in ["kim@example.com", "KIM@Example.COM"]:
        response = signup(client, "lee_cook", email=taken)
        assert response.status_code == 400, taken
        assert_failed(response, 400, "duplicate_member", "중복 가입")
    assert count(User) == 1


WEAK_PASSWORDS = [
    "short pass",  # under 15 characters (NIST SP 800-63B, single factor)
    "kim_chef cooks every day",  # contains the username
    "KIM_CHEF COOKS EVERY DAY",  # contains it in another case
    "my mailbox is kim.mail ok",  # contains the email's local part
    "a" * 20,  # one character repeated
]


def test_signup_weak_password_is_422_on_password(client):
    for password in WEAK_PASSWORDS:
        response = signup(client, "kim_chef", email="kim.mail@example.com", password=password)
        assert response.status_code == 422, password
        body = assert_failed(response, 422, "validation_error")
        assert list(body["fields"]) == ["password"], password
        assert body["fields"]["password"], password
    assert count(User) == 0


def test_signup_missing_field_is_422(client):
    for missing in ["username", "password", "email"]:
        payload = {"username": "kim_chef", "password": PASSWORD, "email": "kim@example.com"}
        del payload[missing]
        body = assert_failed(client.post("/members/forms", json=payload), 422, "validation_error")
        assert list(body["fields"]) == [missing]
    assert count(User) == 0


INVALID_FIELDS = [
    ({"email": "not-an-email"}, "email"),
    ({"username": "kim chef"}, "username"),
    ({"username": "kim<script>"}, "username"),
    ({"username": "kim'; DROP TABLE users;--"}, "username"),
    ({"username": "ab"}, "username"),
    ({"username": "k" * 31}, "username"),
    ({"username": 12345}, "username"),
    ({"password": None}, "password"),
]


def test_signup_invalid_field_is_422(client):
    for payload, field in INVALID_FIELDS:
        body = {"username": "kim_chef", "password": PASSWORD, "email": "kim@example.com", **payload}
        response = client.post("/members/forms", json=body)
        assert response.status_code == 422, payload
        assert field in assert_failed(response, 422, "validation_error")["fields"], payload
    assert count(User) == 0


def test_signup_checks_names_again_after_normalisation(client):
    # The schema sees raw text; NFKC and case folding can lengthen it or change its
    # characters. Each must be a 422 on every backend, never a 500 from the database.
    cases = [
        ({"username": "kim_chef\u3164"}, "username"),  # invisible Hangul filler
        ({"username": "\ufdfa" * 10}, "username"),  # one character, 18 after NFKC
        ({"username": "\u0390" * 30}, "username"),  # 90 characters once case-folded
        ({"username": "kim\u00bc"}, "username"),  # "¼" becomes "1⁄4"
        ({"email": "\u00df" * 200 + "@example.com"}, "email"),  # "ß" folds to "ss"
        ({"email": "\ufdfa" * 20 + "@example.com"}, "email"),
    ]
    for payload, field in cases:
        body = {"username": "kim_chef", "password": PASSWORD, "email": "kim@example.com", **payload}
        response = client.post("/members/forms", json=body)
        assert response.status_code == 422, payload
        assert field in assert_failed(response, 422, "validation_error")["fields"], payload
    assert count(User) == 0


def test_signup_ignores_unknown_fields(client):
    payload = {
        "username": "kim_chef",
        "password": PASSWORD,
        "email": "kim@example.com",
        "role": "admin",
        "nickname": "chef",
    }
    body = assert_success(client.post("/members/forms", json=payload), "회원가입 성공")
    assert db.session.get(User, body["user_id"]).role == Role.MEMBER


def test_signup_accepts_hangul_username(client):
    assert_success(signup(client, "김셰프", email="chef@example.com"), "회원가입 성공")
    assert login(client, "김셰프").status_code == 200


# POST /members/validation


def test_validation_free_username(client):
    body = assert_success(
        client.post("/members/validation", json={"username": "kim_chef"}),
        "사용 가능한 아이디입니다.",
    )
    assert body["available"] is True


def test_validation_taken_username(client):
    assert signup(client, "kim_chef").status_code == 200
    for asked in ["kim_chef", "KIM_CHEF", "ｋｉｍ_ｃｈｅｆ"]:
        response = client.post("/members/validation", json={"username": asked})
        body = assert_success(response, "이미 가입된 아이디입니다.")
        assert body["available"] is False, asked


def test_validation_invalid_is_422(client):
    for payload in [{}, {"username": "kim chef"}, {"username": ""}, {"username": ["kim"]}]:
        response = client.post("/members/validation", json=payload)
        assert response.status_code == 422, payload
        assert "username" in assert_failed(response, 422, "validation_error")["fields"]


# POST /members/login


def test_login_returns_tokens_and_sets_four_cookies(client):
    user_id = signup(client, "kim_chef").get_json()["user_id"]
    response = login(client, "kim_chef")
    body = assert_success(response, "로그인 성공")
    assert body["user_id"] == user_id
    assert body["username"] == "kim_chef"
    for field in TOKEN_FIELDS:
        assert isinstance(body[field], str) and body[field]
    assert body["access_token"] != body["refresh_token"]
    cookies = set_cookie_headers(response)
    assert set(COOKIES) <= set(cookies)
    assert cookies["access_token_cookie"]["value"] == body["access_token"]
    assert cookies["refresh_token_cookie"]["value"] == body["refresh_token"]
    assert cookies["csrf_access_token"]["value"] == body["csrf_token"]
    assert cookies["csrf_refresh_token"]["value"] == body["csrf_refresh_token"]
    assert client.get("/members/me", headers=bearer(body["access_token"])).status_code == 200


def test_login_by_email(client):
    user_id = signup(client, "kim_chef", email="kim@example.com").get_json()["user_id"]
    for login_name in ["kim@example.com", "KIM@EXAMPLE.COM"]:
        body = assert_success(login(client, login_name), "로그인 성공")
        assert body["user_id"] == user_id
        assert body["username"] == "kim_chef"


def test_login_failures_are_indistinguishable(client):
    assert signup(client, "kim_chef").status_code == 200
    assert signup(client, "locked_one").status_code == 200
    db.session.execute(
        update(User).where(User.username == "locked_one").values(status=UserStatus.LOCKED)
    )
    db.session.commit()

    unknown = login(client, "nobody_here")
    wrong = login(client, "kim_chef", password="a wrong but long password")
    locked = login(client, "locked_one")  # the right password

    body = assert_failed(unknown, 400, "login_failed", LOGIN_FAILED)
    for response in (wrong, locked):
        assert response.status_code == 400
        assert response.get_json() == body
        assert "Set-Cookie" not in response.headers
    assert count(AuthSession) == 0


def test_login_missing_field_is_422(client):
    for payload in [{"username": "kim_chef"}, {"password": PASSWORD}, {}]:
        response = client.post("/members/login", json=payload)
        assert response.status_code == 422, payload
        assert_failed(response, 422, "validation_error")


# POST /members/logout


def test_logout_revokes_both_tokens_and_clears_cookies(client):
    tokens = join(client, "kim_chef")
    response = client.post("/members/logout", headers=bearer(tokens["access_token"]))
    assert_success(response, "로그아웃 성공")
    assert_cookies_cleared(response)

    me = client.get("/members/me", headers=bearer(tokens["access_token"]))
    assert_failed(me, 401, "session_revoked")
    refresh = client.post("/members/tokens", headers=bearer(tokens["refresh_token"]))
    assert_failed(refresh, 401, "session_revoked")
    again = client.post("/members/logout", headers=bearer(tokens["access_token"]))
    assert_failed(again, 401, "session_revoked")


def test_logout_without_token_is_401(client):
    response = client.post("/members/logout")
    assert_failed(response, 401, "token_missing")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_logout_ends_only_the_callers_session(client):
    first = join(client, "kim_chef")
    second = login(client, "kim_chef").get_json()
    assert client.post("/members/logout", headers=bearer(first["access_token"])).status_code == 200
    assert client.get("/members/me", headers=bearer(second["access_token"])).status_code == 200


# GET, POST /members/tokens


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_refresh_returns_new_tokens(client, clock, method):
    tokens = join(client, "kim_chef")
    clock.advance(1)
    response = client.open(
        "/members/tokens", method=method, headers=bearer(tokens["refresh_token"])
    )
    body = assert_success(response, "refresh success")
    for field in TOKEN_FIELDS:
        assert body[field] and body[field] != tokens[field]
    assert body["session_id"] == tokens["session_id"]
    cookies = set_cookie_headers(response)
    assert cookies["access_token_cookie"]["value"] == body["access_token"]
    assert cookies["refresh_token_cookie"]["value"] == body["refresh_token"]
    # The new access token works, and so does the old one until it expires.
    assert client.get("/members/me", headers=bearer(body["access_token"])).status_code == 200
    assert client.get("/members/me", headers=bearer(tokens["access_token"])).status_code == 200


def test_refresh_replay_inside_grace_succeeds_and_after_grace_is_401(client, clock):
    tokens = join(client, "kim_chef")
    old = bearer(tokens["refresh_token"])
    assert client.post("/members/tokens", headers=old).status_code == 200
    clock.advance(1)
    assert client.post("/members/tokens", headers=old).status_code == 200
    clock.advance(60)
    assert_failed(client.post("/members/tokens", headers=old), 401, "refresh_reused")


def test_refresh_without_token_is_401(client):
    assert_failed(client.post("/members/tokens"), 401, "token_missing")


def test_refresh_with_access_token_is_401(client):
    tokens = join(client, "kim_chef")
    response = client.post("/members/tokens", headers=bearer(tokens["access_token"]))
    assert_failed(response, 401, "wrong_token_type")


# DELETE /members/{user_id}


def test_delete_self(client):
    tokens = join(client, "kim_chef")
    user_id = tokens["user_id"]
    response = client.delete(f"/members/{user_id}", headers=bearer(tokens["access_token"]))
    body = assert_success(response, "deleted")
    assert body["user_id"] == user_id
    assert_cookies_cleared(response)
    assert db.session.get(User, user_id) is None
    assert_failed(
        client.get("/members/me", headers=bearer(tokens["access_token"])), 401, "session_revoked"
    )
    assert_failed(login(client, "kim_chef"), 400, "login_failed", LOGIN_FAILED)


def test_delete_cascades_to_sessions_and_refresh_tokens(client):
    tokens = join(client, "kim_chef")
    login(client, "kim_chef")
    other = join(client, "lee_cook")
    user_id = tokens["user_id"]
    assert count(AuthSession, AuthSession.user_id == user_id) == 2

    client.delete(f"/members/{user_id}", headers=bearer(tokens["access_token"]))

    assert count(AuthSession, AuthSession.user_id == user_id) == 0
    assert count(RefreshToken, RefreshToken.session_id == tokens["session_id"]) == 0
    assert_failed(
        client.post("/members/tokens", headers=bearer(tokens["refresh_token"])),
        401,
        "session_revoked",
    )
    # Nobody else's sessions went with them.
    assert client.get("/members/me", headers=bearer(other["access_token"])).status_code == 200


def test_delete_other_member_is_forbidden(client):
    victim = join(client, "kim_chef")
    attacker = join(client, "lee_cook")
    response = client.delete(
        f"/members/{victim['user_id']}", headers=bearer(attacker["access_token"])
    )
    assert_failed(response, 403, "delete_forbidden", "삭제 권한이 없음")
    assert db.session.get(User, victim["user_id"]) is not None
    assert client.get("/members/me", headers=bearer(victim["access_token"])).status_code == 200


def test_member_deleting_unknown_id_is_forbidden_not_404(client):
    # A member learns nothing about which ids exist.
    tokens = join(client, "kim_chef")
    response = client.delete("/members/999999", headers=bearer(tokens["access_token"]))
    assert_failed(response, 403, "delete_forbidden", "삭제 권한이 없음")


def test_admin_deletes_any_member(client):
    member = join(client, "kim_chef")
    admin = join(client, "boss")
    set_role("boss", Role.ADMIN)
    response = client.delete(f"/members/{member['user_id']}", headers=bearer(admin["access_token"]))
    assert assert_success(response, "deleted")["user_id"] == member["user_id"]
    # Deleting someone else does not log the admin out.
    assert "Set-Cookie" not in response.headers
    assert db.session.get(User, member["user_id"]) is None
    assert_failed(
        client.get("/members/me", headers=bearer(member["access_token"])), 401, "session_revoked"
    )


def test_admin_deleting_unknown_member_is_404(client):
    admin = join(client, "boss")
    set_role("boss", Role.ADMIN)
    response = client.delete("/members/999999", headers=bearer(admin["access_token"]))
    assert_failed(response, 404, "member_not_found", "존재하지 않는 회원")


def test_last_admin_cannot_be_deleted(client):
    first = join(client, "boss")
    second = join(client, "deputy")
    set_role("boss", Role.ADMIN)
    set_role("deputy", Role.ADMIN)
    first_headers = bearer(first["access_token"])

    response = client.delete(f"/members/{second['user_id']}", headers=first_headers)
    assert_success(response, "deleted")

    response = client.delete(f"/members/{first['user_id']}", headers=first_headers)
    assert_failed(response, 400, "last_admin")
    assert db.session.get(User, first["user_id"]) is not None
    assert client.get("/members/me", headers=first_headers).status_code == 200


def test_delete_without_token_is_401(client):
    user_id = signup(client, "kim_chef").get_json()["user_id"]
    assert_failed(client.delete(f"/members/{user_id}"), 401, "token_missing")
    assert db.session.get(User, user_id) is not None


# GET /members/me


def test_me_returns_the_callers_account(client):
    tokens = join(client, "kim_chef")
    body = assert_success(client.get("/members/me", headers=bearer(tokens["access_token"])), "ok")
    member = body["member"]
    assert member["user_id"] == tokens["user_id"]
    assert member["username"] == "kim_chef"
    assert member["email"] == "kim_chef@example.com"
    assert member["role"] == "member"
    assert member["status"] == "active"
    assert member["created_at"].endswith(("+00:00", "Z"))  # ISO 8601 in UTC
    assert "password_hash" not in member and "password" not in member


def test_me_without_token_is_401(client):
    assert_failed(client.get("/members/me"), 401, "token_missing")


# /members/sessions


def test_list_sessions_shows_device_ip_and_current(client):
    mine = join(client, "kim_chef", user_agent=CHROME_ON_WINDOWS)
    other = login(client, "kim_chef", user_agent="curl/8.5.0").get_json()
    join(client, "lee_cook")  # someone else's session is never listed

    response = client.get("/members/sessions", headers=bearer(mine["access_token"]))
    sessions = {s["id"]: s for s in assert_success(response, "ok")["sessions"]}

    assert set(sessions) == {mine["session_id"], other["session_id"]}
    current = sessions[mine["session_id"]]
    assert current["current"] is True
    assert current["device"] == "Chrome on Windows"
    assert current["ip"] == "127.0.0.1"
    assert current["created_at"] and current["last_used_at"] and current["expires_at"]
    assert sessions[other["session_id"]]["current"] is False
    assert sessions[other["session_id"]]["device"] == "curl"


def test_revoke_one_session(client):
    mine = join(client, "kim_chef")
    other = login(client, "kim_chef").get_json()
    response = client.delete(
        f"/members/sessions/{other['session_id']}", headers=bearer(mine["access_token"])
    )
    assert_success(response, "세션 종료")
    assert_failed(
        client.get("/members/me", headers=bearer(other["access_token"])), 401, "session_revoked"
    )
    assert client.get("/members/me", headers=bearer(mine["access_token"])).status_code == 200
    listed = client.get("/members/sessions", headers=bearer(mine["access_token"])).get_json()
    assert [s["id"] for s in listed["sessions"]] == [mine["session_id"]]
    # Revoking it again: it is no longer a live session.
    again = client.delete(
        f"/members/sessions/{other['session_id']}", headers=bearer(mine["access_token"])
    )
    assert_failed(again, 404, "session_not_found")


def test_revoke_own_current_session_logs_out(client):
    mine = join(client, "kim_chef")
    response = client.delete(
        f"/members/sessions/{mine['session_id']}", headers=bearer(mine["access_token"])
    )
    assert_success(response, "세션 종료")
    assert_cookies_cleared(response)
    assert_failed(
        client.get("/members/me", headers=bearer(mine["access_token"])), 401, "session_revoked"
    )


@pytest.mark.parametrize("whose", ["another_user", "unknown"])
def test_revoke_session_not_owned_is_404(client, whose):
    mine = join(client, "kim_chef")
    theirs = join(client, "lee_cook")
    sid = theirs["session_id"] if whose == "another_user" else "no-such-session-id"
    response = client.delete(f"/members/sessions/{sid}", headers=bearer(mine["access_token"]))
    assert_failed(response, 404, "session_not_found", "존재하지 않는 세션")
    assert client.get("/members/me", headers=bearer(theirs["access_token"])).status_code == 200


def test_revoke_other_sessions_keeps_current(client):
    mine = join(client, "kim_chef")
    others = [login(client, "kim_chef").get_json() for _ in range(2)]
    bystander = join(client, "lee_cook")

    response = client.delete("/members/sessions", headers=bearer(mine["access_token"]))
    assert assert_success(response, "다른 세션 종료")["revoked"] == 2

    assert client.get("/members/me", headers=bearer(mine["access_token"])).status_code == 200
    for other in others:
        me = client.get("/members/me", headers=bearer(other["access_token"]))
        assert_failed(me, 401, "session_revoked")
        refresh = client.post("/members/tokens", headers=bearer(other["refresh_token"]))
        assert_failed(refresh, 401, "session_revoked")
    assert client.get("/members/me", headers=bearer(bystander["access_token"])).status_code == 200
    again = client.delete("/members/sessions", headers=bearer(mine["access_token"]))
    assert assert_success(again, "다른 세션 종료")["revoked"] == 0


def test_session_endpoints_without_token_are_401(client):
    assert_failed(client.get("/members/sessions"), 401, "token_missing")
    assert_failed(client.delete("/members/sessions"), 401, "token_missing")
    assert_failed(client.delete("/members/sessions/anything"), 401, "token_missing")


# Bad input is 4xx JSON in the same shape: never 500, never HTML.

MALFORMED = [
    b"{bad json",
    b'{"username": "kim_chef",}',
    b"\xff\xfe{}",  # not UTF-8
    b"null",
    b"[]",
    b'"x"',
    b"42",
]


@pytest.mark.parametrize("path", ["/members/forms", "/members/validation", "/members/login"])
def test_malformed_json_is_422(client, path):
    for raw in MALFORMED:
        response = client.post(path, data=raw, content_type="application/json")
        assert response.status_code == 422, raw
        body = assert_failed(response, 422, "validation_error")
        assert body["fields"], raw
        assert not response.get_data(as_text=True).lstrip().startswith("<")


def test_non_json_body_is_422(client):
    data = "username=kim_chef&password=whatever&email=kim%40example.com"
    for path in ["/members/forms", "/members/login"]:
        for content_type in ["text/plain", "application/x-www-form-urlencoded"]:
            response = client.post(path, data=data, content_type=content_type)
            assert response.status_code == 422, (path, content_type)
            assert_failed(response, 422, "validation_error")
    assert count(User) == 0


def test_huge_body_is_413(client):
    huge = b'{"username": "' + b"a" * (1024 * 1024 + 1) + b'"}'
    for path in ["/members/forms", "/members/login"]:
        response = client.post(path, data=huge, content_type="application/json")
        assert_failed(response, 413, "request_entity_too_large")


def test_wrong_method_is_405(client):
    wrong = [("GET", "/members/login"), ("PUT", "/members/tokens"), ("PUT", "/members/me")]
    for method, path in wrong:
        response = client.open(path, method=method)
        assert response.status_code == 405, (method, path)
        assert_failed(response, 405, "method_not_allowed")
        assert "Allow" in response.headers


def test_unknown_path_is_404_json(client):
    assert_failed(client.get("/members/nothing/here"), 404, "not_found")


def test_json_number_beyond_the_integer_digit_limit_is_422_not_500(client):
    body = '{"username": ' + "9" * 5000 + "}"

    response = client.post("/members/validation", data=body, content_type="application/json")

    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"
