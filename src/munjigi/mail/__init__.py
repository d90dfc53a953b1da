"""Outgoing mail: SMTP or a development outbox, templates, and a durable queue sent after commit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from munjigi import i18n
from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.mail import backends
from munjigi.mail import outbox
from munjigi.mail import sender
from munjigi.mail.compose import compose

EXTENSION_KEY = "munjigi.mail"
CHANNEL_KEY = "munjigi.mail.channel"

__all__ = ["drain", "init_app", "send_after_commit", "wait_idle"]


def init_app(app: Flask, settings: Settings) -> None:
    """Choose the backend (``MUNJIGI_MAIL_BACKEND``) and hook mail to database commits."""
    app.extensions[EXTENSION_KEY] = backends.from_settings(settings, Path(app.instance_path))
    sender.install()
    extensions = app.extensions

    def policy() -> outbox.Policy:
        # Read when sending: the backend and settings of the app as they are now.
        current: Settings = extensions["munjigi.settings"]
        return outbox.Policy(
            backend=extensions[EXTENSION_KEY],
            fernet=outbox.cipher(current.secret_key),
            retry_delay=current.mail_retry_delay,
            max_attempts=current.mail_max_attempts,
            lease=current.smtp_timeout * 3 + 30,
        )

    with app.app_context():
        engine = db.engine
    if engine.url.get_backend_name() != "sqlite":
        # Its own connections, opened per drain and closed after: the sender never holds
        # one of the requests' pool, and none outlives a drain.
        engine = create_engine(engine.url, poolclass=NullPool)
    channel = sender.Channel(
        engine, policy, outbox.cipher(settings.secret_key), settings.mail_sweep_interval
    )
    app.extensions[CHANNEL_KEY] = channel
    if settings.mail_sweep_interval > 0:
        # Mail committed before a restart (or by a worker that died) goes out now.
        sender.sweep(channel)


def backend() -> backends.Backend:
    """The current application's mail backend."""
    found: backends.Backend = current_app.extensions[EXTENSION_KEY]
    return found


def send_after_commit(kind: str, to: str, subject: object, template: str, **context: Any) -> None:
    """Compose now (templates need the app); store in this transaction; send after commit.

    The mail speaks the language of its ``user`` (their choice on /account), else the
    language of this request; ``subject`` may be a catalog string (``lazy_gettext``).
    """
    settings: Settings = current_app.extensions["munjigi.settings"]
    with i18n.speaking(getattr(context.get("user"), "locale", None)):
        message = compose(settings.mail_from, to, str(subject), template, **context)
    sender.queue(db.session(), current_app.extensions[CHANNEL_KEY], kind, message)


def drain() -> None:
    """Wake the sender for the current application (the CLI, tests)."""
    sender.wake(current_app.extensions[CHANNEL_KEY])


def close(app: Flask) -> None:
    """Stop sending for ``app``: its timers lapse (an app that is shut down, a test's app)."""
    channel = app.extensions.get(CHANNEL_KEY)
    if channel is not None:
        channel.closed = True


def wait_idle(timeout: float = 15.0) -> bool:
    """Wait until every committed message of this process was handed to the backend."""
    return sender.wait_idle(timeout)
