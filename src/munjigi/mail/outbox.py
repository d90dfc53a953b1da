"""The durable outbox: mail is a row written in the transaction that causes it, sent after.

- A message is stored encrypted (it holds live one-time links) in the same transaction as
  the change that caused it: a rollback drops it, a commit keeps it through any restart.
- ``drain`` sends what is due. Each row is claimed first (a conditional UPDATE moves its
  next attempt past a lease), so several processes draining one table never send a
  message twice; a process that dies mid-send leaves a row that is due again when the
  lease ends.
- A failure is retried with exponential backoff (``MUNJIGI_MAIL_RETRY_DELAY`` doubling,
  ``MUNJIGI_MAIL_MAX_ATTEMPTS`` tries); once sent or given up, the body is erased and the
  row only says what happened, until ``flask munjigi purge-mail`` deletes it.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from email import message_from_bytes
from email import policy
from email.message import EmailMessage

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from prometheus_client import Counter
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Session
from sqlalchemy.orm import mapped_column

from munjigi.db import Base
from munjigi.db import UTCDateTime
from munjigi.db import utcnow
from munjigi.mail.backends import Backend

log = logging.getLogger("munjigi.mail")

SENT = Counter("munjigi_mail_sent", "Messages handed to the mail backend.", ["kind"])
FAILED = Counter(
    "munjigi_mail_failures",
    "Delivery attempts the mail backend refused or could not take.",
    ["kind"],
)
GAVE_UP = Counter("munjigi_mail_given_up", "Messages dropped after the last retry.", ["kind"])
# Rows claimed per query: a burst is sent in batches, not read whole into memory.
BATCH = 20
# The longest wait between two attempts, whatever the backoff says.
MAX_BACKOFF = timedelta(hours=1)


class OutboxMessage(Base):
    """One message: waiting (``next_attempt_at`` set), sent, or given up (``failed_at``)."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    # Fernet-encrypted RFC 5322 bytes; erased (NULL) once sent or given up.
    message: Mapped[bytes | None] = mapped_column(LargeBinary(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The exception's class only: never the server's answer, which may quote the message.
    last_error: Mapped[str | None] = mapped_column(String(64), default=None)


def cipher(secret_key: str) -> Fernet:
    """The key that encrypts queued mail, derived from the application secret."""
    material = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"munjigi mail outbox v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(material))


@dataclass(frozen=True)
class Policy:
    """How one application delivers: where, how often it retries, how long a claim lasts."""

    backend: Backend
    fernet: Fernet
    retry_delay: int
    max_attempts: int
    lease: int

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure: the retry delay, doubling."""
        seconds = self.retry_delay * 2 ** max(0, attempts - 1)
        return min(timedelta(seconds=seconds), MAX_BACKOFF)


def add(session: Session, kind: str, message: EmailMessage, fernet: Fernet) -> OutboxMessage:
    """Queue ``message`` in ``session``'s transaction (sent only if that commits)."""
    row = OutboxMessage(
        kind=kind[:48],
        message=fernet.encrypt(message.as_bytes()),
        created_at=utcnow(),
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(row)
    return row


def drain(engine: Engine, rules: Policy) -> datetime | None:
    """Send every message that is due; return when the next retry is due (or None)."""
    while True:
        with Session(bind=engine) as session:
            now = utcnow()
            due = session.execute(
                select(OutboxMessage.id, OutboxMessage.next_attempt_at)
                .where(OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(BATCH)
            ).all()
            session.rollback()
            for row_id, was_due in due:
                if was_due is not None:
                    _attempt(session, row_id, was_due, rules)
            if len(due) < BATCH:
                return session.scalar(
                    select(OutboxMessage.next_attempt_at)
                    .where(OutboxMessage.next_attempt_at.is_not(None))
                    .order_by(OutboxMessage.next_attempt_at)
                    .limit(1)
                )


def _attempt(session: Session, row_id: int, was_due: datetime, rules: Policy) -> None:
    """Claim one row, send it, record the outcome (each step its own short transaction)."""
    now = utcnow()
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.next_attempt_at == was_due)
        .values(next_attempt_at=now + timedelta(seconds=rules.lease))
    )
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return  # another process took it
    row = session.get(OutboxMessage, row_id)
    if row is None or row.message is None:
        return
    try:
        raw = rules.fernet.decrypt(row.message)
    except InvalidToken:
        _give_up(session, row, "InvalidToken")  # MUNJIGI_SECRET_KEY changed since
        return
    message = message_from_bytes(raw, policy=policy.default)
    try:
        rules.backend.send(message)
    except Exception as error:  # noqa: BLE001 - any failure of the mail server is "not sent"
        _failed(session, row, type(error).__name__, rules)
        return
    row.attempts += 1
    row.sent_at, row.next_attempt_at, row.message = utcnow(), None, None
    session.commit()
    SENT.labels(row.kind).inc()
    log.info("mail sent: %s", row.kind, extra={"mail_kind": row.kind})


def _failed(session: Session, row: OutboxMessage, error: str, rules: Policy) -> None:
    row.attempts += 1
    row.last_error = error[:64]
    FAILED.labels(row.kind).inc()
    if row.attempts >= rules.max_attempts:
        _give_up(session, row, error)
        return
    row.next_attempt_at = utcnow() + rules.backoff(row.attempts)
    session.commit()
    log.warning(
        "mail not sent: %s (%s), attempt %d, retrying",
        row.kind,
        error,
        row.attempts,
        extra={"mail_kind": row.kind, "error_class": error, "attempts": row.attempts},
    )


def _give_up(session: Session, row: OutboxMessage, error: str) -> None:
    row.failed_at, row.next_attempt_at, row.message = utcnow(), None, None
    row.last_error = error[:64]
    session.commit()
    GAVE_UP.labels(row.kind).inc()
    log.error(
        "mail not sent: %s (%s), giving up after %d attempts",
        row.kind,
        error,
        row.attempts,
        extra={"mail_kind": row.kind, "error_class": error, "attempts": row.attempts},
    )


def purge(session: Session, before: datetime) -> int:
    """Delete rows sent or given up before ``before``; waiting mail is never deleted."""
    result = session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.next_attempt_at.is_(None), OutboxMessage.created_at < before
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
