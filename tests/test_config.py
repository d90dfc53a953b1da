"""Settings: environment parsing, production refusals, and the development secret."""

from __future__ import annotations

import dataclasses
import os
import secrets
import stat
from pathlib import Path
from typing import Any

import pytest

from munjigi import ConfigError
from munjigi import Settings
from munjigi import create_app

STRONG_SECRET = "k7Qd2vXw9LmPz4RtYb8NcFj3HsGa6UeV1oKi5Wq0"


def from_env(tmp_path: Path, dotenv_path: str | None = None, **env: str) -> Settings:
    """``Settings.from_env`` with only ``env`` (names without the prefix) and a tmp instance."""
    environ = {"MUNJIGI_INSTANCE_PATH": str(tmp_path / "instance")}
    environ.update({f"MUNJIGI_{name}": value for name, value in env.items()})
    return Settings.from_env(environ, dotenv_path=dotenv_path)


def production(**overrides: Any) -> Settings:
    """A production configuration with no problems, changed by ``overrides``."""
    base: dict[str, Any] = {
        "env": "production",
        "secret_key": STRONG_SECRET,
        "database_url": "sqlite://",
        "public_url": "https://auth.example.com",
    }
    base.update(overrides)
    return Settings(**base)


# --- from_env ----------------------------------------------------------------------------


def test_from_env_converts_every_type(tmp_path: Path) -> None:
    settings = from_env(
        tmp_path,
        ENV="testing",
        SECRET_KEY=STRONG_SECRET,
        ACCESS_TTL="60",
        REFRESH_TTL="120",
        TRUSTED_PROXIES="2",
        CSRF_PROTECT="false",
        COOKIE_SECURE="yes",
        CORS_ORIGINS="https://a.example, https://b.example,,",
        REDIS_URL="redis://cache:6379/0",
        COOKIE_SAMESITE="Lax",
    )

    assert settings.env == "testing"
    assert settings.access_ttl == 60 and settings.refresh_ttl == 120
    assert settings.trusted_proxies == 2
    assert settings.csrf_protect is False
    assert settings.cookie_secure is True
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.cookie_samesite == "Lax"


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("on", True)]
    + [("0", False), ("false", False), ("No", False), ("off", False)],
)
def test_boolean_spellings(tmp_path: Path, raw: str, value: bool) -> None:
    assert from_env(tmp_path, ENV="testing", CSRF_PROTECT=raw).csrf_protect is value


def test_unset_and_empty_variables_keep_the_defaults(tmp_path: Path) -> None:
    settings = from_env(tmp_path, ENV="testing", ACCESS_TTL="", CSRF_PROTECT="")

    assert settings.access_ttl == Settings.access_ttl
    assert settings.csrf_protect is True
    assert settings.cookie_secure is None


