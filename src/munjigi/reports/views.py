"""``/reports/…``: the PDF and CSV downloads, fetched by the dashboards' script.

Each accepts GET and POST; with cookies both need the ``X-CSRF-TOKEN`` header (guard.py).
Errors are JSON (the script shows their message), never a page and never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import request
from flask import stream_with_context

from munjigi.errors import ValidationError
from munjigi.reports import bp
from munjigi.reports import downloads
from munjigi.reports import guard
from munjigi.security.models import Role

METHODS = ["GET", "POST"]
# Bearer, or the session cookies plus the X-CSRF-TOKEN header (whatever the method).
AUTH: list[str | dict[str, list[Any]]] = [{"BearerAuth": []}, {"CookieAuth": []}]
CSRF_NOTE = (
    " With cookies, the X-CSRF-TOKEN header (the csrf_access_token cookie) is required for GET"
    " and POST alike; without it: 403 csrf_failed."
)
PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
FONT_MISSING = "No Korean font installed (report_font_missing)"


def _responses(ok: dict[str, Any], errors: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    found: dict[int | str, dict[str, Any]] = {200: ok}
    found.update({status: {"description": text} for status, text in errors.items()})
    return found


@bp.route("/dashboard.pdf", methods=METHODS)
@bp.doc(
    summary="My recipe report as PDF (cost per meal, cost by ingredient, likes, activity)",
    description="Query `recipe`: the recipe whose breakdown is shown." + CSRF_NOTE,
    security=AUTH,
    responses=_responses(
        {"description": "The PDF", **PDF},
        {403: "CSRF failed", 422: "Bad recipe id", 503: FONT_MISSING},
    ),
)
def kitchen_report_pdf() -> Response:
    principal = guard.require()
    return _send(downloads.kitchen_pdf(principal, _recipe_id()))


@bp.route("/security.pdf", methods=METHODS)
@bp.doc(
    summary="Security report as PDF (admin)",
    description="Query `range`: 24h, 7d (default) or 30d." + CSRF_NOTE,
    security=AUTH,
    responses=_responses(
        {"description": "The PDF", **PDF},
        {403: "Not an admin, or CSRF failed", 422: "Unknown range", 503: FONT_MISSING},
    ),
)
def security_report_pdf() -> Response:
    principal = guard.require(Role.ADMIN)
    return _send(downloads.security_pdf(principal, request.args.get("range")))


@bp.route("/audit.csv", methods=METHODS)
@bp.doc(
    summary="The audit rows of a period as CSV (admin; formula cells neutralised)",
    description="Query `range`: 24h, 7d (default) or 30d." + CSRF_NOTE,
    security=AUTH,
    responses=_responses(
        {
            "description": "UTF-8 CSV with a BOM",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        {403: "Not an admin, or CSRF failed", 422: "Unknown range"},
    ),
)
def audit_report_csv() -> Response:
    guard.require(Role.ADMIN)
    return _send(downloads.audit_csv(request.args.get("range")))


def _recipe_id() -> int | None:
    raw = request.args.get("recipe")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationError(fields={"recipe": ["Must be a recipe id."]})
    return int(raw)


def _send(download: downloads.Download) -> Response:
    body = download.body
    if not isinstance(body, bytes):
        body = stream_with_context(body)
    response = Response(body, content_type=download.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    # Personal data: never kept by a browser or proxy cache.
    response.headers["Cache-Control"] = "no-store"
    return response
