"""The emulator's test-control routes (`/_emulator/...`, JSON): the users' side over HTTP.

Used by the sandbox page and by tests or scripts in another process. Local use only: the
emulator listens on 127.0.0.1.

| route | does |
| --- | --- |
| `GET  /_emulator/state` | bots, users, counters |
| `POST /_emulator/users` `{id?, first_name?, language_code?}` | create or update a user |
| `POST /_emulator/users/{id}/send` `{text}` | the user writes to the bot |
| `POST /_emulator/users/{id}/tap` `{message_id, data}` | the user taps an inline button |
| `POST /_emulator/users/{id}/block`, `/unblock`, `/deactivate` | as named |
| `GET  /_emulator/chats/{id}?after=REV&wait=SECONDS` | messages changed after REV |
| `GET  /_emulator/callbacks/{query_id}?wait=SECONDS` | the bot's answer to a tap |
| `GET  /_emulator/commands?user_id=&language_code=` | the command menu the user sees |
| `POST /_emulator/faults` `{force_429, retry_after, error_rate, seed, latency, rate_limits}` | |
| `GET  /_emulator/stats` | counters |

`rate_limits` sets `RateLimits` fields (`enabled`, `strict`, `per_second`, ...).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.testkit.botapi import EmulatorError

MAX_WAIT = 30.0
GUARDED = ("/_emulator/", "/sandbox")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def refusal(request: web.Request) -> web.Response | None:
    """Why a request to the control or sandbox routes is refused, as a response, or None.

    Any web page the person has open could otherwise drive a running demo: a cross-origin
    `text/plain` POST needs no CORS preflight. So: the Host must be a loopback name (no DNS
    rebinding), a browser's `Origin` and `Sec-Fetch-Site` must say this same origin, and a
    POST with a body must be `application/json` (which a cross-site page cannot send without
    a preflight that this server never grants).
    """
    host = (request.url.host or "").lower()
    if host not in LOOPBACK:
        return web.json_response({"ok": False, "error": "local use only"}, status=403)
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        return web.json_response({"ok": False, "error": "cross-site request"}, status=403)
    origin = request.headers.get("Origin")
    if origin is not None:
        parts = urlsplit(origin)
        if origin == "null" or parts.netloc.lower() != request.host.lower():
            return web.json_response({"ok": False, "error": "cross-origin request"},
                                     status=403)
    if request.method == "POST" and request.body_exists and \
            request.content_type != "application/json":
        return web.json_response({"ok": False, "error": "body must be application/json"},
                                 status=415)
    return None


@web.middleware
async def control_guard(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.path.startswith(GUARDED):
        refused = refusal(request)
        if refused is not None:
            return refused
    return await handler(request)


def add_control_routes(app: web.Application, emu: Any) -> None:
    """Add the routes to `app`; `emu` is the `bot.testkit.emulator.Emulator` serving it (typed
    loosely: the emulator imports this module, not the other way round)."""

    def token(request: web.Request) -> str | None:
        return request.query.get("token") or None

    async def body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            data = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="body must be JSON") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="body must be a JSON object")
        return data

    def user_id(request: web.Request) -> int:
        raw = request.match_info["user_id"]
        if not raw.lstrip("-").isdigit():
            raise web.HTTPBadRequest(text="user id must be an integer")
        return int(raw)

    def fail(exc: Exception) -> web.Response:
        return web.json_response({"ok": False, "error": str(exc)}, status=400)

    async def state(request: web.Request) -> web.Response:
        return web.json_response({
            "bots": [{"token_id": b.user["id"], "username": b.user["username"],
                      "webhook": bool(b.webhook), "pending": len(b.updates)}
                     for b in emu.bots.values()],
            "users": [u.to_api() | {"deactivated": u.deactivated} for u in emu.users.values()],
            "stats": emu.stats.to_dict(),
        })

    async def create_user(request: web.Request) -> web.Response:
        data = await body(request)
        try:
            uid = int(data["id"]) if data.get("id") is not None else None
        except (TypeError, ValueError):
            return fail(ValueError("id must be an integer"))
        user = emu.add_user(uid, str(data.get("first_name") or "Agente"),
                            str(data.get("language_code") or "es"))
        return web.json_response(user.to_api())

    async def send(request: web.Request) -> web.Response:
        data = await body(request)
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            return fail(ValueError("text must be a non-empty string"))
        try:
            msg = await emu.send_text(user_id(request), text[:4096], token=token(request))
        except EmulatorError as exc:
            return fail(exc)
        return web.json_response(msg.to_dict())

    async def tap(request: web.Request) -> web.Response:
        data = await body(request)
        try:
            query_id = await emu.tap(user_id(request), int(data["message_id"]),
                                     str(data["data"]), token=token(request))
        except (EmulatorError, KeyError, TypeError, ValueError) as exc:
            return fail(EmulatorError(f"cannot tap: {exc}"))
        return web.json_response({"callback_query_id": query_id})

    def action(name: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            uid = user_id(request)
            if name == "deactivate":
                emu.deactivate(uid)
            else:
                getattr(emu, name)(uid, token=token(request))
            return web.json_response({"ok": True})

        return handler

    async def chat(request: web.Request) -> web.Response:
        chat_id = int(request.match_info["chat_id"])
        after = int(request.query.get("after", "0") or 0)
        wait = min(float(request.query.get("wait", "0") or 0), MAX_WAIT)
        tok = token(request)

        def changed() -> list:
            return [m for m in emu.transcript(chat_id, token=tok, deleted=True) if m.rev > after]

        if wait > 0 and not changed():
            try:
                await emu.wait_for(changed, wait)
            except (AssertionError, EmulatorError):
                pass
        messages = changed()
        rev = max([after, *(m.rev for m in messages)])
        return web.json_response({"rev": rev, "messages": [m.to_dict() for m in messages]})

    async def callback(request: web.Request) -> web.Response:
        wait = min(float(request.query.get("wait", "5") or 0), MAX_WAIT)
        try:
            answer = await emu.wait_answer(request.match_info["query_id"], wait,
                                           token=token(request))
        except KeyError:
            return fail(EmulatorError("unknown callback query"))
        except AssertionError:
            return web.json_response({"answered": False})
        return web.json_response({"answered": True, **answer})

    async def commands(request: web.Request) -> web.Response:
        uid = int(request.query.get("user_id", "0") or 0)
        return web.json_response(emu.commands_for(uid, request.query.get("language_code", ""),
                                                  token=token(request)))

    async def faults(request: web.Request) -> web.Response:
        data = await body(request)
        if "force_429" in data:
            emu.force_429(int(data["force_429"]), int(data.get("retry_after", 1)))
        if "error_rate" in data:
            emu.set_error_rate(float(data["error_rate"]), int(data.get("seed", 0)))
        if "latency" in data:
            emu.faults.latency = float(data["latency"])
        limits = data.get("rate_limits")
        if isinstance(limits, dict):
            for key in ("enabled", "per_second", "burst", "per_chat_per_second",
                        "per_chat_burst", "paid_per_second", "strict"):
                if key in limits:
                    setattr(emu.limits, key, type(getattr(emu.limits, key))(limits[key]))
            emu.limits.reset()
        return web.json_response({"ok": True})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(emu.stats.to_dict())

    app.middlewares.append(control_guard)
    r = app.router
    r.add_get("/_emulator/state", state)
    r.add_post("/_emulator/users", create_user)
    r.add_post("/_emulator/users/{user_id}/send", send)
    r.add_post("/_emulator/users/{user_id}/tap", tap)
    for name in ("block", "unblock", "deactivate"):
        r.add_post(f"/_emulator/users/{{user_id}}/{name}", action(name))
    r.add_get("/_emulator/chats/{chat_id}", chat)
    r.add_get("/_emulator/callbacks/{query_id}", callback)
    r.add_get("/_emulator/commands", commands)
    r.add_post("/_emulator/faults", faults)
    r.add_get("/_emulator/stats", stats)
