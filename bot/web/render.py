"""Pages in the reader's language: one Jinja2 environment per language, bound to our catalogs.

`page(request, template, context)` renders a template with what every page needs (the
session, the navigation for the person's role, the CSRF token, the language switch).
Numbers, shares and dates go through `bot.i18n` filters, so each locale formats its own.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup

from bot.clock import parse_iso
from bot.config import DEMO_TOKEN
from bot.i18n import (
    DEFAULT_LANG,
    LANGS,
    N_,
    format_datetime,
    format_day,
    format_number,
    format_share,
    gettext_for,
)
from bot.i18n import translations as catalog
from bot.store import Store
from bot.web import keys
from bot.web.labels import label

TEMPLATES = Path(__file__).parent / "templates"
ENV_KEYS = {lang: web.AppKey(f"jinja_{lang}", jinja2.Environment) for lang in LANGS}
LANG_COOKIE = "pregonero_lang"

# (route name, label, roles that see it)
NAV = (
    ("overview", N_("Overview"), ("comms", "admin")),
    ("campaigns", N_("Campaigns"), ("comms", "admin")),
    ("content", N_("Content"), ("comms", "admin")),
    ("gaps", N_("Content gaps"), ("comms", "admin")),
    ("officers", N_("Officers"), ("admin",)),
    ("invites", N_("Invites"), ("admin",)),
    ("exports", N_("Exports"), ("admin",)),
)


def _filters(lang: str, tz: str) -> dict[str, Any]:
    def number(value: Any) -> str:
        if isinstance(value, str):  # "<5": a figure suppressed for privacy, shown as it is
            return value or "–"
        return "–" if value is None else format_number(value, lang)

    def share(value: Any) -> str:
        return "–" if value is None or value == "" else format_share(value, lang)

    def when(value: Any, fmt: str = "medium") -> str:
        if not value:
            return "–"
        dt = value if isinstance(value, datetime) else parse_iso(str(value))
        if fmt == "minutes":  # a medium date and the time without seconds
            fmt = "MMM d, y, h:mm a" if lang == "en" else "d MMM y, h:mm a"
        return format_datetime(dt, lang, tz, fmt)

    def day(value: Any) -> str:
        """A stored day (YYYY-MM-DD) in the reader's format: '7 dic 2026' / 'Dec 7, 2026'."""
        if not value:
            return "–"
        return format_day(date.fromisoformat(str(value)[:10]), lang)

    return {"number": number, "share": share, "when": when, "day": day}


def campaign_name(campaign: Any, titles: dict[str, str], lang: str) -> str:
    """A campaign as people call it: its name, or for a broadcast named automatically
    ('broadcast <card id>'), "Broadcast: <card title>" in the reader's language."""
    name = campaign["name"] if isinstance(campaign, dict) else campaign.name
    kind = campaign["kind"] if isinstance(campaign, dict) else campaign.kind
    items = campaign["items"] if isinstance(campaign, dict) else campaign.items
    if kind == "broadcast" and items and name == f"broadcast {items[0]}":
        _ = gettext_for(lang)
        return _("Broadcast: %(title)s") % {"title": titles.get(items[0], items[0])}
    return name


def audience(segment: str, lang: str) -> str:
    """A segment for listings: the expression, or 'everyone' in the reader's language."""
    _ = gettext_for(lang)
    return _("everyone") if segment in ("", "everyone") else segment


def setup(app: web.Application) -> None:
    tz = app[keys.SETTINGS].timezone
    for lang, key in ENV_KEYS.items():
        env = aiohttp_jinja2.setup(
            app, app_key=key, loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
            extensions=["jinja2.ext.i18n"], filters=_filters(lang, tz),
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        )
        env.install_gettext_translations(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
            catalog(lang), newstyle=True)
        env.globals["lang"] = lang
        env.globals["lbl"] = label
        env.globals["campaign_name"] = campaign_name
        env.globals["audience"] = audience


def request_lang(request: web.Request) -> str:
    """`?lang=` first, then the session's language, then the language cookie, then Spanish."""
    asked = request.query.get("lang")
    if asked in LANGS:
        return asked
    session = request.get(keys.SESSION)
    if session is not None and session.lang in LANGS:
        return session.lang
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGS else DEFAULT_LANG


def gettext(request: web.Request) -> Any:
    return catalog(request_lang(request)).gettext


def page(request: web.Request, template: str, context: dict[str, Any] | None = None,
         *, status: int = 200) -> web.Response:
    lang = request_lang(request)
    session = request.get(keys.SESSION)
    role = session.role if session is not None else None
    ctx: dict[str, Any] = {
        "session": session,
        "csrf": session.csrf if session is not None else "",
        "nav": [(name, label) for name, label, roles in NAV if role in roles],
        "here": request.match_info.route.name if request.match_info.route else None,
        "path": request.path,
        "query": dict(request.query),
        "other_lang": "en" if lang == "es" else "es",
        "demo": request.app[keys.SETTINGS].bot_token == DEMO_TOKEN,
        "url": lambda name, **parts: request.app.router[name].url_for(**parts),
    }
    ctx.update(context or {})
    response = aiohttp_jinja2.render_template(template, request, ctx, app_key=ENV_KEYS[lang],
                                              status=status)
    if request.query.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True,
                            samesite="Lax", path="/")
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def code_spans(text: str) -> Markup:
    """A one-line message written for the command line, for a page: `x` becomes <code>x</code>
    (the backticks are never shown), everything else is escaped."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: leave the text as it is
        return Markup.escape(text)
    out = [Markup("<code>{}</code>").format(p) if i % 2 else Markup.escape(p)
           for i, p in enumerate(parts)]
    return Markup("").join(out)


def markup(svg: str) -> Markup:
    return Markup(svg)


def store(request: web.Request) -> Store:
    return request.app[keys.STORE]


def now(request: web.Request) -> datetime:
    return request.app[keys.CLOCK]()


def redirect(request: web.Request, name: str, **parts: str) -> web.Response:
    """303 See Other to a named route (after a form was handled)."""
    location = str(request.app.router[name].url_for(**parts))
    return web.Response(status=303, headers={"Location": location})
