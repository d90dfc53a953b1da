"""Build a message from a plain-text and an HTML template (``templates/mail/<name>.txt|html``)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from email.utils import make_msgid
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
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: an automatic message; out-of-office robots should not answer it.
    message["Auto-Submitted"] = "auto-generated"
    context = {"subject": subject, **context}
    message.set_content(render_template(f"mail/{template}.txt", **context))
    message.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    return message
