"""``/healthz``, ``/readyz`` and ``/metrics``: what orchestrators and Prometheus ask."""

from __future__ import annotations

import hmac
from http import HTTPStatus
from typing import Any

from flask import Response
from flask import current_app
from flask import request

from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.ops import bp
from munjigi.ops import metrics
from munjigi.ops import readiness
from munjigi.security import policy


def _settings() -> Settings:
    found: Settings = current_app.extensions["munjigi.settings"]
    return found


@bp.get("/healthz")
@policy.route(rate=policy.EXEMPT)
@bp.doc(summary="Liveness: the process answers (touches nothing else)")
def healthz() -> dict[str, Any]:
    return {"status": "ok"}


@bp.get("/readyz")
@policy.route(rate=policy.EXEMPT)
@bp.doc(
    summary="Readiness: the database (and Redis, when configured) answer in time",
    responses={503: "A dependency failed; the body lists which"},
)
def readyz() -> tuple[dict[str, Any], int]:
    settings = _settings()
    checks = {"database": readiness.database_check(db.engine)}
    if settings.redis_url:
        checks["redis"] = readiness.redis_check(settings.redis_url, settings.readiness_timeout)
    results = readiness.run_checks(checks, settings.readiness_timeout)
    failed = sorted(name for name, result in results.items() if result != readiness.OK)
    if failed:
        body = {"status": "unavailable", "failed": failed, "checks": results}
        return body, HTTPStatus.SERVICE_UNAVAILABLE
    return {"status": "ready", "checks": results}, HTTPStatus.OK


@bp.get("/metrics")
@policy.route(rate=policy.EXEMPT)
@bp.doc(summary="Prometheus metrics (Bearer MUNJIGI_METRICS_TOKEN when one is set)")
def prometheus_metrics() -> Response:
    expected = _settings().metrics_token
    if expected:
        presented = request.headers.get("Authorization", "")
        if not hmac.compare_digest(presented.encode(), f"Bearer {expected}".encode()):
            return Response(
                "metrics token required\n",
                status=HTTPStatus.UNAUTHORIZED,
                mimetype="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    payload, content_type = metrics.exposition()
    return Response(payload, content_type=content_type, headers={"Cache-Control": "no-store"})
