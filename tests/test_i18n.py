"""The gettext catalogs: every msgid translated in Spanish and English, placeholders kept."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import format_day, format_number, gettext_for, normalize_lang

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _i18n_script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalog(lang: str):
    with (ROOT / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale={"es": "es_MX", "en": "en"}[lang])


@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_catalog_misses_a_translation(lang: str) -> None:
    gaps = _i18n_script().missing()[lang]
    assert gaps == [], f"locale/{lang}: {len(gaps)} msgids without translation: {gaps[:10]}"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_translations_keep_the_placeholders_of_their_msgid(lang: str) -> None:
    wrong = []
    for message in _catalog(lang):
        if not message.id or not message.string or isinstance(message.id, tuple):
            continue
        if set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string)):
            wrong.append(message.id)
    assert wrong == []


def test_the_bot_speaks_spanish_and_english() -> None:
    assert gettext_for("es")("Useful") == "Útil"
    assert gettext_for("en")("Useful") == "Useful"
    assert gettext_for("fr")("Useful") == "Útil"  # unknown languages fall back to Spanish


def test_telegram_language_codes_map_to_our_two_languages() -> None:
    assert [normalize_lang(c) for c in ("en", "en-US", "es-MX", "pt-br", None, "")] == [
        "en", "en", "es", "es", "es", "es"]


def test_dates_and_numbers_follow_the_language() -> None:
    from datetime import date

    assert format_day(date(2026, 3, 2), "es") == "2 mar 2026"
    assert format_day(date(2026, 3, 2), "en") == "Mar 2, 2026"
    assert format_number(12345, "es") == "12,345"
