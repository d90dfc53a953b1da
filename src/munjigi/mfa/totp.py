"""TOTP (RFC 6238) with pyotp: enrol with a locally drawn QR code, confirm, verify, disable.

Threats: a code read over someone's shoulder or phished and replayed (a code is accepted
once: the accepted 30-second step is stored and only a later step passes, atomically), a
stolen database (the seed is encrypted, mfa/sealing.py) and clock drift (±1 step).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any
from typing import cast

import pyotp
import segno
from sqlalchemy import or_
from sqlalchemy import update
from sqlalchemy.engine import CursorResult

from munjigi.extensions import db
from munjigi.mfa import sealing
from munjigi.mfa.models import TotpFactor
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import User

STEP = 30
DIGITS = 6
# RFC 6238 §5.2: accept one step either side for clock drift, nothing wider.
DRIFT_STEPS = 1
_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the seed as text, its otpauth URI and the QR code."""

    secret: str
    uri: str
    qr_svg: str


def normalise(code: str) -> str:
    """A typed code without spaces or dashes ("123 456" → "123456")."""
    return re.sub(r"[\s\-]", "", code or "")[:16]


def looks_like_code(code: str) -> bool:
    """Six digits: the shape of a TOTP code (recovery codes have letters)."""
    return bool(_CODE.match(normalise(code)))


def confirmed(user_id: int) -> TotpFactor | None:
    """The user's confirmed authenticator, if any."""
    row = db.session.get(TotpFactor, user_id)
    return row if row is not None and row.confirmed_at is not None else None


def pending_or_new(user: User) -> Enrolment:
    """The unconfirmed enrolment of ``user``, creating its seed if needed. The caller commits.

    The seed is generated here, on the server (160 bits, pyotp.random_base32), never taken
    from the client. Reloading the page shows the same seed until it is confirmed.
    """
    row = db.session.get(TotpFactor, user.id)
    if row is None:
        secret = pyotp.random_base32(32)
        row = TotpFactor(user_id=user.id, secret=sealing.seal(secret), created_at=_now())
        db.session.add(row)
    else:
        secret = sealing.unseal(row.secret)
    return enrolment_for(user, secret)


def restart(user: User) -> None:
    """Throw away an unconfirmed seed (the user wants a new QR code). Caller commits."""
    row = db.session.get(TotpFactor, user.id)
    if row is not None and row.confirmed_at is None:
        db.session.delete(row)


def enrolment_for(user: User, secret: str) -> Enrolment:
    """The otpauth URI and an inline SVG QR code for ``secret``, drawn here (segno)."""
    issuer = gatekeeper().settings.totp_issuer
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP).provisioning_uri(
        name=user.username, issuer_name=issuer
    )
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(
        scale=5, light="#ffffff", dark="#111111", title="QR code for your authenticator app"
    )
    return Enrolment(secret=secret, uri=uri, qr_svg=svg)


def _now() -> Any:
    return gatekeeper().now()


def matching_step(secret: str, code: str, now_ts: int) -> int | None:
    """The time step (within ±1 of ``now_ts``) whose code is ``code``; pure."""
    code = normalise(code)
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP)
    current = now_ts // STEP
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Compare every candidate, in constant time, so timing tells nothing.
        if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
            found = step
    return found


def accept(row: TotpFactor, code: str) -> bool:
    """Accept ``code`` for ``row`` at most once: the step must be newer than the last one.

    One conditional UPDATE decides, so two requests with the same code cannot both pass.
    The caller commits.
    """
    step = matching_step(sealing.unseal(row.secret), code, int(gatekeeper().clock()))
    if step is None:
        return False
    result = db.session.execute(
        update(TotpFactor)
        .where(
            TotpFactor.user_id == row.user_id,
            or_(TotpFactor.last_step.is_(None), TotpFactor.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    if int(cast(CursorResult[Any], result).rowcount) != 1:
        return False
    row.last_step = step
    return True


def verify(user_id: int, code: str) -> bool:
    """Whether ``code`` is a fresh, unused code of the user's confirmed authenticator."""
    row = confirmed(user_id)
    return row is not None and accept(row, code)
