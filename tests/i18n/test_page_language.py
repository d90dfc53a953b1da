"""Every page speaks one language: no Hangul on English pages outside ``lang="ko"`` content,
no untranslated English on Korean pages (brand and product names aside)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from munjigi.extensions import db
from munjigi.recipes import demo
from munjigi.security.models import User
from tests.web.conftest import make_user

EN = {"Accept-Language": "en-US,en;q=0.9"}
KO = {"Accept-Language": "ko-KR,ko;q=0.9"}
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
# Names that stay as they are in a Korean page: brands, products, protocols, units.
KEEP = {
    "Munjigi", "Flask", "UTC", "API", "PDF", "CSV", "IP", "PIN", "QR", "ID", "OTP",
    "Google", "Authenticator", "Password", "Aegis", "FreeOTP", "Werkzeug", "ml", "kg",
}  # fmt: skip
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
SKIPPED = {"script", "style", "code", "svg"}  # code samples, machine codes, chart drawings

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


class Texts(HTMLParser):
    """The visible texts of a page, each with the language of its nearest ``lang``."""

    VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr", "area", "col"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None, bool]] = []
        self.found: list[tuple[str, str]] = []

    def _lang(self) -> str:
        return next((lang for _, lang, _ in reversed(self.stack) if lang), "")

    def _skipped(self) -> bool:
        return any(skip for _, _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang")
        skip = tag in SKIPPED or "hidden" in values and tag != "input"
        if tag not in self.VOID:
            self.stack.append((tag, lang, skip))
        if not self._skipped():
            here = lang or self._lang()
            for name in ATTRIBUTES:
                if values.get(name):
                    self.found.append((here, str(values[name])))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._skipped():
            self.found.append((self._lang(), data.strip()))


def texts(html: str) -> list[tuple[str, str]]:
    parser = Texts()
    parser.feed(html)
    return parser.found


def hangul_outside_korean(html: str) -> list[str]:
    return [text for lang, text in texts(html) if lang != "ko" and HANGUL.search(text)]


def english_in_korean(html: str, data: set[str]) -> list[str]:
    found = []
    for lang, text in texts(html):
        if lang == "en" or text in data:
            continue
        for value in sorted(data, key=len, reverse=True):  # what members typed is theirs
            text = text.replace(value, " ")
        words = [w for w in WORD.findall(text) if w not in KEEP]
        if words:
            found.append(text)
    return found


@pytest.fixture
def site(app: Any, pages: Any, admin: Any) -> dict[str, Any]:
    """An admin signed in, a member with demo recipes, likes and a comment."""
    report = demo.seed("a demo passphrase nobody will guess")
    member = make_user("kim_chef")
    users = db.session.scalars(db.select(User)).all()
    data = {u.username for u in users} | {u.email for u in users} | {"Werkzeug"}
    return {"member_id": member.id, "data": data, "demo": report.username}


SIGNED_OUT = ["/login", "/signup", "/terms", "/password/forgot", "/email/resend", "/nowhere"]
SIGNED_IN = [
    "/",
    "/account",
    "/account/email",
    "/account/security",
    "/account/passkeys",
    "/account/delete",
    "/admin/users",
    "/admin/users?q=kim_chef",
    "/admin/audit",
    "/dashboard/security",
    "/nowhere",
]


def pages_of(site: dict[str, Any]) -> list[str]:
    member = site["member_id"]
    return [*SIGNED_IN, f"/admin/users/{member}", f"/admin/users/{member}/delete"]


def get(client: Any, path: str, headers: dict[str, str]) -> str:
    response = client.get(path, headers={**headers, "Accept": "text/html"})
    assert response.status_code in (200, 404), (path, response.status_code)
    assert response.mimetype == "text/html", path
    return str(response.text)


def test_signed_out_pages_speak_one_language(client):
    for path in SIGNED_OUT:
        english = get(client, path, EN)
        assert '<html lang="en">' in english
        assert hangul_outside_korean(english) == [], path
        korean = get(client, path, KO)
        assert '<html lang="ko">' in korean
        assert english_in_korean(korean, set()) == [], path


def test_admin_and_member_pages_speak_one_language(site, admin):
    for path in pages_of(site):
        english = get(admin.client, path, EN)
        assert '<html lang="en">' in english, path
        assert hangul_outside_korean(english) == [], path
        korean = get(admin.client, path, KO)
        assert '<html lang="ko">' in korean, path
        assert english_in_korean(korean, site["data"]) == [], path


def test_demo_catalogue_names_are_marked_korean_on_english_pages(site, admin):
    html = get(admin.client, "/", EN)
    assert '<span lang="ko">돼지고기 김치찌개</span>' in html  # a demo recipe title
    assert "₩" in html  # won amounts formatted by Babel


def test_dates_numbers_and_plurals_follow_the_language(site, admin):
    korean = get(admin.client, "/", KO)
    english = get(admin.client, "/", EN)
    assert re.search(r"\d{4}년 \d{1,2}월 \d{1,2}일 \d{2}:\d{2}", korean)
    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{2}:\d{2}", english)
    assert '<span class="stat__number">1</span> active session<' in english
    assert '활성 세션 <span class="stat__number">1</span>개' in korean


def test_the_page_scripts_get_their_words_in_the_page_language(site, admin):
    import json

    for headers, active in ((KO, "보안 세션 사용 중"), (EN, "Secure session active")):
        html = get(admin.client, "/account", headers)
        found = re.search(r"data-i18n='([^']*)'", html)
        assert found, "no data-i18n on <body>"
        words = json.loads(found.group(1).replace("&#39;", "'"))
        assert words["active"] == active
