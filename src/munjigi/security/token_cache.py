"""Each exact token's signature verified once per process: a bounded cache of verified claims.

An Ed25519 verification is the largest fixed cost of a protected request, and a client
sends the same access token for its whole lifetime (minutes). The cache maps the token's
exact text to the claims its signature proved and the ``kid`` that signed it. Safe because:

- only successes are stored: a bad token is verified (and refused) every time;
- the claims are re-checked on every request (``exp``, type, issuer: ``tokens.check_claims``),
  so an expired token is refused although its entry is still here;
- an entry is used only while its ``kid`` is still among the trusted keys, so a retired or
  reset key (``rotate-keys --reset``) stops its tokens on the next request that sees the new
  key set; such entries are dropped;
- revocation is untouched: the session row is still read on every request (SPEC §3).

Bounded (oldest entries go first) so a flood of distinct valid tokens cannot grow memory.
"""

from __future__ import annotations

import threading
from collections.abc import Container
from typing import Any

# ~1.5 KB per entry (token text + claims): a few MB at most per process.
MAX_ENTRIES = 4096


class VerifiedTokens:
    """token text → (kid, claims) of tokens whose signature verified in this process."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, tuple[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, token: str, trusted_kids: Container[str]) -> dict[str, Any] | None:
        """The verified claims of ``token`` if its signing key is still trusted, else None."""
        found = self._entries.get(token)
        if found is None:
            return None
        kid, claims = found
        if kid not in trusted_kids:
            self.forget(token)
            return None
        return claims

    def put(self, token: str, kid: str, claims: dict[str, Any]) -> None:
        """Remember a token whose signature just verified with ``kid``."""
        with self._lock:
            while len(self._entries) >= self.max_entries:
                # Dicts keep insertion order: the first key is the oldest entry.
                del self._entries[next(iter(self._entries))]
            self._entries[token] = (kid, claims)

    def forget(self, token: str) -> None:
        with self._lock:
            self._entries.pop(token, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
