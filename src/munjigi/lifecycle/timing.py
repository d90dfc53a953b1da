"""A time floor for the neutral answers, so their duration does not tell who has an account.

Threat: timing enumeration. "Forgot password" for a known address writes a token row and
renders a mail; for an unknown address it does neither: a few milliseconds that an
attacker can average out over many requests. Every neutral answer therefore takes at least
``MUNJIGI_NEUTRAL_ANSWER_MS`` (the work of either path fits well inside it, SMTP is not on
the request path at all). The per-IP mail budget bounds how many such requests one client
can hold open. Hand-written: it is a sleep until a deadline, no library offers less.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from munjigi.config import Settings


@contextmanager
def floor() -> Iterator[None]:
    """Run the block, then wait until at least the configured time has passed."""
    settings: Settings = current_app.extensions["munjigi.settings"]
    deadline = time.monotonic() + settings.neutral_answer_ms / 1000
    try:
        yield
    finally:
        remaining = deadline - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
