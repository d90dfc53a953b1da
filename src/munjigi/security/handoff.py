"""Pure verification of the signed login hand-off (SPEC §5): HMAC-SHA256, freshness, shape.

A trusted site (the seeds' WordPress) posts ``username``, ``email``, ``ts``, ``nonce`` and
``sig`` to ``POST /``. The signature covers a canonical message, so no field can be
swapped, and the timestamp bounds how long a captured form is worth anything; the caller
makes the nonce single-use within that window. Nothing here touches the app, the request
or the clock: every input is an argument.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from http import HTTPStatus

from munjigi.errors import AppError

VERSION = "munjigi-handoff-v1"
MAX_SKEW = 60
FIELDS = ("username", "email", "ts", "nonce", "sig")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_SIG = re.compile(r"^[0-9a-f]{64}$")
_TS = re.compile(r"^(0|[1-9][0-9]{0,11})$")  # canonical decimal: what was signed
_MAX_IDENTITY = 254


class HandoffError(AppError):
    """A hand-off that must not open a session; ``code`` says why (never shown in detail)."""

    status = HTTPStatus.UNAUTHORIZED
    code = "handoff_invalid"
    message = "The sign-in link is invalid or has expired."


class HandoffDisabledError(HandoffError):
    """No shared secret is configured: every hand-off is refused."""

    code = "handoff_disabled"


class HandoffMalformedError(HandoffError):
    """A field is missing or not of the documented shape."""

    code = "handoff_malformed"


class HandoffStaleError(HandoffError):
    """The timestamp is more than ``MAX_SKEW`` seconds from the server's clock."""

    code = "handoff_stale"


class HandoffSignatureError(HandoffError):
    """The signature does not match the fields under the shared secret."""

    code = "handoff_bad_signature"


class HandoffReplayError(HandoffError):
    """The nonce was already used."""

    code = "handoff_replayed"


@dataclass(frozen=True)
class Handoff:
    """A verified hand-off: who the sending site vouches for, and its one-time nonce."""

    username: str
    email: str
    ts: int
    nonce: str

    @property
    def valid_until(self) -> int:
        """After this Unix time the timestamp check refuses the hand-off by itself."""
        return self.ts + MAX_SKEW


def message(username: str, email: str, ts: int | str, nonce: str) -> bytes:
    """The exact bytes the sending site signs: version, then each field, newline-separated."""
    return "\n".join((VERSION, str(ts), nonce, username, email)).encode("utf-8")


def sign(secret: str, username: str, email: str, ts: int | str, nonce: str) -> str:
    """Lower-case hex HMAC-SHA256 of :func:`message` (what the sending site computes)."""
    return hmac.new(
        secret.encode("utf-8"), message(username, email, ts, nonce), hashlib.sha256
    ).hexdigest()


def verify(form: dict[str, str], secret: str | None, now: int, max_skew: int = MAX_SKEW) -> Handoff:
    """Check a hand-off form; return what it vouches for.

    Threats: forgery (HMAC under a secret only the two sites hold, compared in constant
    time), field swapping (the signature covers every field in a fixed order), and replay
    of a captured form (timestamp within ``max_skew``; the caller spends the nonce).

    :raises HandoffDisabledError: no secret configured.
    :raises HandoffMalformedError: a field is missing or badly shaped.
    :raises HandoffStaleError: ``ts`` is too far from ``now`` (either way).
    :raises HandoffSignatureError: the signature does not match.
    """
    if not secret:
        raise HandoffDisabledError()
    values = {name: form.get(name, "") for name in FIELDS}
    if (
        not all(isinstance(v, str) for v in values.values())
        or not 0 < len(values["username"]) <= _MAX_IDENTITY
        or not 0 < len(values["email"]) <= _MAX_IDENTITY
        or not _TS.fullmatch(values["ts"])
        or not _NONCE.fullmatch(values["nonce"])
        or not _SIG.fullmatch(values["sig"].lower())
    ):
        raise HandoffMalformedError()
    ts = int(values["ts"])
    expected = sign(secret, values["username"], values["email"], ts, values["nonce"])
    # Signature before freshness: an unsigned request learns nothing about our clock.
    if not hmac.compare_digest(expected.encode(), values["sig"].lower().encode()):
        raise HandoffSignatureError()
    if abs(now - ts) > max_skew:
        raise HandoffStaleError()
    return Handoff(values["username"], values["email"], ts, values["nonce"])
