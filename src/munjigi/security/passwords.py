"""Password hashing (argon2id, legacy bcrypt upgraded on login) and the length-based policy."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

# bcrypt only ever read the first 72 bytes; legacy systems truncated silently, bcrypt 5 raises.
_BCRYPT_MAX_BYTES = 72


def normalize(password: str) -> str:
    """NIST SP 800-63B: passwords are compared after Unicode NFKC normalisation."""
    return unicodedata.normalize("NFKC", password)


@dataclass(frozen=True)
class PasswordPolicy:
    """Length rules only (NIST SP 800-63B: no composition rules)."""

    min_length: int
    max_length: int
    # NIST SP 800-63B: refuse listed (common, expected, breached) values; see breached.py.
    is_listed: Callable[[str], bool] | None = None

    def problems(self, password: str, *, username: str = "", email: str = "") -> list[str]:
        """Why ``password`` may not be chosen, in the current language; empty when acceptable."""
        text = normalize(password)
        found: list[str] = []
        if len(text) < self.min_length:
            found.append(_("Use at least %(min)s characters.", min=self.min_length))
        if len(text) > self.max_length:
            found.append(_("Use at most %(max)s characters.", max=self.max_length))
        folded = text.casefold()
        for context in (username, email.split("@", 1)[0] if email else ""):
            context = normalize(context).casefold()
            if len(context) >= 3 and context in folded:
                found.append(_("The password must not contain your username or email."))
                break
        if text and len(set(text)) == 1:
            found.append(_("The password must not be one character repeated."))
        if self.is_listed is not None and len(text) <= self.max_length and self.is_listed(text):
            found.append(_("This password is widely used or has leaked: choose another."))
        return found


class PasswordHasher:
    """argon2id for new hashes; bcrypt hashes verify once and are replaced on success."""

    def __init__(self, *, time_cost: int, memory_cost: int, parallelism: int) -> None:
        self._hash = PasswordHash(
            (
                Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism),
                BcryptHasher(),
            )
        )
        # Verified against when the user does not exist, so both paths cost one argon2 run.
        self._dummy = self._hash.hash("munjigi timing equaliser")

    def hash(self, password: str) -> str:
        """A new argon2id hash of the normalised password."""
        return self._hash.hash(normalize(password))

    def verify(self, password: str, stored: str | None) -> tuple[bool, str | None]:
        """Check ``password``; return (ok, new hash to store when parameters changed).

        ``stored`` is None for an unknown user: a dummy hash is verified so that the answer
        takes as long as for a wrong password. A stored value no hasher recognises (an
        imported or disabled account) is refused the same way rather than raising.
        """
        if stored is None or not any(h.identify(stored) for h in self._hash.hashers):
            self._hash.verify(normalize(password), self._dummy)
            return False, None
        if BcryptHasher.identify(stored):
            # Legacy hashes were made from the raw bytes, truncated at 72 by old bcrypt.
            raw = password.encode()[:_BCRYPT_MAX_BYTES]
            try:
                ok = self._hash.verify(raw, stored)
            except ValueError:
                return False, None
            return ok, (self.hash(password) if ok else None)
        try:
            ok, updated = self._hash.verify_and_update(normalize(password), stored)
        except ValueError:
            return False, None
        return ok, updated
