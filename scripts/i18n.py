#!/usr/bin/env python3
"""Manage the gettext catalogs in locale/ with Babel.

    scripts/i18n.py extract   # bot/ and templates -> locale/messages.pot
    scripts/i18n.py update    # merge the .pot into locale/{es,en}; English is filled from source
    scripts/i18n.py compile   # .po -> .mo
    scripts/i18n.py check     # list msgids without a translation (exit 1 if any)
    scripts/i18n.py set es F.json  # set translations from {"msgid": "msgstr", ...} (locked)
    scripts/i18n.py all       # extract, update, compile, check
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
POT = LOCALE / "messages.pot"
LANGS = {"es": "es_MX", "en": "en"}


@contextmanager
def locked() -> Iterator[None]:
    """Several people (or agents) may update the catalogs at once: one at a time."""
    LOCALE.mkdir(exist_ok=True)
    with (LOCALE / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def set_translations(lang: str, path: Path) -> int:
    mapping = json.loads(path.read_text(encoding="utf-8"))
    po = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=LANGS[lang])
    done = 0
    for msgid, msgstr in mapping.items():
        message = catalog.get(msgid)
        if message is None:
            print(f"not in the catalog (run extract and update first): {msgid!r}")
            continue
        message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
        message.flags.discard("fuzzy")
        done += 1
    with po.open("wb") as fh:
        write_po(fh, catalog, width=0)
    return done


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)


def extract() -> None:
    pybabel("extract", "-F", "babel.cfg", "-o", str(POT), "--add-comments=TRANSLATORS:",
            "-k", "N_", "--sort-by-file", "--no-wrap", "--project=pregonero", ".")


def update() -> None:
    for lang, babel_locale in LANGS.items():
        po = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            pybabel("update", "-i", str(POT), "-d", str(LOCALE), "-l", lang, "--no-wrap",
                    "--ignore-obsolete", "--no-fuzzy-matching")
        else:
            pybabel("init", "-i", str(POT), "-d", str(LOCALE), "-l", lang, "--no-wrap")
        if lang == "en":  # English is the source language: an empty msgstr takes the msgid
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=babel_locale)
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
            with po.open("wb") as fh:
                write_po(fh, catalog, width=0, omit_header=False)


def compile_() -> None:
    pybabel("compile", "-d", str(LOCALE), "--statistics")


def missing() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lang, babel_locale in LANGS.items():
        po = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=babel_locale)
        gaps = []
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                gaps.append(message.id if isinstance(message.id, str) else message.id[0])
        out[lang] = gaps
    return out


def check() -> int:
    gaps = missing()
    bad = 0
    for lang, ids in gaps.items():
        for msgid in ids:
            print(f"locale/{lang}: missing translation: {msgid!r}")
            bad += 1
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    verb = argv[1] if len(argv) > 1 else "all"
    if verb == "extract":
        with locked():
            extract()
    elif verb == "update":
        with locked():
            update()
    elif verb == "set" and len(argv) == 4 and argv[2] in LANGS:
        with locked():
            print(f"set {set_translations(argv[2], Path(argv[3]))} translations")
    elif verb == "compile":
        compile_()
    elif verb == "check":
        return check()
    elif verb == "all":
        with locked():
            extract()
            update()
            compile_()
        return check()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
