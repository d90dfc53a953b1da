"""Mail leaves only after the transaction that caused it commits, from a background thread.

- ``queue`` writes the composed message to the outbox table (``mail.outbox``) in the current
  transaction: a rollback drops it, a commit keeps it, even across a worker restart.
- A commit wakes this process's sender thread, which drains the outbox, so no request waits
  on the mail server and "forgot password" takes the same time whether or not mail is sent.
- Failures are retried with backoff; the thread wakes for the next retry, and every
  ``MUNJIGI_MAIL_SWEEP_INTERVAL`` seconds it also looks for mail another process left
  behind (a worker killed mid-send, or between commit and delivery).
- Logs carry the exception's class and the message kind: never the body (it holds a link
  with a token) nor SMTP credentials.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from munjigi.db import utcnow
from munjigi.mail import outbox
from munjigi.mail.outbox import FAILED
from munjigi.mail.outbox import SENT

__all__ = ["FAILED", "SENT", "Channel", "install", "pending", "queue", "wait_idle"]

log = logging.getLogger("munjigi.mail")

_WAKE = "munjigi.mail.wake"


@dataclass(eq=False)
class Channel:
    """One application's way out: its engine and, read when sending, its delivery policy."""

    engine: Engine
    policy: Callable[[], outbox.Policy]
    fernet: Fernet
    sweep_interval: int
    # Set when its application is done (tests build many apps on one database): a closed
    # channel's pending timers do nothing, so it never claims another application's rows.
    closed: bool = False

    def drain(self) -> datetime | None:
        return None if self.closed else outbox.drain(self.engine, self.policy())


def queue(session: Session, channel: Channel, kind: str, message: EmailMessage) -> None:
    """Store ``message`` in ``session``'s transaction; the commit wakes the sender."""
    outbox.add(session, kind, message, channel.fernet)
    session.info.setdefault(_WAKE, []).append(channel)


def _after_commit(session: Session) -> None:
    for channel in dict.fromkeys(session.info.pop(_WAKE, [])):
        _SENDER.wake(channel)


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    # Any rollback of the outer transaction: the rows are gone, nothing to wake for.
    if not previous_transaction.nested:
        session.info.pop(_WAKE, None)


def install() -> None:
    """Listen to every session's commits and rollbacks (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


class _Sender:
    """The per-process thread: drains on wake-ups, at retry times and at each sweep."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        # (due, tie-breaker, counted by wait_idle, channel)
        self._timers: list[tuple[float, int, bool, weakref.ref[Channel]]] = []
        self._order = itertools.count()
        self._swept: weakref.WeakSet[Channel] = weakref.WeakSet()
        self._busy = 0
        self._pid = 0
        self._thread: threading.Thread | None = None

    def wake(self, channel: Channel, delay: float = 0.0) -> None:
        with self._cond:
            self._ensure_thread()
            due = time.monotonic() + delay
            immediate = delay == 0  # wait_idle waits for immediate work only
            heapq.heappush(self._timers, (due, next(self._order), immediate, weakref.ref(channel)))
            self._busy += immediate
            self._cond.notify_all()

    def sweep(self, channel: Channel) -> None:
        """Drain ``channel`` now and every ``sweep_interval`` seconds (start-up, leftovers)."""
        with self._cond:
            if channel in self._swept:
                return
            self._swept.add(channel)
        self.wake(channel)

    def wait_idle(self, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        if self._pid and self._pid != os.getpid():
            self._busy = 0  # forked: the parent's thread did not come along; its timers did
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="munjigi-mail", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._timers or self._timers[0][0] > time.monotonic():
                    wait = self._timers[0][0] - time.monotonic() if self._timers else None
                    self._cond.wait(wait)
                _, _, immediate, ref = heapq.heappop(self._timers)
            channel = ref()
            try:
                if channel is not None:
                    self._drain(channel)
            except Exception:  # a bug here must not stop every later delivery
                log.exception("mail sender failed")
            finally:
                with self._cond:
                    self._busy = max(0, self._busy - immediate)
                    self._cond.notify_all()

    def _drain(self, channel: Channel) -> None:
        try:
            next_due = channel.drain()
        except Exception as error:  # noqa: BLE001 - the database may be down; try later
            log.warning("mail outbox not drained: %s", type(error).__name__)
            next_due = None
        if next_due is not None:
            delay = max(0.0, (next_due - utcnow()).total_seconds())
            self._schedule(channel, delay)
        if channel.sweep_interval > 0 and channel in self._swept:
            self._schedule(channel, channel.sweep_interval)

    def _schedule(self, channel: Channel, delay: float) -> None:
        with self._cond:
            due = time.monotonic() + delay
            ref = weakref.ref(channel)
            # One timer per channel and time is enough: skip a duplicate of a nearer one.
            if any(r() is channel and abs(d - due) < 0.5 for d, _, _, r in self._timers):
                return
            heapq.heappush(self._timers, (due, next(self._order), False, ref))
            self._cond.notify_all()


_SENDER = _Sender()


def sweep(channel: Channel) -> None:
    """Deliver what the outbox holds now and look again every sweep interval."""
    _SENDER.sweep(channel)


def wake(channel: Channel) -> None:
    """Drain ``channel`` now (after a commit, or from the CLI)."""
    _SENDER.wake(channel)


def wait_idle(timeout: float = 15.0) -> bool:
    """Wait until this process has tried to deliver everything committed so far."""
    return _SENDER.wait_idle(timeout)


def pending(session: Session) -> list[outbox.OutboxMessage]:
    """Messages queued on ``session`` and not yet committed (for tests)."""
    return [row for row in session.new if isinstance(row, outbox.OutboxMessage)]
