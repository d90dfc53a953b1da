"""The signed login hand-off on ``POST /``: the pure check, then the page and its audit."""

from __future__ import annotations

import secrets
import time

import pytest

from munjigi.extensions import db
from munjigi.security import handoff
from munjigi.security.models import AuditEvent
from munjigi.security.models import Role
from munjigi.security.models import UserStatus
from tests.web.conftest import hidden_csrf
from tests.web.conftest import make_user
from tests.web.conftest import user_named

SECRET = "wordpress-and-munjigi-share-this-32-byte-secret"
NOW = 1_790_000_000


def signed(username="kim_chef", email="kim_chef@example.com", ts=NOW, nonce=None, secret=SECRET):
    nonce = nonce or secrets.token_urlsafe(16)
    return {
        "username": username,
        "email": email,
        "ts": str(ts),
        "nonce": nonce,
        "sig": handoff.sign(secret, username, email, str(ts), nonce),
    }


# --- The pure check (no app) ----------------------------------------------------------


def test_a_valid_hand_off_names_its_member():
    claim = handoff.verify(signed(), SECRET, NOW + 59)
    assert (claim.username, claim.email, claim.ts) == ("kim_chef", "kim_chef@example.com", NOW)
    assert claim.valid_until == NOW + 60


@pytest.mark.parametrize("offset", [61, -61, 3600])
def test_a_stale_or_future_hand_off_is_refused(offset):
    with pytest.raises(handoff.HandoffStaleError):
        handoff.verify(signed(), SECRET, NOW + offset)


@pytest.mark.parametrize("field", ["username", "email", "ts", "nonce"])
def test_changing_any_signed_field_breaks_the_signature(field):
    form = signed()
    form[field] = {"ts": str(NOW + 1), "nonce": "A" * 22}.get(field, form[field] + "x")
    with pytest.raises(handoff.HandoffSignatureError):
        handoff.verify(form, SECRET, NOW)


def test_a_signature_under_another_secret_is_refused():
    with pytest.raises(handoff.HandoffSignatureError):
        handoff.verify(signed(secret="some-other-secret-of-the-right-length!!"), SECRET, NOW)


@pytest.mark.parametrize(
    "change",
    [
        {"sig": ""},
        {"sig": "zz" * 32},
        {"ts": "0123"},
        {"ts": "-5"},
        {"nonce": "short"},
        {"nonce": "has spaces in it!!!!"},
        {"username": ""},
        {"email": "x" * 255},
    ],
)
def test_malformed_fields_are_refused_before_any_hmac(change):
    form = {**signed(), **change}
    with pytest.raises(handoff.HandoffMalformedError):
        handoff.verify(form, SECRET, NOW)


@pytest.mark.parametrize("secret", [None, ""])
def test_without_a_secret_every_hand_off_is_refused(secret):
    with pytest.raises(handoff.HandoffDisabledError):
        handoff.verify(signed(), secret, NOW)


def test_the_signed_message_is_the_documented_one():
    assert handoff.message("kim", "k@e.x", "1700000000", "n" * 16) == (
        b"munjigi-handoff-v1\n1700000000\nnnnnnnnnnnnnnnnn\nkim\nk@e.x"
    )


# --- POST / -------------------------------------------------------------------------------


@pytest.fixture
def settings_overrides():
    return {"handoff_secret": SECRET}


def _failures(reason):
    return db.session.scalars(
        db.select(AuditEvent).where(
            AuditEvent.event == "handoff_failed", AuditEvent.reason == reason
        )
    ).all()


def test_a_valid_hand_off_lands_on_the_dashboard(app, client, clock):
    make_user("kim_chef")
    response = client.post("/", data=signed(ts=int(clock.now)))
    assert response.status_code == 200
    html = response.text
    assert 'http-equiv="refresh" content="0;url=/"' in html  # same-site follow-up (Strict)
    assert response.headers["Cache-Control"] == "no-store"
    cookies = response.headers.getlist("Set-Cookie")
    assert sum("SameSite=Strict" in c for c in cookies) == 4
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "Hello, kim_chef" in dashboard.text
    ok = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == "handoff")).all()
    assert len(ok) == 1 and ok[0].detail == {"created": False}


def test_a_replayed_hand_off_is_refused_and_audited(app, client, clock):
    make_user("kim_chef")
    form = signed(ts=int(clock.now))
    assert client.post("/", data=form).status_code == 200
    other = app.test_client()
    replay = other.post("/", data=form)
    assert replay.status_code == 401
    assert "can&#39;t be used" in replay.text
    assert other.get_cookie("access_token_cookie") is None
    assert len(_failures("handoff_replayed")) == 1


@pytest.mark.parametrize(
    ("make_form", "reason"),
    [
        (lambda now: signed(ts=now - 61), "handoff_stale"),
        (lambda now: {**signed(ts=now), "sig": "0" * 64}, "handoff_bad_signature"),
        (lambda now: {**signed(ts=now), "nonce": "!"}, "handoff_malformed"),
        (
            lambda now: signed(username="nobody", email="nobody@example.com", ts=now),
            "handoff_unknown_user",
        ),
        (lambda now: signed(email="someone.else@example.com", ts=now), "handoff_identity_mismatch"),
    ],
)
def test_an_invalid_hand_off_gets_401_and_an_audit_event(app, client, clock, make_form, reason):
    make_user("kim_chef")
    response = client.post("/", data=make_form(int(clock.now)))
    assert response.status_code == 401
    assert "text/html" in response.content_type
    assert client.get_cookie("access_token_cookie") is None
    assert len(_failures(reason)) == 1


