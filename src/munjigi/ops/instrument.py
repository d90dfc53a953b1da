"""Per-request bookkeeping: the request id, the latency histogram and one log line per request."""

from __future__ import annotations

import logging
import os
import re
import time

from flask import Response
from flask import g
from flask import request

from munjigi.ops import metrics

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only when it is short and plain (a UUID, a trace id): anything
# longer or stranger could be an injection into logs, or a token someone pasted there.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,64}")
# Probes and scrapes arrive every few seconds; their lines would drown everything else.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

log = logging.getLogger("munjigi.request")


def request_id_from(incoming: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is safe to reuse, else a new random one."""
    if incoming and _SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return os.urandom(16).hex()


def start_request() -> None:
    """Name the request and start its clock (runs before every other hook)."""
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    """Return the id to the caller, observe the latency, log one line (runs after every hook)."""
    if "request_id" not in g:  # a hook registered before ours failed
        start_request()
    request_id: str = g.request_id
    seconds = time.perf_counter() - g.request_started
    response.headers[REQUEST_ID_HEADER] = request_id
    method, path, status = request.method, request.path, response.status_code
    rule = request.url_rule
    metrics.observe_request(method, rule.rule if rule else None, status, seconds)
    level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
    if status >= 500:
        level = logging.WARNING
    if log.isEnabledFor(level):
        # Every field passed here, so the context filter has nothing left to look up.
        context = {
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        }
        log.log(level, "%s %s %s", method, path, status, extra=context)
    return response
