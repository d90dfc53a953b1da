"""Links from a dashboard number to the audit-log rows behind it (/admin/audit filters)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from munjigi.reports.period import Period
from munjigi.reports.queries import METRICS


class AuditLinks:
    """URLs of /admin/audit filtered to ``period`` and to what a number counts."""

    def __init__(self, period: Period) -> None:
        self.span: dict[str, Any] = {
            "since": period.start.strftime("%Y-%m-%dT%H:%M:%S"),
            "until": period.end.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        }

    def metric(self, name: str) -> str:
        """The events one dashboard number counts."""
        return url_for("admin.audit", event=",".join(METRICS[name]), **self.span)

    def ip(self, ip: str) -> str:
        """Everything an IP did in the period."""
        return url_for("admin.audit", ip=ip, **self.span)

    def account(self, user_id: str) -> str:
        """Everything about an account in the period."""
        return url_for("admin.audit", user=f"#{user_id}", **self.span)
