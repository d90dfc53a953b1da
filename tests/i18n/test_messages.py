"""422 field messages follow Accept-Language while the API's ``message`` stays Korean; commands
print in one language; both catalogs translate every msgid of the code and templates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from munjigi import i18n
from tests.i18n.test_page_language import english_in_korean
from tests.i18n.test_page_language import hangul_outside_korean

HANGUL = re.compile(r"[\uac00-\ud7a3]")
ROOT = Path(__file__).resolve().parents[2]


def signup(client, headers=None, **body):
    payload = {"username": "weakling", "email": "weak@example.com", "password": "short"}
    payload.update(body)
    return client.post("/members/forms", json=payload, headers=headers or {})


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("en-US,en;q=0.9", "Use at least 15 characters."),
        ("ko-KR,ko;q=0.9", "15자 이상 입력하세요."),
        (None, "15자 이상 입력하세요."),  # no header: MUNJIGI_DEFAULT_LOCALE (ko)
    ],
)
def test_field_messages_follow_accept_language_and_message_stays_korean(client, accept, expected):
    response = signup(client, {"Accept-Language": accept} if accept else None)
    body = response.get_json()
    assert response.status_code == 422
    assert body["code"] == "validation_error" and body["message"] == "입력값이 올바르지 않음"
    assert expected in body["fields"]["password"]


def test_library_validation_messages_are_translated_too(client):
    english = signup(client, {"Accept-Language": "en"}, email="not-an-email").get_json()
    korean = signup(client, {"Accept-Language": "ko"}, email="not-an-email").get_json()
    assert english["fields"]["email"] == ["Enter a valid email address."]
    assert korean["fields"]["email"] == ["올바른 이메일 주소를 입력하세요."]
    missing = client.post("/members/forms", json={}, headers={"Accept-Language": "ko"})
    assert missing.get_json()["fields"]["username"] == ["필수 항목입니다."]


def test_a_command_prints_in_one_language(runner):
    weak = runner.invoke(
        args=["munjigi", "create-admin", "--username", "boss", "--email", "boss@example.com"],
        input="short\nshort\n",
    )
    assert weak.exit_code == 1
    assert "오류: 올바르지 않은 입력이 있습니다." in weak.output
    assert "비밀번호: 15자 이상 입력하세요." in weak.output
    assert not re.search(r"[A-Za-z]{3,}", weak.output), weak.output
    passphrase = "a long enough passphrase for the chief"
    done = runner.invoke(
        args=["munjigi", "create-admin", "--username", "boss", "--email", "boss@example.com"],
        input=f"{passphrase}\n{passphrase}\n",
    )
    assert done.exit_code == 0 and "관리자 boss 생성" in done.output


@pytest.mark.parametrize("settings_overrides", [{"default_locale": "en"}])
def test_commands_speak_the_configured_default_language(runner):
    result = runner.invoke(args=["munjigi", "lock-user", "nobody"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no user 'nobody'"


def extracted(tmp_path: Path) -> set[object]:
    """The msgids the sources hold now (pybabel extract, as `make i18n-extract` runs it)."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
            "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
            "-o", str(pot), str(ROOT / "src"),
        ],
        check=True,
    )  # fmt: skip
    with pot.open("rb") as source:
        return {m.id for m in read_po(source) if m.id}


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_every_message_has_a_translation(tmp_path, locale):
    wanted = extracted(tmp_path)
    assert len(wanted) > 300
    path = i18n.TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    done = {
        m.id
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert sorted(map(str, wanted - done)) == [], f"untranslated in {locale}: run make i18n-update"
    if locale == "ko":
        for message in catalog:
            if message.id and isinstance(message.string, str) and HANGUL.search(message.id) is None:
                assert message.string != message.id or not re.search("[a-z]{3}", message.id), (
                    message.id
                )


def test_the_checks_see_a_mixed_page():
    assert hangul_outside_korean("<p>Use at least 15 characters. 비밀번호라</p>")
    assert not hangul_outside_korean('<p>Recipe: <span lang="ko">김치찌개</span></p>')
    assert english_in_korean("<p>비밀번호는 Use at least 15 characters.</p>", set())
    assert not english_in_korean("<p>문지기 Munjigi · PDF 내려받기</p><code>POST /x</code>", set())
