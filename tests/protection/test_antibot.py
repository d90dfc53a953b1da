"""Anti-bot: PoW challenges (forged, replayed, expired, too easy), the suspicious-client JSON
flow, sign-up floods, honeypot and fill time on forms, scripted clients on pages."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from munjigi.security import antibot
from tests.helpers import PASSWORD
from tests.protection.conftest import BROWSER_UA
from tests.protection.conftest import at
from tests.protection.conftest import audit_events
from tests.protection.conftest import login
from tests.protection.conftest import signup

SECRET = "s" * 48
DIFFICULTY = 2000


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"antibot_enabled": True, "antibot_pow_difficulty": DIFFICULTY}


# --- the pure core -----------------------------------------------------------------------


def solved(
    purpose: str = "signup", difficulty: int = DIFFICULTY, secret: str = SECRET, **kw: Any
) -> str:
    challenge = antibot.new_challenge(
        purpose, difficulty, secret=secret, now=kw.get("now", time.time()), ttl=600
    )
    return antibot.solve(challenge)


def check(
    payload: str,
    purpose: str = "signup",
    min_difficulty: int = DIFFICULTY,
    now: float | None = None,
) -> str:
    return antibot.check_solution(
        payload,
        purpose=purpose,
        min_difficulty=min_difficulty,
        secret=SECRET,
        now=now or time.time(),
    )[1]


def test_a_solved_challenge_verifies():
    assert check(solved()) == "ok"


def test_a_challenge_signed_with_another_key_is_forged():
    assert check(solved(secret="x" * 48)) == "forged"


def test_easing_a_challenge_breaks_its_signature():
    body = json.loads(base64.b64decode(solved(difficulty=DIFFICULTY * 16)))
    body["challenge"]["parameters"]["data"]["max"] = DIFFICULTY * 64  # claim harder work
    tampered = base64.b64encode(json.dumps(body).encode()).decode()
    assert check(tampered, min_difficulty=DIFFICULTY * 64) == "forged"


def test_a_wrong_answer_is_refused():
    body = json.loads(base64.b64decode(solved()))
    body["solution"]["counter"] += 1
    assert check(base64.b64encode(json.dumps(body).encode()).decode()) == "wrong_answer"


def test_expired_wrong_purpose_too_easy_and_garbage_are_refused():
    payload = solved()
    assert check(payload, now=time.time() + 601) == "expired"
    assert check(payload, purpose="login") == "wrong_purpose"
    assert check(payload, min_difficulty=DIFFICULTY * 4) == "too_easy"
    assert check("not base64 at all") == "malformed"
    assert check("A" * 5000) == "malformed"


def test_difficulty_rises_with_risk():
    levels = [antibot.difficulty_for(level, 100_000) for level in (1, 2, 3, 4, 9)]
    assert levels == [100_000, 400_000, 1_600_000, 6_400_000, 6_400_000]


# --- JSON clients meet the PoW only when suspicious --------------------------------------

CAPABLE = {"X-Altcha-Capable": "1"}
WRONG = "wrong password, long enough"


def capable_login(client: Any, username: str, password: str = PASSWORD, ip: str = "127.0.0.1"):
    """A login from a client that said it solves proofs of work."""
    return client.post(
        "/members/login",
        json={"username": username, "password": password},
        headers=CAPABLE,
        **at(ip),
    )


def test_ordinary_api_clients_never_meet_a_challenge(client):
    assert signup(client, "plain_user").status_code == 200
    assert login(client, "plain_user").status_code == 200
    assert login(client, "plain_user").status_code == 200


def test_suspicious_login_needs_a_solution_which_is_single_use(app, client):
    signup(client, "target")
    wrong = "wrong password, long enough"
    for _ in range(3):
        assert login(client, "target", wrong, ip="10.20.0.1").status_code == 400
    asked = capable_login(client, "target", ip="10.20.0.1")
    assert asked.status_code == 428, asked.get_json()
    body = asked.get_json()
    assert body["code"] == "challenge_required"
    challenge = body["fields"]["altcha"]
    assert challenge["parameters"]["data"] == {"purpose": "login", "max": DIFFICULTY}
    payload = antibot.solve(challenge)
    # The solution is spent even though the password was wrong...
    assert login(client, "target", wrong, ip="10.20.0.1", altcha=payload).status_code == 400
    # ...so sending it again is a replay.
    replayed = login(client, "target", ip="10.20.0.1", altcha=payload)  # sent one: capable
    assert replayed.status_code == 428
    header = client.post(
        "/members/login",
        json={"username": "target", "password": PASSWORD},
        headers={"X-Altcha": antibot.solve(replayed.get_json()["fields"]["altcha"])},
        **at("10.20.0.1"),
    )
    assert header.status_code == 200
    assert [e.reason for e in audit_events(app, "pow_failed")] == ["replayed"]
    # Another address has nothing to prove.
    assert login(client, "target", ip="10.20.0.2").status_code == 200


def test_a_forged_challenge_is_refused_and_audited(app, client):
    signup(client, "target")
    for _ in range(3):
        login(client, "target", "wrong password, long enough", ip="10.21.0.1")
    forged = solved(purpose="login", secret="attacker's own key" * 3)
    refused = login(client, "target", ip="10.21.0.1", altcha=forged)
    assert refused.status_code == 428
    assert [e.reason for e in audit_events(app, "pow_failed")] == ["forged"]


def test_more_failures_ask_for_more_work(client):
    wrong = "wrong password, long enough"
    seen = []
    for n in range(10):  # a spray over many names from one address
        response = capable_login(client, f"name_{n}", wrong, ip="10.22.0.1")
        if response.status_code == 428:
            challenge = response.get_json()["fields"]["altcha"]
            seen.append(challenge["parameters"]["data"]["max"])
            response = login(
                client, f"name_{n}", wrong, ip="10.22.0.1", altcha=antibot.solve(challenge)
            )
        assert response.status_code == 400
    asked = capable_login(client, "someone_else", ip="10.22.0.1").get_json()
    assert asked["code"] == "challenge_required"
    seen.append(asked["fields"]["altcha"]["parameters"]["data"]["max"])
    assert seen[0] == DIFFICULTY
    assert seen[-1] == DIFFICULTY * 4
    assert seen == sorted(seen)


def test_signup_burst_from_one_ip_needs_a_solution(client):
    for n in range(3):
        assert signup(client, f"burst_{n}", ip="10.23.0.1").status_code == 200
    asked = client.post(
        "/members/forms",
        json={"username": "burst_3", "password": PASSWORD, "email": "burst_3@example.com"},
        headers=CAPABLE,
        **at("10.23.0.1"),
    )
    assert asked.status_code == 428
    payload = antibot.solve(asked.get_json()["fields"]["altcha"])
    assert signup(client, "burst_3", ip="10.23.0.1", altcha=payload).status_code == 200
    assert signup(client, "calm_user", ip="10.23.0.2").status_code == 200


# --- clients that cannot solve one are throttled, never locked out (issue #13 item 15) ----


def test_failures_from_elsewhere_never_ask_the_owner_for_a_solution(client):
    signup(client, "target")
    for n in range(4):  # from any addresses, below the account-wide delay
        assert login(client, "target", WRONG, ip=f"10.30.0.{n}").status_code == 400
    # The original client (no declaration) and a capable one, from a clean address: in.
    assert login(client, "target", ip="10.30.1.1").status_code == 200
    assert capable_login(client, "target", ip="10.30.1.2").status_code == 200


def test_a_device_that_logged_in_before_is_not_throttled_for_others_failures(client, clock):
    signup(client, "target")
    assert login(client, "target", ip="10.31.1.1").status_code == 200
    for n in range(8):  # enough to start the account-wide delay
        clock.advance(300)
        assert login(client, "target", WRONG, ip=f"10.31.0.{n}").status_code == 400
    assert login(client, "target", ip="10.31.2.2").status_code == 429  # a new device waits
    assert login(client, "target", ip="10.31.1.1").status_code == 200


def test_suspicious_pair_throttles_a_client_that_cannot_solve(app, client, clock):
    signup(client, "target")
    for _ in range(3):
        assert login(client, "target", WRONG, ip="10.32.0.1").status_code == 400
    refused = login(client, "target", ip="10.32.0.1")
    assert refused.status_code == 429, refused.get_json()
    assert refused.get_json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) == 1
    assert "login_throttled" in [e.reason for e in audit_events(app, "rate_limited")]
    # The same account from another address is not touched; the pair waits its second.
    assert login(client, "target", ip="10.32.0.2").status_code == 200
    clock.advance(1)
    assert login(client, "target", ip="10.32.0.1").status_code == 200


def test_suspicious_ip_throttles_a_client_that_cannot_solve(client, clock):
    signup(client, "target")
    for n in range(5):  # a spray from one address
        assert login(client, f"name_{n}", WRONG, ip="10.33.0.1").status_code == 400
    refused = login(client, "target", ip="10.33.0.1")
    assert refused.status_code == 429
    retry = int(refused.headers["Retry-After"])
    assert 1 <= retry <= 2
    clock.advance(retry)
    assert login(client, "target", ip="10.33.0.1").status_code == 200


def test_a_client_that_solved_one_before_is_asked_again_not_throttled(app, client, clock):
    signup(client, "target")
    for _ in range(3):
        assert login(client, "target", WRONG, ip="10.35.0.1").status_code == 400
    asked = capable_login(client, "target", WRONG, ip="10.35.0.1")
    assert asked.status_code == 428
    payload = antibot.solve(asked.get_json()["fields"]["altcha"])
    assert login(client, "target", WRONG, ip="10.35.0.1", altcha=payload).status_code == 400
    # Later, without the header: it has solved one before (its cookie says so) -> 428.
    again = login(client, "target", ip="10.35.0.1")
    assert again.status_code == 428, again.get_json()
    # A client without that history (no cookie jar) waits instead.
    bare = app.test_client(use_cookies=False)
    assert login(bare, "target", ip="10.35.0.1").status_code == 429


def test_a_fourth_signup_from_one_ip_is_throttled_not_asked_for_a_solution(client, clock):
    for n in range(3):
        assert signup(client, f"burst_{n}", ip="10.34.0.1").status_code == 200
    refused = signup(client, "burst_3", ip="10.34.0.1")
    assert refused.status_code == 429, refused.get_json()
    retry = int(refused.headers["Retry-After"])
    # One second after the third sign-up, whose audit time is the real clock's (ahead of
    # the frozen one by however long the sign-ups took).
    assert 1 <= retry <= 10
    clock.advance(retry)
    assert signup(client, "burst_3", ip="10.34.0.1").status_code == 200


def test_challenge_endpoint_hands_out_challenges(client):
    response = client.get("/api/antibot/challenge?purpose=login")
    assert response.status_code == 200
    assert response.get_json()["challenge"]["parameters"]["data"]["purpose"] == "login"
    assert client.get("/api/antibot/challenge?purpose=admin").status_code == 422


# --- HTML forms: honeypot, fill time, PoW solved by the page script ------------------------

TAG = re.compile(r"<input\b[^>]*>")
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def form_fields(page: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in TAG.findall(page):
        attrs = {k: html.unescape(v) for k, v in ATTR.findall(tag)}
        if "name" in attrs and attrs.get("type", "text") == "hidden":
            found[attrs["name"]] = attrs.get("value", "")
            if "data-antibot-challenge" in attrs:
                found["_challenge"] = attrs["data-antibot-challenge"]
    return found


BROWSER = {"User-Agent": BROWSER_UA, "Accept": "text/html"}


def signup_form(client: Any) -> dict[str, str]:
    page = client.get("/signup", headers=BROWSER, **at("10.30.0.1"))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'name="website"' in text and "js/antibot.js" in text
    return form_fields(text)


def post_signup(client: Any, fields: dict[str, str], **extra: str) -> Any:
    data = {k: v for k, v in fields.items() if not k.startswith("_")}
    data.update(
        username="form_user",
        email="form_user@example.com",
        password=PASSWORD,
        password_confirm=PASSWORD,
        terms="yes",
    )
    data.update(extra)
    return client.post("/signup", data=data, headers=BROWSER, **at("10.30.0.1"))


def test_signup_form_posted_like_a_person_succeeds(client, clock):
    fields = signup_form(client)
    fields["altcha"] = antibot.solve(json.loads(fields["_challenge"]))
    clock.advance(5)
    response = post_signup(client, fields)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


def test_honeypot_filled_is_a_bot(app, client, clock):
    fields = signup_form(client)
    fields["altcha"] = antibot.solve(json.loads(fields["_challenge"]))
    clock.advance(5)
    response = post_signup(client, fields, website="http://spam.example")
    assert response.status_code == 403
    assert audit_events(app, "honeypot")


def test_form_sent_faster_than_a_person_can_type_is_a_bot(client, clock):
    fields = signup_form(client)
    fields["altcha"] = antibot.solve(json.loads(fields["_challenge"]))
    assert post_signup(client, fields).status_code == 403  # no time passed
    clock.advance(5)
    fields["antibot_form"] = "1." + "0" * 32  # forged timestamp
    assert post_signup(client, fields).status_code == 403


def test_signup_form_without_solution_is_asked_for_one(client, clock):
    fields = signup_form(client)
    clock.advance(5)
    assert post_signup(client, fields).status_code == 428


def test_scripted_clients_are_refused_on_pages_not_on_the_api(app, client):
    for agent in ("curl/8.5.0", "python-requests/2.32", ""):
        refused = client.get("/login", headers={"User-Agent": agent, "Accept": "text/html"})
        assert refused.status_code == 403, agent
    assert client.get("/posts", headers={"User-Agent": "curl/8.5.0"}).status_code == 200
    assert client.get("/login", headers=BROWSER).status_code == 200
    assert audit_events(app, "bot_blocked")


NODE = shutil.which("node")
SCRIPT = Path(__file__).resolve().parents[2] / "src/munjigi/static/js/antibot.js"


@pytest.mark.skipif(
    NODE is None, reason="node is not installed (the page script is tested with it)"
)
def test_the_page_script_solves_what_the_server_verifies():
    challenge = antibot.new_challenge("signup", 20_000, secret=SECRET, now=time.time(), ttl=600)
    program = (
        "global.btoa = (s) => Buffer.from(s, 'binary').toString('base64');"
        f"const m = require({json.dumps(str(SCRIPT))});"
        f"const c = {json.dumps(challenge)};"
        "m.solve(c).then(s => process.stdout.write(m.payload(c, s)));"
    )
    payload = subprocess.run(  # noqa: S603 - fixed program, test only
        [str(NODE), "-e", program], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert check(payload, min_difficulty=20_000) == "ok"
