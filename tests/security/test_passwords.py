"""Password policy (NIST SP 800-63B: length, not composition) and hashing (argon2id, bcrypt)."""

from __future__ import annotations

import bcrypt
import pytest
from pwdlib.hashers.argon2 import Argon2Hasher

from munjigi.security import passwords

CHEAP = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def hasher() -> passwords.PasswordHasher:
    return passwords.PasswordHasher(**CHEAP)


@pytest.fixture
def policy() -> passwords.PasswordPolicy:
    return passwords.PasswordPolicy(min_length=15, max_length=64)


def legacy_bcrypt(secret: bytes) -> str:
    """A hash as the legacy system stored it (cheap rounds; bcrypt never saw past 72 bytes)."""
    return bcrypt.hashpw(secret[:72], bcrypt.gensalt(rounds=4)).decode()


# --- policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        PASSPHRASE,
        "thisisonlylowercaselettersbutlong",
        "123456789012345",
        "비밀번호는길이가중요합니다정말로",
        "x" * 63 + "y",
    ],
)
def test_long_password_without_composition_is_accepted(
    policy: passwords.PasswordPolicy, password: str
) -> None:
    assert policy.problems(password) == []


@pytest.mark.parametrize(("length", "problems"), [(14, 1), (15, 0), (64, 0), (65, 1)])
def test_length_limits_are_inclusive(
    policy: passwords.PasswordPolicy, length: int, problems: int
) -> None:
    password = ("abcdefghij" * 7)[:length]

    assert len(policy.problems(password)) == problems


def test_decomposed_accents_count_once_after_nfkc(policy: passwords.PasswordPolicy) -> None:
    # "e" + COMBINING ACUTE is two code points but one character after NFKC.
    fourteen = "e\u0301" * 7 + "abcdefg"
    fifteen = "e\u0301" * 8 + "abcdefg"

    assert len(fourteen) == 21 and len(policy.problems(fourteen)) == 1
    assert policy.problems(fifteen) == []


def test_compatibility_characters_expand_before_counting(
    policy: passwords.PasswordPolicy,
) -> None:
    # U+FDFA is one code point that NFKC expands to 18 characters.
    assert len(passwords.normalize("\ufdfa")) == 18
    assert policy.problems("\ufdfa") == []
    assert len(policy.problems("\ufdfa" * 4)) == 1  # 72 characters > 64


@pytest.mark.parametrize(
    ("password", "username", "email"),
    [
        ("my name is Alice and I like tea", "alice", ""),
        ("MY NAME IS ALICE AND I LIKE TEA", "Alice", ""),
        ("secret of bob.smith forever", "", "Bob.Smith@example.com"),
        ("secret of ＢＯＢ.ＳＭＩＴＨ forever", "", "bob.smith@example.com"),
        ("the user alice999 owns this one", "Alice999", "a@b.c"),
    ],
)
def test_password_containing_username_or_email_local_part_is_refused(
    policy: passwords.PasswordPolicy, password: str, username: str, email: str
) -> None:
    assert len(policy.problems(password, username=username, email=email)) == 1


@pytest.mark.parametrize(
    ("password", "username", "email"),
    [
        ("all around the world we go", "al", ""),  # too short to be meaningful
        ("example dot com is my home", "", "xy@example.com"),  # the domain is not personal
        (PASSPHRASE, "alice", "alice@example.com"),
    ],
)
def test_unrelated_or_too_short_context_is_not_refused(
    policy: passwords.PasswordPolicy, password: str, username: str, email: str
) -> None:
    assert policy.problems(password, username=username, email=email) == []


@pytest.mark.parametrize("password", ["a" * 20, "1" * 30, " " * 16, "ａ" * 8 + "a" * 8])
def test_single_repeated_character_is_refused(
    policy: passwords.PasswordPolicy, password: str
) -> None:
    assert len(policy.problems(password)) == 1


def test_nearly_repeated_password_is_not_refused_for_repetition(
    policy: passwords.PasswordPolicy,
) -> None:
    assert policy.problems("a" * 19 + "b") == []


def test_every_problem_is_reported_at_once(policy: passwords.PasswordPolicy) -> None:
    assert len(policy.problems("zzz", username="zzz")) == 3


# --- hashing -----------------------------------------------------------------------------


def test_new_hash_is_salted_argon2id_with_the_configured_parameters(
    hasher: passwords.PasswordHasher,
) -> None:
    first, second = hasher.hash(PASSPHRASE), hasher.hash(PASSPHRASE)

    assert first.startswith("$argon2id$")
    assert "m=1024,t=1,p=1" in first
    assert first != second


