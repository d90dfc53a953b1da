"""Finding the Korean font the PDFs need (fpdf2's core fonts are Latin-1 only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from munjigi.reports.exceptions import ReportFontMissingError

# Debian/Ubuntu ``fonts-nanum``, then where Fedora, Arch, a manual install and macOS put it.
DEFAULT_PATHS = (
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/nanum/NanumGothic.ttf",
    "/usr/share/fonts/naver-nanum/NanumGothic.ttf",
    "/usr/local/share/fonts/NanumGothic.ttf",
    "/Library/Fonts/NanumGothic.ttf",
)


@dataclass(frozen=True)
class FontFiles:
    """A TrueType font with Hangul: the regular face and a bold one (the regular if none)."""

    regular: Path
    bold: Path


def find(configured: str | None) -> FontFiles:
    """The configured font file, or the first default that exists.

    A configured path is taken at its word: when it is missing we say so rather than fall
    back to a different font the operator did not choose.

    :raises ReportFontMissingError: (503) no usable font file.
    """
    candidates = (configured,) if configured else DEFAULT_PATHS
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file() and path.suffix.lower() in (".ttf", ".otf"):
            bold = path.with_name(f"{path.stem}Bold{path.suffix}")
            return FontFiles(path, bold if bold.is_file() else path)
    raise ReportFontMissingError()
