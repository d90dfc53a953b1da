"""Build a message from a plain-text and an HTML template (``templates/mail/<name>.txt|html``)."""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from email.utils import format_datetime
from email.utils import parseaddr
from typing import Any

from flask import render_template

from munjigi.db import utcnow


def compose(sender: str, to: str, subject: str, template: str, **context: Any) -> EmailMessage:
    """A multipart/alternative message: the text part first, the HTML part preferred.

    Both parts are rendered by Jinja with autoescaping on (the HTML template) so nothing a
    user typed (a display name, an address) can inject markup into the mail.
    """
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    # Not email.utils.make_msgid: it draws from the process-wide `random`, which mail sent
    # from a background thread must leave alone (Hypothesis, in the tests, checks nothing
    # moves it); 128 bits from `secrets` need no time or pid besides.
    message["Message-ID"] = f"<{secrets.token_hex(16)}@{domain}>"
    # RFC 3834: an automatic message; out-of-office robots should not answer it.
    message["Auto-Submitted"] = "auto-generated"
    context = {"subject": subject, **context}
    message.set_content(render_template(f"mail/{template}.txt", **context))
    message.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    # Set here for the same reason: the generator would draw a boundary from `random`.
    message.set_boundary(f"=_munjigi_{secrets.token_hex(16)}")
    return message
