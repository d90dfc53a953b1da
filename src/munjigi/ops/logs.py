"""Log output: one JSON object per line, tagged with the request id, with secrets redacted.

Every record that reaches the root logger (ours, Flask's, werkzeug's, SQLAlchemy's) goes
through one handler installed by :func:`configure`. Inside a request the record also gets
``request_id``, ``method`` and ``path`` (never the query string, never a header value).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import TextIO

from flask import g
from flask import has_request_context
from flask import request

from munjigi.config import Settings

# Marks the one handler we own so configure() can replace it (an app per test, or a reload).
_OURS = "_munjigi_handler"
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
CONTEXT_FIELDS = ("request_id", "method", "path", "status", "duration_ms")
# Defence in depth: a JWT or a Bearer credential that slipped into a message is cut out.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
REDACTED = "[redacted]"


# A path's query string (``/reset?token=…`` in werkzeug's request line, a URL in a message):
# live one-time tokens travel there, so no log line keeps one.
_QUERY = re.compile(r"((?:https?://[^\s?\"']*)|(?:(?<=[\s\"'])/[^\s?\"']*))\?[^\s\"']+")
QUERY_REDACTED = "?[redacted]"


def redact_query_strings(text: str) -> str:
    """``text`` with the query string of every path or URL in it replaced."""
    return _QUERY.sub(r"\1" + QUERY_REDACTED, text) if "?" in text else text


class QueryStringFilter(logging.Filter):
    """Cuts query strings out of a record's message before any handler formats it.

    On our handler it covers every logger; on the ``werkzeug`` logger it also covers the
    handler werkzeug's development server adds by itself when it finds none.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_query_strings(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redact(text: str) -> str:
    """``text`` with anything shaped like a JWT or a Bearer credential replaced."""
    if "eyJ" in text:
        text = _JWT.sub(REDACTED, text)
    if "earer" in text:
        text = _BEARER.sub(r"\1 " + REDACTED, text)
    return text


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", …}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        attributes = vars(record)
        for name in sorted(attributes.keys() - _STANDARD):  # what ``extra=`` and filters added
            value = attributes[name]
            if value is not None and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A line for a human at a terminal, with the same redaction."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        return redact(super().format(record))


class RequestContextFilter(logging.Filter):
    """Adds the request id, method and path of the current request to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            if not hasattr(record, "request_id"):
                record.request_id = g.get("request_id")
            if not hasattr(record, "method"):
                record.method = request.method
            if not hasattr(record, "path"):
                record.path = request.path
        return True


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (test runners swap it between tests)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass  # always the current sys.stderr


def make_formatter(log_format: str) -> logging.Formatter:
    """The formatter for ``MUNJIGI_LOG_FORMAT``."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure(settings: Settings) -> logging.Handler:
    """Route every log record to stderr in ``settings.log_format`` at ``settings.log_level``.

    Idempotent: a second call (a second app in the same process) replaces our handler
    instead of adding another; handlers others installed (pytest, gunicorn) are left alone.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
    handler = StderrHandler()
    setattr(handler, _OURS, True)
    handler.setFormatter(make_formatter(settings.log_format))
    handler.addFilter(RequestContextFilter())
    handler.addFilter(QueryStringFilter())
    root.addHandler(handler)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, QueryStringFilter) for f in werkzeug.filters):
        werkzeug.addFilter(QueryStringFilter())
    root.setLevel(settings.log_level.upper())
    return handler
