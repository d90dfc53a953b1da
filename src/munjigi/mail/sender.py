"""Mail leaves only after the transaction that caused it commits, from a background thread.

- ``queue`` attaches a composed message to the current database session; a commit hands it
  to the sender, a rollback drops it (a refused change never mails anyone).
- One daemon thread per process delivers, so no request waits on the mail server, and the
  answer to "forgot password" takes the same time whether or not a message was sent.
- A failure is logged (the exception's class, the message kind: never the body, which holds
  a link with a token, nor SMTP credentials) and counted in ``munjigi_mail_failures_total``.
  The user's action has already succeeded; they can ask for another mail.
"""

from __future__ import annotations

import logging
import os
import queue as queues
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from prometheus_client import Counter
from sqlalchemy import event
from sqlalchemy.orm import Session

from munjigi.mail.backends import Backend

log = logging.getLogger("munjigi.mail")

_PENDING = "munjigi.mail.pending"
# Messages waiting for the sender; beyond this a burst is dropped (and counted), not hoarded.
MAX_WAITING = 1000

SENT = Counter("munjigi_mail_sent", "Messages handed to the mail backend.", ["kind"])
FAILED = Counter(
    "munjigi_mail_failures", "Messages the mail backend refused or could not take.", ["kind"]
)


@dataclass(frozen=True)
class Outgoing:
    """A composed message, the backend that will carry it, and its kind (for logs)."""

    kind: str
    message: EmailMessage
    backend: Backend


def queue(session: Session, item: Outgoing) -> None:
    """Send ``item`` once ``session``'s transaction commits; drop it if it rolls back."""
    if not session.in_transaction():
        session.begin()  # so that a rollback (even of nothing written) drops the message
    session.info.setdefault(_PENDING, []).append(item)


def _after_commit(session: Session) -> None:
    pending: list[Outgoing] = session.info.pop(_PENDING, [])
    for item in pending:
        _SENDER.submit(item)


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    # Any rollback of the outer transaction, even one that never reached the database.
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


def install() -> None:
    """Listen to every session's commits and rollbacks (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


def deliver(item: Outgoing) -> bool:
    """Hand one message to its backend; a failure is logged and counted, never raised."""
    try:
        item.backend.send(item.message)
    except Exception as error:  # noqa: BLE001 - any failure of the mail server is "not sent"
        FAILED.labels(item.kind).inc()
        log.error(
            "mail not sent: %s (%s)",
            item.kind,
            type(error).__name__,
            extra={"mail_kind": item.kind, "error_class": type(error).__name__},
        )
        return False
    SENT.labels(item.kind).inc()
    log.info("mail sent: %s", item.kind, extra={"mail_kind": item.kind})
    return True


class _Sender:
    """The per-process background thread (started lazily, again after a fork)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: queues.Queue[Outgoing] = queues.Queue(MAX_WAITING)
        self._pid = 0

    def submit(self, item: Outgoing) -> None:
        self._ensure_thread()
        try:
            self._queue.put_nowait(item)
        except queues.Full:
            FAILED.labels(item.kind).inc()
            log.error("mail not sent: %s (queue full)", item.kind)

    def wait_idle(self, timeout: float = 15.0) -> bool:
        """Block until every submitted message was tried (tests, and shutdown)."""
        done = threading.Event()

        def join() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=join, daemon=True).start()
        return done.wait(timeout)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            if self._pid:  # forked: the parent's queue and thread did not come along
                self._queue = queues.Queue(MAX_WAITING)
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="munjigi-mail", daemon=True).start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                deliver(item)
            finally:
                self._queue.task_done()


_SENDER = _Sender()


def wait_idle(timeout: float = 15.0) -> bool:
    """Wait until this process has tried to deliver everything committed so far."""
    return _SENDER.wait_idle(timeout)


def pending(session: Session) -> list[Any]:
    """Messages queued on ``session`` and not yet committed (for tests)."""
    return list(session.info.get(_PENDING, []))