def test_a_locked_member_cannot_hand_off(app, client, clock):
    user = make_user("kim_chef")
    user.status = UserStatus.LOCKED
    db.session.commit()
    assert client.post("/", data=signed(ts=int(clock.now))).status_code == 401
    assert len(_failures("handoff_locked")) == 1


@pytest.mark.parametrize("settings_overrides", [{}], indirect=False)
def test_without_a_configured_secret_the_hand_off_is_off(app, client):
    make_user("kim_chef")
    response = client.post("/", data=signed(ts=int(time.time())))
    assert response.status_code == 401
    assert len(_failures("handoff_disabled")) == 1


@pytest.mark.parametrize(
    "settings_overrides", [{"handoff_secret": SECRET, "handoff_create_users": True}]
)
def test_a_hand_off_may_enrol_a_new_member_when_allowed(app, client, clock):
    response = client.post("/", data=signed("new_cook", "new_cook@example.com", ts=int(clock.now)))
    assert response.status_code == 200
    user = user_named("new_cook")
    assert user is not None and user.role == Role.MEMBER
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("form", [{}, {"q": "kimchi"}, {"username": "kim_chef"}], ids=repr)
def test_a_post_that_is_no_hand_off_is_401_and_audited(member, form):
    assert member.client.get("/").status_code == 200
    response = member.client.post("/", data=form)
    assert response.status_code == 401
    assert "text/html" in response.content_type
    assert len(_failures("handoff_malformed")) == 1
    # The signed-in member's session is untouched.
    assert member.client.get("/").status_code == 200


def test_an_admin_hand_off_is_refused_by_default(app, client, clock):
    make_user("kim_chef", role=Role.ADMIN)
    response = client.post("/", data=signed(ts=int(clock.now)))
    assert response.status_code == 401
    assert client.get_cookie("access_token_cookie") is None
    assert len(_failures("handoff_admin_refused")) == 1


@pytest.mark.parametrize(
    "settings_overrides", [{"handoff_secret": SECRET, "handoff_allow_admins": True}]
)
def test_an_admin_hand_off_opens_when_the_operator_allows_it(app, client, clock):
    make_user("kim_chef", role=Role.ADMIN)
    assert client.post("/", data=signed(ts=int(clock.now))).status_code == 200
    assert client.get_cookie("access_token_cookie") is not None


def test_a_hand_off_for_a_totp_member_continues_at_the_second_step(app, client, clock):
    from tests.mfa.conftest import CHALLENGE
    from tests.mfa.conftest import enrol
    from tests.mfa.conftest import totp_code
    from tests.web.conftest import Pages

    make_user("kim_chef")
    owner = Pages(app.test_client())
    assert owner.login().status_code == 303
    secret, _ = enrol(owner, clock)
    clock.advance(30)

    response = client.post("/", data=signed(ts=int(clock.now)))

    assert response.status_code == 200
    assert client.get_cookie("access_token_cookie") is None  # no session yet
    assert "Hello, kim_chef" not in client.get("/").text
    token = CHALLENGE.search(response.text)
    assert token, "no second-step form"
    ok = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == "handoff")).all()
    assert [e.detail for e in ok] == [{"created": False, "second_step": True}]
    # The second step, posted from that page (its own form token), opens the session.
    done = client.post(
        "/login/second-factor",
        data={
            "challenge": token.group(1),
            "code": totp_code(secret, clock),
            "next": "/",
            "csrf_token": hidden_csrf(response.text),
        },
    )
    assert done.status_code == 303, done.text
    assert client.get_cookie("access_token_cookie") is not None


def test_the_worked_example_of_docs_handoff_md_is_right():
    sig = handoff.sign(
        "example-shared-secret-0123456789abcdef",
        "kim_chef",
        "kim@example.com",
        "1790000000",
        "q7Xb2LpN0s-4VtRw8yZkAa",
    )
    assert sig == "e5d9792ee6a41f099badabc437502c5d38a02d360a3a812635d58dcf53f1d9bb"
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "handoff.md").read_text()
    assert sig in doc


def test_a_failed_hand_off_keeps_a_keyed_hash_of_the_name_not_the_name(app, client, clock):
    """Like a failed login (#13 item 20): the sent name may be anything, even a secret."""
    typed = "my-Secret-passw0rd-typed-as-a-name"
    form = signed(username=typed, email="x@example.com", ts=int(clock.now))
    assert client.post("/", data={**form, "sig": "0" * 64}).status_code == 401
    (row,) = _failures("handoff_bad_signature")
    assert typed not in str(row.detail) and typed.lower() not in str(row.detail)
    with app.test_request_context():
        from munjigi.security import audit

        assert row.detail == {"login_hmac": audit.pseudonym(typed)}
