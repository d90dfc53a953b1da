"""Every route of the second factors answers any method and Accept with the security headers,
never a 500 (anonymous, signed in and stale)."""

from __future__ import annotations

import pytest

from tests.protection.conftest import BROWSER_UA
from tests.protection.test_headers import check
from tests.protection.test_headers import concrete

MINE = {
    "mfa.security",
    "mfa.enrol_totp",
    "mfa.disable_totp",
    "mfa.regenerate_recovery_codes",
    "mfa.second_step",
    "mfa.reauth",
    "auth.login_mfa",
    "auth.reauthenticate",
    "admin.reset_factors",
}


@pytest.mark.parametrize("who", ["anonymous", "member", "stale"])
def test_factor_routes_carry_the_headers_and_never_crash(app, member, clock, who):
    if who == "anonymous":
        member.client.delete_cookie("access_token_cookie")
    if who == "stale":
        clock.advance(10 * 60 + 1)
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint in MINE]
    assert {rule.endpoint for rule in rules} == MINE
    for rule in rules:
        path = concrete(rule)
        for method in sorted(rule.methods or ()):
            for accept in ("application/json", "text/html"):
                response = member.client.open(
                    path, method=method, headers={"Accept": accept, "User-Agent": BROWSER_UA}
                )
                where = f"{who} {method} {path} ({accept}) -> {response.status_code}"
                assert response.status_code < 500, where
                check(response, where)
