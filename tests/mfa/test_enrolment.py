"""TOTP enrolment on /account/security: server-side seed, local QR, confirm, encrypted at rest."""

from __future__ import annotations

import base64
import html
import re
import urllib.parse

import pyotp
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.mfa.models import RecoveryCode
from munjigi.mfa.models import TotpFactor
from munjigi.security.models import AuditEvent
from tests.mfa.conftest import CODES
from tests.mfa.conftest import SECRET
from tests.mfa.conftest import api_challenge
from tests.mfa.conftest import api_login
from tests.mfa.conftest import api_mfa
from tests.mfa.conftest import enrol
from tests.mfa.conftest import totp_code
from tests.web.conftest import make_user
from tests.web.conftest import user_named


def test_security_page_offers_an_authenticator_app(member):
    html = member.client.get("/account/security").text
    assert 'data-totp-state="off"' in html and "/account/security/totp" in html
    assert "/account/security" in member.client.get("/account").text


def test_enrolment_page_draws_the_qr_code_here_and_shows_the_key(member):
    page = member.client.get("/account/security/totp")
    assert page.status_code == 200
    secret = SECRET.search(page.text).group(1)
    assert len(base64.b32decode(secret)) == 20  # 160 bits, RFC 4226's recommendation
    assert "<svg" in page.text and 'class="segno"' in page.text  # inline SVG, no image URL
    qr = page.text.split('class="segno"', 1)[1].split("</svg>", 1)[0]
    assert "http://" not in qr.split(">", 1)[1]  # the QR code's drawing names no URL
    assert " style=" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]
    # Reloading shows the same seed until it is confirmed.
    assert SECRET.search(member.client.get("/account/security/totp").text).group(1) == secret


def test_the_seed_is_encrypted_at_rest(member, clock):
    secret = SECRET.search(member.client.get("/account/security/totp").text).group(1)
    row = db.session.get(TotpFactor, user_named("kim_chef").id)
    assert secret.encode() not in row.secret
    assert base64.b32decode(secret) not in row.secret


def test_a_wrong_first_code_does_not_turn_totp_on(member, clock):
    member.client.get("/account/security/totp")
    refused = member.post("/account/security/totp", {"code": "000000"})
    assert refused.status_code == 400 and "didn&#39;t match" in refused.text
    assert db.session.get(TotpFactor, user_named("kim_chef").id).confirmed_at is None
    assert "mfa_required" not in api_login(member.client).get_json()


def test_enrolment_with_the_first_code_turns_totp_on_and_shows_ten_codes(member, clock):
    secret, codes = enrol(member, clock)
    user = user_named("kim_chef")
    assert db.session.get(TotpFactor, user.id).confirmed_at is not None
    assert len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)
    assert 'data-totp-state="on"' in member.client.get("/account/security").text
    events = db.session.scalars(select(AuditEvent.event).where(AuditEvent.user_id == user.id))
    assert "totp_enabled" in events.all()
    # Once on, the enrolment page sends back to the overview.
    again = member.client.get("/account/security/totp")
    assert again.status_code == 303 and again.headers["Location"].endswith("/account/security")


def test_the_enrolment_code_cannot_be_used_again_to_log_in(app, member, clock):
    secret, _ = enrol(member, clock)
    other = app.test_client()
    challenge = api_login(other).get_json()["challenge"]
    replay = other.post(
        "/members/login/mfa", json={"challenge": challenge, "code": totp_code(secret, clock)}
    )
    assert replay.status_code == 400 and replay.get_json()["code"] == "mfa_code_invalid"


def test_codes_from_another_seed_never_confirm(member, clock):
    member.client.get("/account/security/totp")
    other = pyotp.random_base32()
    assert (
        member.post("/account/security/totp", {"code": totp_code(other, clock)}).status_code == 400
    )


def test_disable_removes_totp_and_recovery_codes(member, clock):
    enrol(member, clock)
    done = member.post("/account/security/totp/disable")
    assert done.status_code == 303 and "totp_disabled" in done.headers["Location"]
    user = user_named("kim_chef")
    assert db.session.get(TotpFactor, user.id) is None
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert "mfa_required" not in api_login(member.client).get_json()


def test_regenerating_recovery_codes_replaces_the_old_ones(app, member, clock):
    _, old = enrol(member, clock)
    fresh = member.post("/account/security/recovery-codes")
    assert fresh.status_code == 200 and fresh.headers["Cache-Control"] == "no-store"
    new = CODES.findall(fresh.text)
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    assert api_mfa(other, api_challenge(other), old[0]).status_code == 400
    assert api_mfa(other, api_challenge(other), new[0]).status_code == 200


def test_recovery_codes_need_a_second_factor_first(member):
    response = member.post("/account/security/recovery-codes")
    assert response.status_code == 303 and "totp_missing" in response.headers["Location"]


def test_a_member_without_factors_logs_in_with_the_password_alone(app, client):
    make_user("lee")
    body = api_login(client, "lee").get_json()
    assert body["result"] == "success" and "access_token" in body and "mfa_required" not in body


def test_recovery_codes_download_as_a_text_file_without_script(member, clock):
    enrol(member, clock)
    page = member.post("/account/security/recovery-codes").text
    link = re.search(
        r'download="munjigi-recovery-codes\.txt" href="data:text/plain;[^,]*,([^"]+)"', page
    )
    assert link, "no download link"
    text = urllib.parse.unquote(html.unescape(link.group(1)))
    codes = CODES.findall(page)
    assert len(codes) == 10 and all(code in text.splitlines() for code in codes)
    assert 'data-recovery="copy"' in page and 'data-recovery="print"' in page
