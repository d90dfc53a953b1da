"""An attacker script from one IP: guesses passwords, replays challenges, floods sign-up.
It is stopped; a normal user on another IP notices nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.security import antibot
from munjigi.security.models import User
from tests.helpers import PASSWORD
from tests.protection.conftest import at
from tests.protection.conftest import login
from tests.protection.conftest import signup

ATTACKER = "203.0.113.66"
NORMAL = "198.51.100.20"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "antibot_enabled": True,
        "antibot_pow_difficulty": 1000,
        "ratelimit_login": "30/minute;300/hour",
        "ratelimit_signup": "5/minute;20/hour",
    }


def attempt(send: Any, replays: list[str]) -> Any:
    """One request the way a bot would make it: on 428, first replay an old solution, then
    solve the new challenge (the attacker has CPU to spare)."""
    response = send(None)
    if response.status_code != 428:
        return response
    for old in replays[:1]:
        replayed = send(old)
        assert replayed.status_code in (428, 429), "a replayed solution was accepted"
    payload = antibot.solve(response.get_json()["fields"]["altcha"])
    replays.append(payload)
    return send(payload)


def bot_request(client: Any, path: str, body: dict[str, Any], payload: Any, capable: bool) -> Any:
    """The attacker's request; ``capable``: it declares it solves proofs of work."""
    extra = {"HTTP_X_ALTCHA_CAPABLE": "1"} if capable else {}
    sent = {**body, **({"altcha": payload} if payload else {})}
    return client.post(path, json=sent, **at(ATTACKER, **extra))


@pytest.mark.parametrize("capable", [True, False], ids=["solves-pow", "cannot-solve"])
def test_attacker_is_stopped_and_a_normal_user_is_not(app, client, capable):
    assert signup(client, "victim", ip=NORMAL).status_code == 200
    assert login(client, "victim", ip=NORMAL).status_code == 200  # the victim's own device
    replays: list[str] = []

    # 1. Password guessing; the right password is among the guesses, late.
    guesses = [f"guess number {n} for the victim" for n in range(40)]
    guesses.insert(25, PASSWORD)
    answers: Counter[int] = Counter()
    for guess in guesses:
        body = {"username": "victim", "password": guess}
        response = attempt(
            lambda payload, body=body: bot_request(
                client, "/members/login", body, payload, capable
            ),
            replays,
        )
        answers[response.status_code] += 1
    assert answers[429] > 0  # the IP ran out of its failed-login budget (or was throttled)
    if capable:
        assert answers[200] == 0, answers  # never in, not even with the right password
    else:
        # Throttled, not locked: each counted guess doubles the wait, so most of the 41
        # tries were refused unheard (whether the right one landed after a wait depends
        # on timing; a right guess is a right guess — the throttle bounds how many).
        assert answers[400] <= 10, answers
    # A bot that solves pays for its tries with proof of work; one that cannot is throttled.
    assert (len(replays) > 0) == capable

    # 2. Sign-up flood.
    created: Counter[int] = Counter()
    for n in range(30):
        body = {"username": f"bot_{n}", "password": PASSWORD, "email": f"bot_{n}@example.com"}
        response = attempt(
            lambda payload, body=body: bot_request(
                client, "/members/forms", body, payload, capable
            ),
            replays,
        )
        created[response.status_code] += 1
    assert created[200] <= 5, created
    assert created[429] > 0
    bots = db.session.scalar(
        select(func.count()).select_from(User).where(User.username.like("bot_%"))
    )
    assert bots <= 5

    # 3. Meanwhile, people on other addresses notice nothing.
    assert signup(client, "normal_user", ip=NORMAL).status_code == 200
    normal = login(client, "normal_user", ip=NORMAL)
    assert normal.status_code == 200, normal.get_json()
    # The victim's own device is trusted: the attack imposed no lock or puzzle on it.
    assert login(client, "victim", ip=NORMAL).status_code == 200
    assert client.get("/posts", environ_base={"REMOTE_ADDR": NORMAL}).status_code == 200
