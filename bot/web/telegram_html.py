"""Show Telegram HTML in a web page as Telegram would: only its tags pass, everything else is
escaped text. Used for the "as Telegram shows it" preview bubble."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markupsafe import Markup

ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
           "blockquote", "tg-spoiler", "span"}
RENAMED = {"tg-spoiler": "span"}


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            return
        name = RENAMED.get(tag, tag)
        extra = ""
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if urlsplit(href).scheme in ("http", "https", "tg", "mailto"):
                extra = f' href="{escape(href)}" rel="noopener noreferrer" target="_blank"'
        if tag in ("tg-spoiler", "span"):
            extra = ' class="spoiler"'
        self.out.append(f"<{name}{extra}>")
        self.open.append(name)

    def handle_endtag(self, tag: str) -> None:
        name = RENAMED.get(tag, tag)
        if tag in ALLOWED and name in self.open:
            while self.open:
                top = self.open.pop()
                self.out.append(f"</{top}>")
                if top == name:
                    break

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data, quote=False))


def to_web(telegram_html: str) -> Markup:
    parser = _Sanitizer()
    parser.feed(telegram_html)
    parser.close()
    closing = "".join(f"</{t}>" for t in reversed(parser.open))
    return Markup("".join(parser.out) + closing)
