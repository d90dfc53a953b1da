"""Pure CSRF rules: the double-submit comparison and the Origin / Sec-Fetch-Site check."""

from __future__ import annotations

from typing import Any

import pytest

from munjigi.security import csrf

HOST = "app.example.com"
ALLOWED = ("https://spa.example.net",)


# --- double submit -----------------------------------------------------------------------


def test_equal_tokens_match() -> None:
    assert csrf.tokens_match("Zm9vYmFyLXRva2Vu", "Zm9vYmFyLXRva2Vu") is True


@pytest.mark.parametrize(
    "presented",
    [
        "Zm9vYmFyLXRva2VU",
        "Zm9vYmFyLXRva2Vu ",
        "Zm9vYmFyLXRva2V",
        "Zm9vYmFyLXRva2Vuu",
        "",
        None,
        "ｚｍ９ｖ",
        "\ud800",
    ],
    ids=repr,
)
def test_different_or_missing_presented_token_does_not_match(presented: str | None) -> None:
    assert csrf.tokens_match("Zm9vYmFyLXRva2Vu", presented) is False


@pytest.mark.parametrize("expected", ["", None, 0, 12345, b"Zm9v", ["Zm9v"], {"csrf": "Zm9v"}])
def test_missing_or_non_string_expected_value_never_matches(expected: Any) -> None:
    # The expected value comes from the JWT's claims: a token without a usable csrf claim
    # must not match anything, not even an equally empty or equally typed header.
    assert csrf.tokens_match(expected, "Zm9v") is False
    assert csrf.tokens_match(expected, "") is False
    assert csrf.tokens_match(expected, None) is False


def test_empty_values_on_both_sides_do_not_match() -> None:
    assert csrf.tokens_match("", "") is False


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[Any, Any]] = []

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return a == b

    monkeypatch.setattr(csrf.hmac, "compare_digest", spy)

    assert csrf.tokens_match("token-value", "token-value") is True
    assert compared == [(b"token-value", b"token-value")]


# --- origin ------------------------------------------------------------------------------


def allowed(
    origin: str | None, fetch_site: str | None = None, host: str = HOST, origins: Any = ALLOWED
) -> bool:
    return csrf.origin_allowed(origin, fetch_site, host, origins)


@pytest.mark.parametrize(
    "origin", ["https://app.example.com", "http://app.example.com", "https://APP.example.com"]
)
def test_origin_of_our_own_host_is_allowed(origin: str) -> None:
    assert allowed(origin) is True


def test_origin_with_the_port_of_our_host_is_allowed() -> None:
    assert allowed("http://127.0.0.1:5000", host="127.0.0.1:5000") is True


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://127.0.0.1:5001", "127.0.0.1:5000"),
        ("http://127.0.0.1", "127.0.0.1:5000"),
        ("http://127.0.0.1:5000", "127.0.0.1"),
    ],
)
def test_origin_with_another_port_is_refused(origin: str, host: str) -> None:
    assert allowed(origin, host=host) is False


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://app.example.com.evil.example",
        "https://evil-app.example.com",
        "https://example.com",
        "https://sub.app.example.com",
        "https://spa.example.net.evil.example",
    ],
)
def test_origin_of_another_host_is_refused(origin: str) -> None:
    assert allowed(origin) is False


@pytest.mark.parametrize(
    "origin",
    [
        "null",
        "",
        "file://app.example.com",
        "ftp://app.example.com",
        "chrome-extension://app.example.com",
        "javascript://app.example.com",
        "app.example.com",
        "//app.example.com",
    ],
)
def test_origin_without_an_http_scheme_is_refused(origin: str) -> None:
    assert allowed(origin) is False


def test_null_origin_is_refused_even_when_the_browser_says_same_origin() -> None:
    # Sandboxed iframes and some redirects send "null": Origin decides when present.
    assert allowed("null", fetch_site="same-origin") is False


def test_configured_origin_is_allowed() -> None:
    assert allowed("https://spa.example.net") is True


@pytest.mark.parametrize(
    "origin", ["http://spa.example.net", "https://spa.example.net:8443", "https://spa.example.ne"]
)
def test_origin_differing_from_the_configured_one_is_refused(origin: str) -> None:
    assert allowed(origin) is False


def test_configured_origin_wins_over_a_cross_site_fetch_header() -> None:
    assert allowed("https://spa.example.net", fetch_site="cross-site") is True


def test_cross_origin_is_refused_whatever_sec_fetch_site_claims() -> None:
    assert allowed("https://evil.example", fetch_site="same-origin") is False


def test_no_configured_origins_allows_only_our_host() -> None:
    assert allowed("https://spa.example.net", origins=()) is False
    assert allowed("https://app.example.com", origins=()) is True


def test_cross_site_fetch_without_origin_is_refused() -> None:
    assert allowed(None, fetch_site="cross-site") is False


@pytest.mark.parametrize("fetch_site", ["same-origin", "same-site", "none"])
def test_same_site_fetch_without_origin_is_allowed(fetch_site: str) -> None:
    assert allowed(None, fetch_site=fetch_site) is True


def test_request_without_origin_or_fetch_metadata_is_allowed() -> None:
    # Non-browser clients send neither; they still need the double-submit token.
    assert allowed(None, fetch_site=None) is True


def test_unsafe_methods_are_the_state_changing_ones() -> None:
    assert {"POST", "PUT", "PATCH", "DELETE"} == csrf.UNSAFE_METHODS
    assert not {"GET", "HEAD", "OPTIONS"} & csrf.UNSAFE_METHODS


# --- which bound values a token accepts ---------------------------------------------------


def test_refresh_claims_accept_either_bound_csrf_value() -> None:
    claims = {"type": "refresh", "csrf": "refresh-value", "acsrf": "access-value"}
    assert csrf.claims_match(claims, "refresh-value") is True
    assert csrf.claims_match(claims, "access-value") is True
    assert csrf.claims_match(claims, "other-value") is False
    assert csrf.claims_match(claims, None) is False
    assert csrf.claims_match(claims, "") is False


def test_access_claims_accept_only_their_own_csrf_value() -> None:
    claims = {"type": "access", "csrf": "access-value", "acsrf": "refresh-value"}
    assert csrf.claims_match(claims, "access-value") is True
    assert csrf.claims_match(claims, "refresh-value") is False


def test_refresh_claims_without_the_access_value_still_need_their_own() -> None:
    claims = {"type": "refresh", "csrf": "refresh-value"}
    assert csrf.claims_match(claims, "refresh-value") is True
    assert csrf.claims_match(claims, "") is False
    assert csrf.claims_match(claims, "None") is False
