"""Two languages for everything the bot and the web app say: gettext catalogs and Babel formats.

Source strings (msgids) are written in English inside `_()`; `locale/es` holds the Spanish
translation and `locale/en` the English one (filled from the source). Catalogs are compiled
by `scripts/i18n compile`; if a `.mo` is missing or older than its `.po`, the `.po` is
compiled in memory on first use, so a fresh `pip install .` works as it is.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

LANGS = ("es", "en")
DEFAULT_LANG = "es"
BABEL_LOCALES = {"es": "es_MX", "en": "en"}
DOMAIN = "messages"

Gettext = Callable[[str], str]


def locale_dir() -> Path:
    """`bot/locale` in an installed wheel, else the project's `locale/` folder."""
    packaged = Path(__file__).parent / "locale"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "locale"


def normalize_lang(code: str | None) -> str:
    """Telegram's `language_code` (an IETF tag) to one of ours: `en…` is English, else Spanish."""
    if code and code.strip().lower().startswith("en"):
        return "en"
    return "es"


@cache
def translations(lang: str) -> NullTranslations:
    lang = lang if lang in LANGS else DEFAULT_LANG
    folder = locale_dir() / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    if po.is_file():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=BABEL_LOCALES[lang])
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(buf, domain=DOMAIN)
    return NullTranslations()


def gettext_for(lang: str) -> Gettext:
    return translations(lang).gettext


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the language is known."""
    return message


def babel_locale(lang: str) -> Locale:
    return Locale.parse(BABEL_LOCALES.get(lang, BABEL_LOCALES[DEFAULT_LANG]))


def format_datetime(value: datetime, lang: str, tz: str | None = None,
                    fmt: str = "medium") -> str:
    tzinfo = ZoneInfo(tz) if tz else None
    return _babel_datetime(value, format=fmt, tzinfo=tzinfo, locale=babel_locale(lang))


def format_day(value: date, lang: str, fmt: str = "medium") -> str:
    return _babel_date(value, format=fmt, locale=babel_locale(lang))


def format_number(value: float, lang: str) -> str:
    return format_decimal(value, locale=babel_locale(lang))


def format_share(value: float, lang: str) -> str:
    """0.853 -> '85 %' (es_MX) / '85%' (en)."""
    return format_percent(value, locale=babel_locale(lang))


def format_wait(value: timedelta, lang: str) -> str:
    """A wait in words with the right plural, rounded: '1 minuto', '4 minutes', '1 día'."""
    return format_timedelta(value, locale=babel_locale(lang))
