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
from munjigi.security.gatekeeper import gatekeeper

# The OpenAPI shapes of the answers (apidocs: the document states every status and type).
READY: dict[str, Any] = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"type": "string", "enum": ["ready", "unavailable"]},
        "failed": {"type": "array", "items": {"type": "string"}},
        "degraded": {"type": "array", "items": {"type": "string"}},
        "checks": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
TEXT: dict[str, Any] = {"schema": {"type": "string"}}
Answers = dict[int | str, dict[str, str | dict[str, dict[str, Any]]]]
READY_ANSWERS: Answers = {
    200: {"description": "Ready", "content": {"application/json": {"schema": READY}}},
    503: {
        "description": "The database failed or is behind the migrations; the body says which",
        "content": {"application/json": {"schema": READY}},
    },
}
METRICS_ANSWERS: Answers = {
    200: {"description": "The exposition format", "content": {"text/plain": TEXT}},
    401: {"description": "The metrics token is missing or wrong", "content": {"text/plain": TEXT}},
    404: {"description": "Production without a metrics token", "content": {"text/plain": TEXT}},
}


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
    summary="Readiness: the database answers in time, at the migrations' head (Redis reported)",
    responses=READY_ANSWERS,
)
def readyz() -> tuple[dict[str, Any], int]:
    settings = _settings()
    checks = {"database": readiness.database_check(db.engine)}
    if settings.redis_url:
        checks["redis"] = readiness.redis_check(settings.redis_url, settings.readiness_timeout)
    results = readiness.run_checks(checks, settings.readiness_timeout)
    if "redis" in results:
        readiness.REDIS_UP.set(1 if results["redis"] == readiness.OK else 0)
    if results["database"] != readiness.OK:
        body = {"status": "unavailable", "failed": ["database"], "checks": results}
        return body, HTTPStatus.SERVICE_UNAVAILABLE
    # SPEC §3: the JWKS has a key before the first login (the first ready pod makes it).
    gatekeeper().keys.ensure_first_key(db.session)
    degraded = sorted(name for name, result in results.items() if result != readiness.OK)
    body = {"status": "ready", "checks": results}
    if degraded:
        body["degraded"] = degraded  # optional dependencies only: still ready
    return body, HTTPStatus.OK


@bp.get("/metrics")
@policy.route(rate=policy.EXEMPT)
@bp.doc(
    summary="Prometheus metrics (Bearer MUNJIGI_METRICS_TOKEN; production: 404 without one set)",
    responses=METRICS_ANSWERS,
)
def prometheus_metrics() -> Response:
    settings = _settings()
    expected = settings.metrics_token
    if not expected and settings.env == "production":
        # Public metrics tell outsiders the traffic, the failure rates, the routes: in
        # production they exist only behind a token (README "Metrics").
        return Response("not found\n", status=HTTPStatus.NOT_FOUND, mimetype="text/plain")
    if expected:
        presented = request.headers.get("Authorization", "")
        if not hmac.compare_digest(presented.encode(), f"Bearer {expected}".encode()):
            return Response(
                "metrics token required\n",
                status=HTTPStatus.UNAUTHORIZED,
                mimetype="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    if settings.redis_url:
        check = readiness.redis_check(settings.redis_url, settings.readiness_timeout)
        result = readiness.run_checks({"redis": check}, settings.readiness_timeout)
        readiness.REDIS_UP.set(1 if result["redis"] == readiness.OK else 0)
    payload, content_type = metrics.exposition()
    return Response(payload, content_type=content_type, headers={"Cache-Control": "no-store"})
