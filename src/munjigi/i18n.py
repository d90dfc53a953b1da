"""Page, mail and CLI language (Flask-Babel): the locale selector, catalogs and formatters.

The language of a request is the member's choice on /account, else the browser's
``Accept-Language``, else ``MUNJIGI_DEFAULT_LOCALE``. Commands (no request) speak the
default. Catalogs live in ``munjigi/translations``: the ``.po`` sources are committed and the
``.mo`` files are compiled from them — by ``make install`` and the Dockerfile, and here at
start-up whenever one is missing or older than its source (a fresh clone, an edited ``.po``).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask import g
from flask import has_request_context
from flask import request
from flask_babel import Babel
from flask_babel import force_locale
from flask_babel import format_currency
from flask_babel import format_decimal
from flask_babel import format_percent
from flask_babel import get_locale
from flask_babel import refresh
from markupsafe import Markup

from munjigi import script_wording
from munjigi import wording
from munjigi.config import LOCALES
from munjigi.config import Settings
from munjigi.recipes import pricing

TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "messages"
# How the language selector names each language: in itself, so anyone can find theirs.
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")

log = logging.getLogger(__name__)


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``.po`` whose ``.mo`` is missing or older; the paths written.

    Atomic (a temporary file renamed over the old one), so workers starting together never
    read half a catalog. Fuzzy entries are left out, as ``pybabel compile`` does.
    """
    written: list[Path] = []
    for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parent.parent.name)
        fd, tmp = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as target:
                write_mo(target, catalog)
            os.replace(tmp, mo_path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        written.append(mo_path)
    return written


def select_locale() -> str:
    """The member's language, else the browser's best match, else the configured default."""
    user = g.get("page_user")
    chosen = getattr(user, "locale", None)
    if chosen in LOCALES:
        return str(chosen)
    if has_request_context():
        best = request.accept_languages.best_match(LOCALES)
        if best:
            return best
    return _settings().default_locale


def locale_code() -> str:
    """This request's (or command's) language code: ``ko`` or ``en``."""
    locale = get_locale()
    return locale.language if locale is not None else _settings().default_locale


def language_changed() -> None:
    """Forget the language chosen so far in this request (the member was just identified)."""
    refresh()


@contextmanager
def speaking(locale: str | None) -> Iterator[None]:
    """Render in ``locale`` (a mail to a member), or the current language when ``None``."""
    if locale not in LOCALES:
        yield
        return
    with force_locale(locale):
        yield


def won(amount: int | float | Decimal | None) -> str:
    """A won amount in this locale's way (₩1,235): exact amounts rounded half up first."""
    if amount is None:
        return "—"
    if isinstance(amount, Decimal):
        amount = pricing.won(amount)
    return str(format_currency(amount, "KRW"))


def number(value: int | float | Decimal | None) -> str:
    """A number with this locale's grouping and decimal sign (exact decimals kept)."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = value.normalize()
    return str(format_decimal(value, format="#,##0.###"))


def percent(value: float | Decimal) -> str:
    """A share as a whole percentage in this locale's way (37%)."""
    return str(format_percent(value))


def when(value: datetime | date | None) -> str:
    """A date and minute (or a date) in this locale's words, in UTC: "Dec 3, 2026 18:20"."""
    if value is None:
        return "—"
    locale = get_locale() or _settings().default_locale
    day = format_skeleton("yMMMd", value, tzinfo=UTC, locale=locale)
    if not isinstance(value, datetime):
        return day
    return f"{day} {format_skeleton('Hm', value, tzinfo=UTC, locale=locale)}"


def korean(text: object) -> Markup:
    """``text`` marked ``lang="ko"`` when it is Korean (has Hangul) on a page in another language.

    For content whose language the page does not choose: recipe titles, ingredient names
    and units, the demo catalogue.
    """
    value = "" if text is None else str(text)
    if locale_code() == "ko" or not HANGUL.search(value):
        return Markup.escape(value)
    return Markup('<span lang="ko">%s</span>') % (value,)


def _settings() -> Settings:
    from munjigi.security.gatekeeper import gatekeeper

    return gatekeeper().settings


def init_app(app: Flask, settings: Settings) -> None:
    """Flask-Babel with our selector, compiled catalogs, and the formatters for templates."""
    try:
        for path in compile_catalogs():
            log.info("compiled translation catalog %s", path)
    except OSError as exc:  # a read-only install: the image compiled them at build time
        log.warning("translation catalogs not compiled: %s", exc)
    app.config.update(
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE="UTC",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        BABEL_DOMAIN=DOMAIN,
    )
    Babel(app, locale_selector=select_locale)
    # {% trans %} blocks are looked up with their whitespace collapsed, as babel.cfg extracts.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    helpers: dict[str, Any] = {
        "locale_code": locale_code,
        "language_names": LANGUAGE_NAMES,
        "script_messages": script_wording.script_messages,
        "status_phrase": wording.status_phrase,
        "field_name": wording.field_name,
        "role_label": wording.label,
        "status_label": wording.label,
        "outcome_label": wording.label,
        "factor_label": wording.label,
    }
    app.jinja_env.globals.update(helpers)
    app.jinja_env.filters.update(won=won, number=number, percent=percent, when=when, korean=korean)

    @app.before_request
    def fresh_language() -> None:
        # ``g`` (and Flask-Babel's cache in it) may outlive one request in tests.
        refresh()
