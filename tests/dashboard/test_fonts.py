"""Finding the Korean font, and the PDF really using it for Hangul (glyphs, not boxes)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from munjigi.reports import fonts
from munjigi.reports import pdf
from munjigi.reports.exceptions import ReportFontMissingError

NANUM = Path(fonts.DEFAULT_PATHS[0])


def test_a_configured_font_that_is_missing_is_an_error_not_a_silent_fallback(tmp_path):
    with pytest.raises(ReportFontMissingError):
        fonts.find(str(tmp_path / "NanumGothic.ttf"))
    (tmp_path / "notes.txt").write_text("not a font")
    with pytest.raises(ReportFontMissingError):
        fonts.find(str(tmp_path / "notes.txt"))


def test_a_configured_font_finds_its_bold_sibling(tmp_path):
    regular = tmp_path / "MyHangul.ttf"
    regular.write_bytes(NANUM.read_bytes())
    assert fonts.find(str(regular)) == fonts.FontFiles(regular, regular)  # no bold: the regular
    bold = tmp_path / "MyHangulBold.ttf"
    bold.write_bytes(NANUM.read_bytes())
    assert fonts.find(str(regular)).bold == bold


def test_the_default_is_fonts_nanum_where_debian_installs_it():
    assert NANUM.is_file(), "install fonts-nanum (the CI script does)"
    assert fonts.find(None).regular == NANUM


def test_hangul_in_the_pdf_is_drawn_with_the_embedded_korean_font():
    doc = pdf.new_document("보고서 제목", None)
    pdf.section(doc, "돼지고기 김치찌개", "한끼 4,198원")
    body = pdf.output(doc)
    reader = PdfReader(io.BytesIO(body))
    page = reader.pages[0]
    assert "돼지고기 김치찌개" in page.extract_text() and "한끼 4,198원" in page.extract_text()
    used = {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("NanumGothic" in name for name in used), used
    embedded = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    assert all(f["/Subtype"] == "/Type0" for f in embedded)  # a TrueType CID font, not a core font
