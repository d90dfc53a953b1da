"""A short, human label for a session's device, read from its User-Agent (display only)."""

from __future__ import annotations

from flask_babel import gettext as _

# Order matters: Edge, Opera and Chromium also say "Chrome"; every iOS browser says "Safari".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("CriOS/", "Chrome"),
    ("FxiOS/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-requests/", "Python requests"),
    ("python-httpx/", "Python httpx"),
    ("Werkzeug/", "Werkzeug"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe(user_agent: str | None) -> str:
    """'Chrome on Windows', 'curl', or 'Unknown device'."""
    if not user_agent:
        return str(_("Unknown device"))
    browser = next((name for token, name in _BROWSERS if token in user_agent), None)
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    if browser and system:
        return str(_("%(browser)s on %(system)s", browser=browser, system=system))
    return browser or system or str(_("Unknown device"))