def test_correct_password_verifies_without_rehash(hasher: passwords.PasswordHasher) -> None:
    assert hasher.verify(PASSPHRASE, hasher.hash(PASSPHRASE)) == (True, None)


@pytest.mark.parametrize(
    "attempt", ["correct horse battery stapl", "Correct horse battery staple", "", " " + PASSPHRASE]
)
def test_wrong_password_is_refused(hasher: passwords.PasswordHasher, attempt: str) -> None:
    assert hasher.verify(attempt, hasher.hash(PASSPHRASE)) == (False, None)


def test_changed_parameters_return_a_rehash(hasher: passwords.PasswordHasher) -> None:
    stronger = passwords.PasswordHasher(**{**CHEAP, "time_cost": 2})
    stored = hasher.hash(PASSPHRASE)

    ok, updated = stronger.verify(PASSPHRASE, stored)

    assert ok is True
    assert updated is not None and updated.startswith("$argon2id$") and "t=2" in updated
    assert stronger.verify(PASSPHRASE, updated) == (True, None)


def test_wrong_password_under_old_parameters_gets_no_rehash(
    hasher: passwords.PasswordHasher,
) -> None:
    stronger = passwords.PasswordHasher(**{**CHEAP, "time_cost": 2})

    assert stronger.verify("not the password", hasher.hash(PASSPHRASE)) == (False, None)


def test_legacy_bcrypt_hash_verifies_and_is_replaced_by_argon2id(
    hasher: passwords.PasswordHasher,
) -> None:
    stored = legacy_bcrypt(PASSPHRASE.encode())

    ok, updated = hasher.verify(PASSPHRASE, stored)

    assert ok is True
    assert updated is not None and updated.startswith("$argon2id$")
    assert hasher.verify(PASSPHRASE, updated) == (True, None)


def test_legacy_bcrypt_hash_refuses_a_wrong_password(hasher: passwords.PasswordHasher) -> None:
    assert hasher.verify("wrong password!!", legacy_bcrypt(PASSPHRASE.encode())) == (False, None)


@pytest.mark.parametrize(
    "password",
    ["x" * 100, "a" + "가" * 30],  # the second is cut by bcrypt in the middle of a character
    ids=["ascii-100-bytes", "utf8-cut-mid-character"],
)
def test_legacy_bcrypt_of_a_password_over_72_bytes_verifies_and_upgrades_in_full(
    hasher: passwords.PasswordHasher, password: str
) -> None:
    assert len(password.encode()) > 72
    stored = legacy_bcrypt(password.encode())

    ok, updated = hasher.verify(password, stored)

    assert ok is True and updated is not None
    # The argon2id replacement covers the whole password, not bcrypt's first 72 bytes.
    assert hasher.verify(password, updated) == (True, None)
    assert hasher.verify(password[:-1], updated) == (False, None)


def test_unknown_user_is_refused_after_one_argon2_run(
    hasher: passwords.PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []
    original = Argon2Hasher.verify

    def counting(self: Argon2Hasher, password: str | bytes, hash: str | bytes) -> bool:
        runs.append("argon2")
        return original(self, password, hash)

    monkeypatch.setattr(Argon2Hasher, "verify", counting)

    assert hasher.verify(PASSPHRASE, None) == (False, None)
    assert runs == ["argon2"]  # same work as a wrong password, so timing does not tell


@pytest.mark.parametrize(
    "stored",
    ["", "!", "garbage", "$2b$12$short", "pbkdf2_sha256$1$salt$hash", "$argon2id$v=19$bad"],
)
def test_unrecognised_stored_hash_is_refused_not_raised(
    hasher: passwords.PasswordHasher, stored: str
) -> None:
    assert hasher.verify(PASSPHRASE, stored) == (False, None)


@pytest.mark.parametrize(
    ("typed", "hashed"),
    [
        ("ｃｏｒｒｅｃｔ ｈｏｒｓｅ ｂａｔｔｅｒｙ ｓｔａｐｌｅ", PASSPHRASE),
        (PASSPHRASE, "ｃｏｒｒｅｃｔ ｈｏｒｓｅ ｂａｔｔｅｒｙ ｓｔａｐｌｅ"),
        ("caf\u0065\u0301 au lait tous les jours", "caf\u00e9 au lait tous les jours"),
    ],
    ids=["fullwidth-typed", "fullwidth-stored", "decomposed-accent"],
)
def test_password_is_compared_after_nfkc(
    hasher: passwords.PasswordHasher, typed: str, hashed: str
) -> None:
    assert hasher.verify(typed, hasher.hash(hashed)) == (True, None)
