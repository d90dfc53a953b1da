"""Which imported accounts Munjigi can take as they are, and the documented rename rule.

A conflict is never resolved silently: each is reported with its code. With the default
``skip`` the account is left out; with ``rename`` (README "Moving from 한끼얼마 …"):

- a username Munjigi refuses or that is taken: characters outside letters, digits, ``.``,
  ``_`` and ``-`` become ``_``, then ``_<old id>`` is appended (cut to 30 characters);
- an e-mail that is missing, refused or taken: ``imported.<source tag>.<old id>@import.invalid``
  (``.invalid`` is reserved and never receives mail; the member sets a real address later).
A renamed value that is still refused or taken leaves the account out (``rename_failed``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field

from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

from munjigi.auth import schemas
from munjigi.auth import services as members

# Stored instead of a password when the source had no recognised hash: no hasher
# identifies it, so every login fails the same way as a wrong password ("forgot password").
UNUSABLE_PASSWORD = "!imported-without-password"
PLACEHOLDER_DOMAIN = "import.invalid"
_REFUSED_CHARACTERS = re.compile(r"[^\w.\-]")
USERNAME_TAKEN = "username_taken"
USERNAME_REFUSED = "username_refused"
EMAIL_TAKEN = "email_taken"
EMAIL_REFUSED = "email_refused"
EMAIL_MISSING = "email_missing"


@dataclass
class Identity:
    """The username and e-mail an account will have, and every conflict met on the way."""

    username: str
    email: str
    conflicts: list[str] = field(default_factory=list)
    renamed: bool = False

    @property
    def username_key(self) -> str:
        return members.canonical(self.username)

    @property
    def email_key(self) -> str:
        return members.canonical(self.email)


def password_kind(value: str | None) -> str:
    """``bcrypt``, ``argon2`` or ``none``: only a recognised hash is ever stored."""
    text = (value or "").strip()
    if text and BcryptHasher.identify(text):
        return "bcrypt"
    if text and Argon2Hasher.identify(text):
        return "argon2"
    return "none"


# Built once: a marshmallow schema costs more to construct than to run.
_USERNAME = schemas.UsernameIn()
_SIGNUP = schemas.SignupIn()


def username_problem(username: str) -> bool:
    """Whether Munjigi's sign-up rules refuse this username."""
    found = _USERNAME.validate({"username": username})
    return bool(found) or "username" in members.identity_problems(username, "x@example.com")


def email_problem(email: str) -> bool:
    """Whether Munjigi's sign-up rules refuse this e-mail address."""
    found = _SIGNUP.validate({"username": "abc", "password": "x", "email": email})
    return "email" in found or "email" in members.identity_problems("abc", email)


def source_tag(source: str) -> str:
    """A short, stable tag of a source name (for placeholder addresses)."""
    return hashlib.sha256(source.encode()).hexdigest()[:8]


def renamed_username(username: str, old_id: str) -> str:
    """The rename rule for usernames (see the module docstring)."""
    suffix = "_" + (old_id if old_id.isdigit() else source_tag(old_id)[:6])
    cleaned = unicodedata.normalize("NFKC", username).strip()
    cleaned = "".join(c for c in cleaned if c not in members._INVISIBLE_LETTERS)
    cleaned = _REFUSED_CHARACTERS.sub("_", cleaned)[: max(0, 30 - len(suffix))]
    if len(cleaned) < 2:
        cleaned = ("member" + cleaned)[: max(0, 30 - len(suffix))]
    return cleaned + suffix


def placeholder_email(source: str, old_id: str) -> str:
    """The rename rule for e-mail addresses (see the module docstring)."""
    local = old_id if old_id.isdigit() else source_tag(old_id)
    return f"imported.{source_tag(source)}.{local}@{PLACEHOLDER_DOMAIN}"


def decide(
    source: str,
    old_id: str,
    username: str | None,
    email: str | None,
    *,
    rename: bool,
    taken_usernames: set[str],
    taken_emails: set[str],
) -> Identity:
    """The identity to import under.

    ``taken_*`` hold canonical keys already used in Munjigi (or earlier in this batch).
    Conflicts are listed on the returned identity (renamed), or raised as :class:`Refused`
    when the account is left out.
    """
    name = unicodedata.normalize("NFKC", username or "").strip()
    address = (email or "").strip()
    conflicts: list[str] = []
    if not name or username_problem(name):
        conflicts.append(USERNAME_REFUSED)
    elif members.canonical(name) in taken_usernames:
        conflicts.append(USERNAME_TAKEN)
    if not address:
        conflicts.append(EMAIL_MISSING)
    elif email_problem(address):
        conflicts.append(EMAIL_REFUSED)
    elif members.canonical(address) in taken_emails:
        conflicts.append(EMAIL_TAKEN)
    if not conflicts:
        return Identity(name, address)
    if not rename:
        raise Refused(conflicts)
    if USERNAME_REFUSED in conflicts or USERNAME_TAKEN in conflicts:
        name = renamed_username(name, old_id)
    if {EMAIL_MISSING, EMAIL_REFUSED, EMAIL_TAKEN} & set(conflicts):
        address = placeholder_email(source, old_id)
    identity = Identity(name, address, conflicts, renamed=True)
    if (
        username_problem(name)
        or identity.username_key in taken_usernames
        or identity.email_key in taken_emails
    ):
        raise Refused([*conflicts, "rename_failed"])
    return identity


class Refused(Exception):
    """The account is left out; ``conflicts`` says why."""

    def __init__(self, conflicts: list[str]) -> None:
        super().__init__(", ".join(conflicts))
        self.conflicts = conflicts
