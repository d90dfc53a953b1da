"""The request gate: one before/after pair doing what each route's declared policy asks.

Before the view: name the request (id, clock), look up the route's ``Policy`` (resolved at
start-up, security/policy.py), spend its rate class from the client's budgets and run the
anti-bot guard — nothing for exempt routes (probes, metrics, static files). Authentication
and CSRF run in the route's own decorator (``auth_required``, the page guard), which the
policy records. After the view: the security headers (precomputed, plus this request's CSP
nonce), the request id, the latency metric and one log line. Registered before every other
hook, so its ``after`` runs last and logs the final status.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import current_app
from flask import request

from munjigi.config import Settings
from munjigi.ops import instrument
from munjigi.security import antibot
from munjigi.security import policy
from munjigi.security import ratelimit
from munjigi.security.headers import SecurityHeaders

EXTENSION_KEY = "munjigi.gate"


class Gate:
    """The app's gate; ``bind`` picks up the limiter and headers once everything exists."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limiter: ratelimit.RateLimiter | None = None
        self.headers = SecurityHeaders(settings)

    def bind(self, app: Flask) -> None:
        """Resolve the policy table and take the app's limiter (end of ``create_app``)."""
        policy.resolve(app)
        self.limiter = app.extensions.get(ratelimit.EXTENSION_KEY)
        self.headers = app.extensions.get("munjigi.headers", self.headers)

    def before(self) -> None:
        instrument.start_request()
        declared = policy.lookup(current_app, request.endpoint)
        method = request.method
        cls = declared.rate_class(method) if declared is not None else policy.EXEMPT
        request.environ[ratelimit.CLASS_KEY] = cls
        if cls == policy.EXEMPT:
            return
        if self.limiter is not None:
            self.limiter.check(cls)
        antibot.guard(cls)

    def after(self, response: Response) -> Response:
        self.headers.apply(response)
        return instrument.finish_request(response)


def init_app(app: Flask, settings: Settings) -> Gate:
    """Register the gate's hooks; call before anything else registers request hooks."""
    gate = Gate(settings)
    app.extensions[EXTENSION_KEY] = gate
    app.before_request(gate.before)
    app.after_request(gate.after)
    return gate


def bind(app: Flask) -> None:
    """Finish the gate once every route and extension exists."""
    gate: Gate = app.extensions[EXTENSION_KEY]
    gate.bind(app)
