"""The lines under a card's body: whom to call, the legal basis and the review. Pure.

Built from the front matter (`contacts:`, `legal_basis:`, `reviewed:`; `phone:` and
`website:` on contact cards) when a folder is checked, and appended to the body's Telegram
HTML, so the chat, broadcasts and the web preview all show the same lines. They are not
added to the plain text that search indexes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from bot.content.model import Kind, ParsedTranslation
from bot.i18n import gettext_for

DIRECTORY_COMMAND = {"es": "/directorio", "en": "/directory"}


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def contact_entry(contact: ParsedTranslation) -> str:
    """`Línea de la Vida 800 911 2000`, or the title linked to the website."""
    info = contact.contact
    name = _esc(contact.title)
    if info is not None and info.phone:
        return f"{name} {_esc(info.phone)}"
    if info is not None and info.website:
        return f'<a href="{html.escape(info.website, quote=True)}">{name}</a>'
    return name


def footer_lines(t: ParsedTranslation, directory: Mapping[str, ParsedTranslation]) -> list[str]:
    """The footer of one translation as Telegram HTML lines (empty when there is none).
    `directory`: contact id -> that contact card in the same language (or its fallback)."""
    _ = gettext_for(t.lang)
    labels = {"phone": _("Phone:"), "website": _("Website:"), "call": _("Call:"),
              "basis": _("Legal basis:"), "reviewed": _("Reviewed:")}
    lines: list[str] = []
    if t.kind == Kind.CONTACT and t.contact is not None:
        if t.contact.phone:
            lines.append(f"☎️ <b>{_esc(labels['phone'])}</b> {_esc(t.contact.phone)}")
        if t.contact.website:
            url = html.escape(t.contact.website, quote=True)
            lines.append(f"🌐 <b>{_esc(labels['website'])}</b> <a href=\"{url}\">"
                         f"{_esc(t.contact.website.removeprefix('https://'))}</a>")
    calls = [contact_entry(directory[c]) for c in t.calls if c in directory]
    if calls:
        region = _("in your region: %(command)s") % {
            "command": DIRECTORY_COMMAND.get(t.lang, "/directorio")}
        lines.append(f"📞 <b>{_esc(labels['call'])}</b> " + " · ".join(calls)
                     + f" · {_esc(region)}")
    if t.legal_basis:
        lines.append(f"⚖️ <b>{_esc(labels['basis'])}</b> " + _esc("; ".join(t.legal_basis)))
    review = t.reviewed
    if review is not None:
        label = f"<b>{_esc(labels['reviewed'])}</b> "
        if review.pending:
            text = _("pending sign-off by %(reviewer)s (text of %(date)s). Until then, check "
                     "with your supervisor before acting on it.") % {
                "reviewer": review.reviewer or _("the legal unit"), "date": review.on.isoformat()}
            lines.append("⚠️ " + label + _esc(text))
        else:
            lines.append("✅ " + label + _esc(f"{review.on.isoformat()}, {review.reviewer}"))
    return lines


def with_footer(body_html: str, lines: list[str]) -> str:
    if not lines:
        return body_html
    footer = "\n".join(lines)
    return f"{body_html}\n\n{footer}" if body_html else footer
