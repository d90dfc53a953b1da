"""Session device labels read from real User-Agent strings."""

from __future__ import annotations

import pytest

from munjigi.auth import devices

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/131.0.2903.86"
FIREFOX_UBUNTU = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
SAFARI_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.7 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.104 Mobile Safari/537.36"
)
SAMSUNG_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"
)
OPERA_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0"
)
CHROME_OS = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (CHROME_WINDOWS, "Chrome on Windows"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (FIREFOX_UBUNTU, "Firefox on Linux"),
        (SAFARI_MAC, "Safari on macOS"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (SAFARI_IPAD, "Safari on iPad"),
        (CHROME_ANDROID, "Chrome on Android"),
        (SAMSUNG_ANDROID, "Chrome on Android"),
        (OPERA_MAC, "Opera on macOS"),
        (CHROME_OS, "Chrome on ChromeOS"),
        ("curl/8.5.0", "curl"),
        ("python-requests/2.32.3", "Python requests"),
        ("python-httpx/0.28.1", "Python httpx"),
        ("Werkzeug/3.1.3", "Werkzeug"),
    ],
    ids=[
        "chrome-windows",
        "edge-windows",
        "firefox-ubuntu",
        "safari-mac",
        "safari-iphone",
        "safari-ipad",
        "chrome-android",
        "samsung-android",
        "opera-mac",
        "chrome-os",
        "curl",
        "requests",
        "httpx",
        "werkzeug",
    ],
)
def test_known_user_agent_gets_a_browser_and_system_label(user_agent: str, label: str) -> None:
    assert devices.describe(user_agent) == label


def test_system_without_a_known_browser_is_named_alone() -> None:
    assert devices.describe("SomeApp/1.0 (Windows NT 10.0)") == "Windows"


@pytest.mark.parametrize("user_agent", [None, "", "Mozilla/5.0", "Googlebot-Image/1.0"])
def test_missing_or_unrecognised_user_agent_is_an_unknown_device(user_agent: str | None) -> None:
    assert devices.describe(user_agent) == "Unknown device"


def test_label_never_echoes_the_user_agent() -> None:
    # The label is shown in the sessions page: attacker-chosen text must not reach it.
    hostile = "<script>alert(1)</script> Chrome/1.0 (Windows)"

    assert devices.describe(hostile) == "Chrome on Windows"
