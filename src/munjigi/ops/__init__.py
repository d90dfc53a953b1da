"""Operations: health, readiness and metrics endpoints, request ids and JSON logs."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import Flask

from munjigi.config import Settings

bp = APIBlueprint("ops", __name__, tag="ops")

from munjigi.ops import api  # noqa: E402,F401  (routes register themselves on bp)
from munjigi.ops import instrument  # noqa: E402
from munjigi.ops import logs  # noqa: E402
from munjigi.ops import metrics  # noqa: E402


def init_app(app: Flask, settings: Settings) -> None:
    """Logs, request ids and metrics first (their hooks must wrap every other), then routes."""
    logs.configure(settings)
    instrument.init_app(app)
    metrics.install_audit_listener()
    app.register_blueprint(bp)
