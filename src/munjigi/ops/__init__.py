"""Operations: health, readiness and metrics endpoints, request ids and JSON logs."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import Flask

from munjigi.config import Settings
from munjigi.security import policy

bp = APIBlueprint("ops", __name__, tag="ops")
policy.declare(bp, kind=policy.API)  # what its routes are, unless a route says

from munjigi.ops import api  # noqa: E402,F401  (routes register themselves on bp)
from munjigi.ops import instrument  # noqa: E402,F401
from munjigi.ops import logs  # noqa: E402
from munjigi.ops import metrics  # noqa: E402


def init_app(app: Flask, settings: Settings) -> None:
    """Logs and metrics, then routes (the request id and log line: munjigi/gate.py)."""
    logs.configure(settings)
    metrics.install_audit_listener()
    app.register_blueprint(bp)
