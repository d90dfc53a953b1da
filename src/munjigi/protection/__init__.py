"""The HTTP surface of the protection layer: robots.txt, PoW challenges, password-strength
hints and the admin audit API; ``init_app`` wires the security core's protections."""

from __future__ import annotations

from apiflask import APIBlueprint
from apiflask import APIFlask

from munjigi.config import Settings
from munjigi.security import policy

bp = APIBlueprint("protection", __name__, tag="protection")
policy.declare(bp, kind=policy.API)  # what its routes are, unless a route says

from munjigi.protection import api  # noqa: E402,F401  (routes register themselves on bp)


def init_app(app: APIFlask, settings: Settings) -> None:
    """Headers, rate limits, anti-bot guard, audit chain and brute-force hooks, then routes.

    Call after the security core is bound and before feature blueprints register their own
    request hooks, so that refused requests cost as little as possible.
    """
    from munjigi.security import antibot
    from munjigi.security import audit_chain
    from munjigi.security import bruteforce
    from munjigi.security import headers
    from munjigi.security import ratelimit

    headers.init_app(app, settings)
    ratelimit.init_app(app, settings)
    antibot.init_app(app)
    audit_chain.install()
    bruteforce.install()
    app.register_blueprint(bp)
