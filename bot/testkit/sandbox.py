"""The sandbox chat page: a visitor talks to the bot as an officer, through the emulator.

`add_sandbox_routes(app, enroll)` adds to the emulator's aiohttp app:

- `GET /sandbox?lang=es|en`: the page (Telegram-like chat, local assets only);
- `GET /sandbox/static/{name}`: its script and style;
- `POST /sandbox/api/chats` `{"lang": "es"|"en"}`: enrolls a new sandbox user through a real
  `/start <code>` (the `enroll(lang)` callback gives the user id) and answers `{"user_id": N}`.

The page then uses the emulator's test-control routes (`/_emulator/users/{id}/send`, `/tap`,
`/_emulator/chats/{id}?after=REV&wait=25`, `/_emulator/callbacks/{id}`). Bot messages are
drawn from their text and entities with DOM nodes (never innerHTML), so only Telegram's
formatting subset can appear and everything else is text.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import jinja2
from aiohttp import web

from bot.i18n import LANGS, N_, gettext_for

HERE = Path(__file__).parent
STATIC = {"sandbox.js": "application/javascript", "sandbox.css": "text/css"}

STRINGS = {
    "title": N_("Pregonero sandbox"),
    "intro": N_("Talk to the bot as an officer would. Nothing here reaches Telegram."),
    "start": N_("Start a chat"),
    "new_chat": N_("New chat"),
    "language": N_("Language"),
    "placeholder": N_("Write a question…"),
    "send": N_("Send"),
    "bot_name": N_("Pregonero"),
    "bot_status": N_("bot · sandbox"),
    "edited": N_("edited"),
    "image": N_("Image"),
    "document": N_("Document"),
    "offline": N_("The demo is not answering. Is it still running?"),
    "enrolling": N_("Joining with an invite code…"),
}

Enroll = Callable[[str], Awaitable[int]]
ENROLL_KEY: web.AppKey[Enroll] = web.AppKey("sandbox_enroll")

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)


def page_strings(lang: str) -> dict[str, str]:
    _ = gettext_for(lang)
    return {key: _(msgid) for key, msgid in STRINGS.items()}


async def page(request: web.Request) -> web.Response:
    lang = request.query.get("lang", "es")
    lang = lang if lang in LANGS else "es"
    t = page_strings(lang)
    config = json.dumps({"lang": lang, "t": t}, ensure_ascii=False).replace("</", "<\\/")
    html = _env.get_template("sandbox.html").render(lang=lang, t=t, config=config,
                                                    langs=LANGS)
    return web.Response(text=html, content_type="text/html", headers={
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                   "style-src 'self'; script-src 'self'",
        "Cache-Control": "no-store",
    })


async def static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in STATIC:
        raise web.HTTPNotFound()
    return web.Response(body=(HERE / "static" / name).read_bytes(), content_type=STATIC[name],
                        charset="utf-8")


async def new_chat(request: web.Request) -> web.Response:
    try:
        data = await request.json()
    except ValueError:
        data = {}
    lang = data.get("lang") if isinstance(data, dict) else None
    lang = lang if lang in LANGS else "es"
    enroll = request.app[ENROLL_KEY]
    user_id = await enroll(lang)
    return web.json_response({"user_id": user_id, "lang": lang})


def add_sandbox_routes(app: web.Application, enroll: Enroll) -> None:
    app[ENROLL_KEY] = enroll
    app.router.add_get("/sandbox", page)
    app.router.add_get("/sandbox/static/{name}", static)
    app.router.add_post("/sandbox/api/chats", new_chat)
