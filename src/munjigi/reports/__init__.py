"""Reports: our SVG charts, the dashboards' aggregates, the PDF and CSV downloads (/reports)."""

from __future__ import annotations

from apiflask import APIBlueprint

from munjigi.security import policy

bp = APIBlueprint("reports", __name__, url_prefix="/reports", tag="reports")
policy.declare(bp, kind=policy.FILE)  # what its routes are, unless a route says

from munjigi.reports import models  # noqa: E402,F401  (indexes on the metadata)
from munjigi.reports import views  # noqa: E402,F401  (routes register themselves on bp)
