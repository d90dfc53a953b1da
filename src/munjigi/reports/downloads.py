"""The report files: what each download endpoint builds, for whom."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from munjigi import wording
from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.reports import auditcsv
from munjigi.reports import period as periods
from munjigi.reports import services
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuditEvent
from munjigi.security.models import User
from munjigi.security.sessions import Principal

RECENT_EVENTS = 8


@dataclass(frozen=True)
class Download:
    """A file for the browser to save."""

    filename: str
    mimetype: str
    body: bytes | Iterator[str]


def _author(principal: Principal) -> str:
    user = db.session.get(User, principal.user_id)
    name = user.username if user is not None else f"#{principal.user_id}"
    return f"{name} ({principal.role})"


def recent_activity(user_id: int, limit: int = RECENT_EVENTS) -> list[tuple[str, str, str, str]]:
    """The latest audit events about a user, as table rows (what, when, from, result)."""
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.user_id == user_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return [
        (wording.event_label(e.event), f"{e.at:%Y-%m-%d %H:%M}", e.ip or "—", e.outcome)
        for e in rows
    ]


def kitchen_pdf(principal: Principal, recipe_id: int | None) -> Download:
    """The member's recipe report (the dashboard at ``/`` as a PDF)."""
    now = utcnow()
    report = services.kitchen(principal.user_id, recipe_id)
    # Imported here: fpdf2 pulls in Pillow and fontTools (seconds on a busy host) and only
    # the PDF downloads need it, so workers and the CLI start without it.
    from munjigi.reports import documents

    body = documents.kitchen_pdf(
        report,
        recent_activity(principal.user_id),
        generated_at=now,
        generated_by=_author(principal),
        font_path=gatekeeper().settings.report_font,
    )
    return Download(f"munjigi-recipes-{now:%Y%m%d-%H%M}.pdf", "application/pdf", body)


def security_pdf(principal: Principal, range_key: str | None) -> Download:
    """The admin security report over a range.

    :raises ValidationError: (422) an unknown range.
    """
    now = utcnow()
    report = services.security(range_key, now)
    from munjigi.reports import documents  # lazily: see kitchen_pdf

    body = documents.security_pdf(
        report,
        generated_at=now,
        generated_by=_author(principal),
        font_path=gatekeeper().settings.report_font,
    )
    return Download(
        f"munjigi-security-{report.period.key}-{now:%Y%m%d-%H%M}.pdf", "application/pdf", body
    )


def audit_csv(range_key: str | None) -> Download:
    """Every audit row of a range, streamed as CSV.

    :raises ValidationError: (422) an unknown range.
    """
    now = utcnow()
    period = periods.parse(range_key, now)
    body = auditcsv.lines(db.session(), period)
    return Download(
        f"munjigi-audit-{period.key}-{now:%Y%m%d-%H%M}.csv", "text/csv; charset=utf-8", body
    )
