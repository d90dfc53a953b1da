"""The report periods (24 h, 7 d, 30 d) and their time buckets; pure, ``now`` is an argument."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from munjigi.errors import ValidationError

DEFAULT_RANGE = "7d"


@dataclass(frozen=True)
class Period:
    """``[start, end)`` split into equal buckets; ``key`` names the range in URLs."""

    key: str
    label: str
    start: datetime
    end: datetime
    bucket: str  # "hour" or "day"

    def buckets(self) -> list[datetime]:
        """The start of every bucket, oldest first."""
        step = timedelta(hours=1) if self.bucket == "hour" else timedelta(days=1)
        found, at = [], self.start
        while at < self.end:
            found.append(at)
            at += step
        return found

    def bucket_label(self, at: datetime) -> str:
        """How a bucket is printed under the time axis."""
        return at.strftime("%H:00" if self.bucket == "hour" else "%m-%d")

    def describe(self) -> str:
        """ "Last 7 days: 2026-11-17 00:00 – 2026-11-23 15:04 UTC"."""
        from munjigi.i18n import when  # the page's language; this module stays import-light

        return f"{self.label}: {when(self.start)} – {when(self.end)} UTC"


RANGES = {
    "24h": (_l("Last 24 hours"), "hour", 24),
    "7d": (_l("Last 7 days"), "day", 7),
    "30d": (_l("Last 30 days"), "day", 30),
}


def parse(value: str | None, now: datetime) -> Period:
    """The period ``value`` names ending at ``now`` (whole hours or days, the current one included).

    :raises ValidationError: (422) an unknown range.
    """
    key = value or DEFAULT_RANGE
    if key not in RANGES:
        raise ValidationError(fields={"range": [f"Must be one of: {', '.join(RANGES)}."]})
    label, bucket, count = RANGES[key]
    if bucket == "hour":
        start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=count - 1)
    else:
        start = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=count - 1)
    return Period(key, str(label), start, now, bucket)
