"""Which language a page speaks: the member's choice > Accept-Language > the default."""

from __future__ import annotations

import re

import pytest

from munjigi import Settings
from munjigi.config import ConfigError
from tests.web.conftest import user_named

EN = {"Accept-Language": "en-US,en;q=0.9"}
KO = {"Accept-Language": "ko-KR,ko;q=0.9"}


def html_lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, "no <html lang>"
    return found.group(1)


def test_the_default_locale_is_korean_and_must_be_supported():
    assert Settings.from_env({}, dotenv_path=None).default_locale == "ko"
    env = {"MUNJIGI_DEFAULT_LOCALE": "en"}
    assert Settings.from_env(env, dotenv_path=None).default_locale == "en"
    wrong = Settings.from_env({"MUNJIGI_DEFAULT_LOCALE": "fr"}, dotenv_path=None)
    assert "MUNJIGI_DEFAULT_LOCALE must be one of ko, en" in wrong.problems()
    with pytest.raises(ConfigError):
        from munjigi import create_app

        create_app(Settings.for_testing(default_locale="fr"))


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "ko"),  # no header: MUNJIGI_DEFAULT_LOCALE
        ("en-US,en;q=0.9", "en"),
        ("ko-KR,ko;q=0.9,en;q=0.8", "ko"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "en"),  # the best language we speak
        ("ja,fr", "ko"),  # none we speak: the default
    ],
)
def test_signed_out_pages_follow_accept_language_then_the_default(client, accept, expected):
    headers = {"Accept-Language": accept} if accept else {}
    assert html_lang(client.get("/login", headers=headers).text) == expected


def test_the_members_choice_beats_the_browser(member):
    client = member.client
    assert html_lang(client.get("/account", headers=EN).text) == "en"
    response = member.post("/account/locale", {"locale": "ko"}, headers=EN)
    assert response.status_code == 303
    assert user_named("kim_chef").locale == "ko"
    assert html_lang(client.get("/account", headers=EN).text) == "ko"
    assert html_lang(client.get("/", headers=EN).text) == "ko"
    member.post("/account/locale", {"locale": "en"}, headers=KO)
    assert html_lang(client.get("/account", headers=KO).text) == "en"
    # "Same as my browser" clears the choice again.
    member.post("/account/locale", {"locale": ""}, headers=KO)
    assert user_named("kim_chef").locale is None
    assert html_lang(client.get("/account", headers=KO).text) == "ko"
    assert html_lang(client.get("/account", headers=EN).text) == "en"


def test_an_unknown_language_is_refused_next_to_the_field(member):
    response = member.post("/account/locale", {"locale": "fr"}, headers=EN)
    assert response.status_code == 422
    assert 'id="f-locale"' in response.text and "field__error" in response.text
    assert user_named("kim_chef").locale is None


def test_the_language_selector_is_on_the_account_page(member):
    html = member.client.get("/account", headers=EN).text
    assert 'name="locale"' in html
    assert '<option value="ko" lang="ko">한국어</option>' in html
