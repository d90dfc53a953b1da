"""Failures of the reports, each with a stable ``code``."""

from __future__ import annotations

from http import HTTPStatus

from munjigi.errors import AppError


class ReportFontMissingError(AppError):
    """No Korean font is installed, so a PDF would show boxes instead of Hangul."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "report_font_missing"
    message = (
        "PDF reports need a Korean font: install fonts-nanum or set MUNJIGI_REPORT_FONT "
        "to a .ttf file with Hangul."
    )
