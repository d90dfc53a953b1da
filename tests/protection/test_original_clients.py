"""The original 한끼얼마 clients' load shape runs under the README's "original clients" profile.

The profile is read from the README itself (between its markers), so the documented
settings are the tested ones. The replay: ~25 sign-ups and ~80 logins (some failing) from
one address inside a minute, cookie refreshes with ``X-CSRF-Token: <csrf_access_token>``,
and no ``X-Altcha-Capable`` header (those clients cannot solve a proof of work).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from munjigi.config import Settings
from tests.helpers import PASSWORD

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK = re.compile(
    r"<!-- original-clients-profile:start -->\s*```sh\n(.*?)```\s*"
    r"<!-- original-clients-profile:end -->",
    re.DOTALL,
)
PROTECTION = ("ratelimit_", "login_", "antibot_")
SIGNUPS = 25
LOGINS = 80
WRONG = "definitely not the password"


def profile_environment() -> dict[str, str]:
    found = _BLOCK.search(README.read_text(encoding="utf-8"))
    assert found, "README lost its original-clients profile block"
    env = {}
    for line in found.group(1).splitlines():
        name, _, value = line.strip().partition("=")
        if name:
            env[name] = value.strip().strip('"')
    return env


def protection_settings(environ: dict[str, str]) -> dict[str, Any]:
    """The protection settings a deployment started with ``environ`` would run with."""
    parsed = Settings.from_env(environ, dotenv_path=None)
    return {
        f.name: getattr(parsed, f.name)
        for f in dataclasses.fields(Settings)
        if f.name.startswith(PROTECTION) and f.name != "ratelimit_storage"
    }


def replay(client: Any) -> Counter[int]:
    """The original suite's shape from one address; returns how often each status came."""
    seen: Counter[int] = Counter()
    for n in range(SIGNUPS):
        body = {"username": f"cook_{n:02d}", "password": PASSWORD, "email": f"c{n}@example.com"}
        seen[client.post("/members/forms", json=body).status_code] += 1
    for n in range(LOGINS):
        username = f"cook_{n % SIGNUPS:02d}"
        password = WRONG if n % 8 == 7 else PASSWORD  # the suite's "wrong password" cases
        if n % 20 == 19:
            username = "nobody_at_all"  # and its "unknown user" cases
        response = client.post("/members/login", json={"username": username, "password": password})
        seen[response.status_code] += 1
        if response.status_code == 200 and n % 4 == 0:
            csrf = client.get_cookie("csrf_access_token").value
            renewed = client.get("/members/tokens", headers={"X-CSRF-Token": csrf})
            seen[renewed.status_code] += 1
    return seen


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return protection_settings(profile_environment())


def test_the_profile_block_names_real_settings():
    env = profile_environment()
    assert env, "empty profile"
    names = {f"MUNJIGI_{f.name.upper()}" for f in dataclasses.fields(Settings)}
    assert set(env) <= names
    parsed = Settings.from_env(env, dotenv_path=None)
    assert parsed.antibot_enabled and parsed.ratelimit_enabled  # protection stays on


def test_the_original_suite_runs_under_the_profile_without_428_or_429(app, client):
    assert app.extensions["munjigi"].settings.antibot_enabled
    seen = replay(client)
    assert seen[428] == 0 and seen[429] == 0, seen
    assert seen[403] == 0, seen  # the refreshes with the access CSRF value went through
    assert seen[200] >= SIGNUPS + LOGINS * 0.8
    assert seen[400] > 0  # the failing logins failed, as the suite expects


@pytest.mark.parametrize("settings_overrides", [protection_settings({})])
def test_with_the_defaults_the_same_load_is_throttled_but_never_asked_for_a_solution(app, client):
    seen = replay(client)
    assert seen[428] == 0, seen
    assert seen[429] > 0, seen
