"""Brute force on login: (account, IP) lockout, account-wide delay, IP budget, unlocks."""

from __future__ import annotations

from typing import Any

import pytest

from munjigi.auth import services
from munjigi.extensions import db
from munjigi.security import bruteforce
from munjigi.security.models import Role
from munjigi.security.models import User
from tests.helpers import PASSWORD
from tests.protection.conftest import audit_events
from tests.protection.conftest import login
from tests.protection.conftest import signup

WRONG = "not the right password at all"
ATTACKER = "10.66.0.1"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "login_pair_failures": 3,
        "login_account_failures": 5,
        "login_ip_failures_minute": 20,
        "login_ip_failures_day": 100,
    }


def failed_body(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["code"] == "login_failed"
    return body


def throttled_body(response: Any) -> tuple[dict[str, Any], int]:
    """A lock or delay: 429 with Retry-After, never the "wrong password" answer."""
    assert response.status_code == 429, response.get_json()
    body = response.get_json()
    assert body["code"] == "rate_limited"
    return body, int(response.headers["Retry-After"])


def test_locked_pair_still_logs_in_from_another_ip(app, client, clock):
    assert signup(client, "victim").status_code == 200
    for _ in range(3):
        failed_body(login(client, "victim", WRONG, ip=ATTACKER))
    # The right password from the attacker's address waits out the lock (never "wrong")...
    _, retry = throttled_body(login(client, "victim", PASSWORD, ip=ATTACKER))
    assert 890 <= retry <= 900
    # ...while the owner, on another address, logs in.
    assert login(client, "victim", ip="10.0.0.2").status_code == 200
    lockouts = audit_events(app, "lockout")
    assert [e.reason for e in lockouts] == ["pair_locked"]
    assert lockouts[0].ip == ATTACKER
    # Refused attempts are still audited (and counted) as failed logins.
    assert len(audit_events(app, "login_failed")) == 4


def test_locked_account_and_locked_unknown_name_get_the_same_answer(client, clock):
    signup(client, "victim")
    for _ in range(3):
        login(client, "victim", WRONG, ip=ATTACKER)
        login(client, "nobody_here", WRONG, ip=ATTACKER)
    locked = throttled_body(login(client, "victim", PASSWORD, ip=ATTACKER))
    unknown = throttled_body(login(client, "nobody_here", PASSWORD, ip=ATTACKER))
    assert locked == unknown
    # Not locked: unknown name and wrong password still share the 400.
    assert failed_body(login(client, "nobody_else", PASSWORD, ip="10.0.0.3")) == failed_body(
        login(client, "victim", WRONG, ip="10.0.0.4")
    )


def test_unknown_names_are_locked_exactly_like_accounts(client, clock):
    for _ in range(3):
        failed_body(login(client, "ghost_user", WRONG, ip=ATTACKER))
    attempt_rows = [
        r for r in db.session.scalars(db.select(bruteforce.LoginThrottle)) if r.scope == "pair"
    ]
    assert len(attempt_rows) == 1 and attempt_rows[0].locked_until is not None


def test_pair_lock_ends_by_itself_and_refusals_do_not_extend_it(client, clock):
    signup(client, "victim")
    for _ in range(3):
        login(client, "victim", WRONG, ip=ATTACKER)
    clock.advance(600)
    throttled_body(login(client, "victim", PASSWORD, ip=ATTACKER))  # still locked, not extended
    clock.advance(301)
    assert login(client, "victim", ip=ATTACKER).status_code == 200


def make_admin(client) -> dict[str, str]:
    services.create_user("boss", PASSWORD, "boss@example.com", role=Role.ADMIN)
    tokens = login(client, "boss", ip="10.0.0.9").get_json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_admin_unlocks_an_account(app, client, clock):
    signup(client, "victim")
    admin = make_admin(client)
    for _ in range(3):
        login(client, "victim", WRONG, ip=ATTACKER)
    user_id = services.find_by_login("victim").id
    assert bruteforce.status(user_id)["locked_pairs"]
    member = login(client, "victim", ip="10.0.0.2").get_json()["access_token"]
    refused = client.post(
        f"/api/admin/users/{user_id}/unlock-login", headers={"Authorization": f"Bearer {member}"}
    )
    assert refused.status_code == 403
    done = client.post(f"/api/admin/users/{user_id}/unlock-login", headers=admin)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["cleared"] >= 1
    assert login(client, "victim", ip=ATTACKER).status_code == 200
    assert [e.reason for e in audit_events(app, "login_unlocked")] == ["admin"]
    assert client.post("/api/admin/users/999999/unlock-login", headers=admin).status_code == 404


def test_password_change_unlocks_the_account(client, clock):
    signup(client, "victim")
    for _ in range(3):
        login(client, "victim", WRONG, ip=ATTACKER)
    user = db.session.scalar(db.select(User).where(User.username == "victim"))
    user.password_changed_at = clock_now(clock)
    db.session.commit()
    assert bruteforce.status(user.id)["locked_pairs"] == []
    assert login(client, "victim", ip=ATTACKER).status_code == 200


def clock_now(clock):
    from datetime import UTC
    from datetime import datetime

    return datetime.fromtimestamp(clock.now, UTC)


@pytest.mark.parametrize(
    "settings_overrides", [{"login_pair_failures": 100, "login_account_failures": 3}]
)
def test_account_delay_grows_but_never_locks_out_a_trusted_device(app, client, clock):
    signup(client, "victim")
    assert login(client, "victim", ip="10.0.0.5").status_code == 200  # the owner's device
    for n in range(3):
        failed_body(login(client, "victim", WRONG, ip=f"10.77.0.{n}"))
    # Third failure: every new address must now wait one second after the latest failure.
    assert throttled_body(login(client, "victim", PASSWORD, ip="10.0.0.7"))[1] == 1
    assert login(client, "victim", ip="10.0.0.5").status_code == 200  # trusted pair skips it
    # A success from a trusted device forgives the account's failures.
    assert login(client, "victim", ip="10.0.0.7").status_code == 200
    for n in range(4):
        clock.advance(60)
        failed_body(login(client, "victim", WRONG, ip=f"10.77.1.{n}"))
    # Four more failures: the wait is now 2 s, and refusals while waiting do not add to it.
    assert throttled_body(login(client, "victim", PASSWORD, ip="10.0.0.8"))[1] == 2
    clock.advance(1)
    assert throttled_body(login(client, "victim", PASSWORD, ip="10.0.0.8"))[1] == 1
    clock.advance(1)
    assert login(client, "victim", ip="10.0.0.8").status_code == 200
    assert "account_throttled" in [e.reason for e in audit_events(app, "lockout")]


def test_owner_gets_in_despite_four_failures_from_elsewhere(client, clock):
    signup(client, "victim")
    for n in range(4):  # below MUNJIGI_LOGIN_ACCOUNT_FAILURES (5): no account-wide delay yet
        failed_body(login(client, "victim", WRONG, ip=f"10.78.0.{n}"))
    assert login(client, "victim", ip="10.0.1.1").status_code == 200


def test_owner_is_never_told_a_correct_password_is_wrong(app, client, clock):
    signup(client, "victim")
    for n in range(5):  # the fifth failure starts the account-wide delay
        failed_body(login(client, "victim", WRONG, ip=f"10.79.0.{n}"))
    # The owner, on a device that never logged in: wait, not "wrong password".
    refused = login(client, "victim", PASSWORD, ip="10.0.2.1")
    body, retry = throttled_body(refused)
    assert retry == 1
    # An unknown name with the same history gets the very same answer.
    for n in range(5):
        failed_body(login(client, "ghost_user", WRONG, ip=f"10.79.1.{n}"))
    assert throttled_body(login(client, "ghost_user", PASSWORD, ip="10.0.2.2")) == (body, retry)
    clock.advance(retry)
    assert login(client, "victim", ip="10.0.2.1").status_code == 200


def test_account_delay_is_capped():
    from munjigi.config import Settings

    settings = Settings.for_testing()
    delays = [bruteforce.account_delay(n, settings) for n in range(0, 40)]
    assert delays[:5] == [0] * 5
    assert delays[5:9] == [1, 2, 4, 8]
    assert max(delays) == settings.login_account_max_delay == 15 * 60


@pytest.mark.parametrize(
    "settings_overrides", [{"login_ip_failures_minute": 5, "login_ip_failures_day": 8}]
)
def test_ip_failure_budget_answers_429_for_that_ip_only(app, client, clock):
    signup(client, "victim")
    for n in range(5):  # a spray: one guess on each of many names
        failed_body(login(client, f"name_{n}", WRONG, ip=ATTACKER))
    refused = login(client, "victim", PASSWORD, ip=ATTACKER)
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert login(client, "victim", ip="10.0.0.2").status_code == 200
    clock.advance(61)
    for n in range(3):
        failed_body(login(client, f"other_{n}", WRONG, ip=ATTACKER))
    day = login(client, "victim", PASSWORD, ip=ATTACKER)
    assert day.status_code == 429
    assert int(day.headers["Retry-After"]) > 3600
    assert {e.reason for e in audit_events(app, "lockout")} == {"ip_throttled"}


def test_cli_unlock_login(client, runner, clock):
    signup(client, "victim")
    for _ in range(3):
        login(client, "victim", WRONG, ip=ATTACKER)
    result = runner.invoke(args=["munjigi", "unlock-login", "victim"])
    assert result.exit_code == 0, result.output
    assert "lock records cleared" in result.output
    assert login(client, "victim", ip=ATTACKER).status_code == 200
    assert runner.invoke(args=["munjigi", "unlock-login", "nobody"]).exit_code != 0