def test_unprefixed_and_unknown_variables_are_ignored(tmp_path: Path) -> None:
    environ = {
        "MUNJIGI_ENV": "testing",
        "MUNJIGI_INSTANCE_PATH": str(tmp_path),
        "ACCESS_TTL": "1",
        "MUNJIGI_NOT_A_SETTING": "x",
        "MUNJIGI_EXTRA": "x",
    }

    assert Settings.from_env(environ, dotenv_path=None).access_ttl == Settings.access_ttl


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("ACCESS_TTL", "thirty minutes"),
        ("ACCESS_TTL", "1.5"),
        ("TRUSTED_PROXIES", "one"),
        ("CSRF_PROTECT", "maybe"),
        ("COOKIE_SECURE", "secure"),
    ],
)
def test_unparsable_value_names_the_variable(tmp_path: Path, name: str, raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_env(tmp_path, ENV="testing", **{name: raw})

    assert f"MUNJIGI_{name}" in str(caught.value)
    assert repr(raw) in str(caught.value)


def test_every_unparsable_value_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        from_env(tmp_path, ENV="testing", ACCESS_TTL="x", CSRF_PROTECT="y", REFRESH_GRACE="z")

    message = str(caught.value)
    for name in ("MUNJIGI_ACCESS_TTL", "MUNJIGI_CSRF_PROTECT", "MUNJIGI_REFRESH_GRACE"):
        assert name in message


def test_environment_wins_over_the_dotenv_file(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "MUNJIGI_ENV=testing\nMUNJIGI_ACCESS_TTL=111\nMUNJIGI_REFRESH_TTL=222\n", encoding="utf-8"
    )

    settings = from_env(tmp_path, dotenv_path=str(dotenv), ACCESS_TTL="60")

    assert settings.access_ttl == 60  # from the environment
    assert settings.refresh_ttl == 222  # from .env
    assert settings.env == "testing"  # from .env


def test_missing_dotenv_file_is_ignored(tmp_path: Path) -> None:
    settings = from_env(tmp_path, dotenv_path=str(tmp_path / "absent.env"), ENV="testing")

    assert settings.env == "testing"


def test_from_env_without_a_mapping_reads_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUNJIGI_ENV", "testing")
    monkeypatch.setenv("MUNJIGI_ACCESS_TTL", "77")
    monkeypatch.setenv("MUNJIGI_INSTANCE_PATH", str(tmp_path))

    assert Settings.from_env(dotenv_path=None).access_ttl == 77


def test_default_database_lives_in_the_instance_folder(tmp_path: Path) -> None:
    settings = from_env(tmp_path, ENV="testing")

    expected = (tmp_path / "instance" / "munjigi.sqlite").resolve()
    assert settings.database_url == f"sqlite:///{expected}"


# --- cookies -----------------------------------------------------------------------------


@pytest.mark.parametrize(("env", "secure"), [("development", False), ("testing", True)])
def test_cookies_are_secure_everywhere_but_development(env: str, secure: bool) -> None:
    assert Settings(env=env).secure_cookies is secure
    assert production().secure_cookies is True


@pytest.mark.parametrize("env", ["development", "testing", "production"])
@pytest.mark.parametrize("explicit", [True, False])
def test_explicit_cookie_secure_wins(env: str, explicit: bool) -> None:
    assert Settings(env=env, cookie_secure=explicit).secure_cookies is explicit


# --- problems ----------------------------------------------------------------------------


def test_strong_production_configuration_has_no_problems() -> None:
    assert production().problems() == []
    assert production(handoff_secret=secrets.token_urlsafe(32)).problems() == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"secret_key": ""}, "MUNJIGI_SECRET_KEY is missing"),
        ({"secret_key": "Short-but-random-1234567890abc"}, "at least 32 bytes"),
        ({"secret_key": "ab" * 32}, "too repetitive"),
        ({"secret_key": "0123456789" * 4 + "a"}, None),  # exactly 11 symbols: enough
        ({"cookie_secure": False}, "MUNJIGI_COOKIE_SECURE"),
        ({"csrf_protect": False}, "MUNJIGI_CSRF_PROTECT"),
        ({"argon2_time_cost": 1}, "argon2"),
        ({"argon2_memory_cost": 19 * 1024 - 1}, "argon2"),
        ({"handoff_secret": "x" * 31}, "MUNJIGI_HANDOFF_SECRET"),
        ({"handoff_secret": ""}, "MUNJIGI_HANDOFF_SECRET"),
        ({"public_url": None}, "MUNJIGI_PUBLIC_URL is missing"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else str(value),
)
def test_production_refuses_each_weakness(overrides: dict[str, Any], fragment: str | None) -> None:
    found = production(**overrides).problems()

    if fragment is None:
        assert found == []
    else:
        assert len(found) == 1
        assert fragment in found[0]


def test_production_refuses_cookie_secure_false_from_the_environment(tmp_path: Path) -> None:
    settings = from_env(tmp_path, ENV="production", SECRET_KEY=STRONG_SECRET, COOKIE_SECURE="false")

    assert settings.secure_cookies is False
    assert any("Secure" in problem for problem in settings.problems())


