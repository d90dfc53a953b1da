"""Outgoing mail: SMTP or a development outbox, templates, and sending after commit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask import current_app

from munjigi import i18n
from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.mail import backends
from munjigi.mail import sender
from munjigi.mail.compose import compose

EXTENSION_KEY = "munjigi.mail"

__all__ = ["init_app", "send_after_commit", "wait_idle"]


def init_app(app: Flask, settings: Settings) -> None:
    """Choose the backend (``MUNJIGI_MAIL_BACKEND``) and hook mail to database commits."""
    app.extensions[EXTENSION_KEY] = backends.from_settings(settings, Path(app.instance_path))
    sender.install()


def backend() -> backends.Backend:
    """The current application's mail backend."""
    found: backends.Backend = current_app.extensions[EXTENSION_KEY]
    return found


def send_after_commit(kind: str, to: str, subject: object, template: str, **context: Any) -> None:
    """Compose now (templates need the app) and send once the current transaction commits.

    The mail speaks the language of its ``user`` (their choice on /account), else the
    language of this request; ``subject`` may be a catalog string (``lazy_gettext``).
    """
    settings: Settings = current_app.extensions["munjigi.settings"]
    with i18n.speaking(getattr(context.get("user"), "locale", None)):
        message = compose(settings.mail_from, to, str(subject), template, **context)
    sender.queue(db.session(), sender.Outgoing(kind, message, backend()))


def wait_idle(timeout: float = 15.0) -> bool:
    """Wait until every committed message of this process was handed to the backend."""
    return sender.wait_idle(timeout)