def test_production_never_generates_a_secret(tmp_path: Path) -> None:
    settings = from_env(tmp_path, ENV="production")

    assert settings.secret_key == ""
    assert "MUNJIGI_SECRET_KEY is missing" in settings.problems()
    assert not (tmp_path / "instance" / "secret_key").exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"cookie_secure": False},
        {"csrf_protect": False},
        {"argon2_time_cost": 1, "argon2_memory_cost": 1024},
        {"secret_key": "short"},
        {"handoff_secret": "short"},
    ],
    ids=lambda value: "+".join(value),
)
def test_development_tolerates_what_only_production_refuses(overrides: dict[str, Any]) -> None:
    base = {"env": "development", "secret_key": STRONG_SECRET, **overrides}

    assert Settings(**base).problems() == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"env": "staging"}, "MUNJIGI_ENV"),
        ({"signing_alg": "HS256"}, "MUNJIGI_SIGNING_ALG"),
        ({"signing_alg": "none"}, "MUNJIGI_SIGNING_ALG"),
        ({"cookie_samesite": "strict"}, "MUNJIGI_COOKIE_SAMESITE"),
        ({"access_ttl": 0}, "MUNJIGI_ACCESS_TTL"),
        ({"refresh_ttl": -1}, "MUNJIGI_REFRESH_TTL"),
        ({"session_max_age": 0}, "MUNJIGI_SESSION_MAX_AGE"),
        ({"refresh_grace": -1}, "MUNJIGI_REFRESH_GRACE"),
        ({"access_ttl": 3600, "refresh_ttl": 1800}, "must not exceed"),
        ({"password_max_length": 63}, "MUNJIGI_PASSWORD_MAX_LENGTH"),
        ({"password_min_length": 7}, "MUNJIGI_PASSWORD_MIN_LENGTH"),
        ({"cookie_samesite": "None", "cookie_secure": False}, "SameSite=None"),
    ],
    ids=lambda value: "+".join(value) if isinstance(value, dict) else str(value),
)
def test_unusable_settings_are_problems_in_every_environment(
    overrides: dict[str, Any], fragment: str
) -> None:
    settings = Settings.for_testing(**overrides)

    assert any(fragment in problem for problem in settings.problems())


def test_for_testing_settings_have_no_problems() -> None:
    assert Settings.for_testing().problems() == []


# --- create_app --------------------------------------------------------------------------


def test_create_app_refuses_a_bad_production_config_naming_every_problem(tmp_path: Path) -> None:
    settings = production(
        secret_key="",
        cookie_secure=False,
        csrf_protect=False,
        argon2_time_cost=1,
        handoff_secret="short",
        instance_path=str(tmp_path),
    )
    problems = settings.problems()
    assert len(problems) == 5

    with pytest.raises(ConfigError) as caught:
        create_app(settings)

    message = str(caught.value)
    assert "production" in message
    for problem in problems:
        assert problem in message


def test_create_app_refuses_a_short_production_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        create_app(production(secret_key="too-short", instance_path=str(tmp_path)))


# --- development secret ------------------------------------------------------------------


def test_development_without_secret_creates_a_private_secret_file(tmp_path: Path) -> None:
    settings = from_env(tmp_path)
    path = tmp_path / "instance" / "secret_key"

    assert settings.env == "development"
    assert path.read_text().strip() == settings.secret_key
    assert len(settings.secret_key.encode()) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings.problems() == []


def test_development_secret_is_reused_on_the_next_start(tmp_path: Path) -> None:
    first = from_env(tmp_path)
    second = from_env(tmp_path)

    assert first.secret_key == second.secret_key


def test_development_secret_is_per_instance_folder(tmp_path: Path) -> None:
    one = from_env(tmp_path / "one")
    two = from_env(tmp_path / "two")

    assert one.secret_key != two.secret_key


def test_given_development_secret_is_used_and_no_file_is_made(tmp_path: Path) -> None:
    settings = from_env(tmp_path, SECRET_KEY=STRONG_SECRET)

    assert settings.secret_key == STRONG_SECRET
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_create_app_in_development_uses_the_instance_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The `make run` path: no settings passed, nothing but the instance folder configured.
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.startswith("MUNJIGI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MUNJIGI_INSTANCE_PATH", str(tmp_path / "instance"))

    app = create_app()

    secret = (tmp_path / "instance" / "secret_key").read_text().strip()
    assert app.config["SECRET_KEY"] == secret
    assert create_app().config["SECRET_KEY"] == secret


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().env = "production"  # type: ignore[misc]
