"""The web app as the runtime serves it: beside the real bot, on PREGONERO_WEB."""

from __future__ import annotations

import aiohttp

from bot.clock import utcnow
from bot.store import web as web_store


async def test_the_runtime_serves_the_web_app_with_the_bot_attached(runtime_factory, store,
                                                                   chat_user):
    runtime = await runtime_factory(with_web=True)
    user = chat_user(999)
    await user.ask("/start")  # the configured admin writes: an update flows
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{runtime.web_address}/healthz") as response:
            body = await response.json()
    assert response.status == 200 and body["database"] is True
    assert body["updates"]["attached"] and body["updates"]["polling"]
    assert body["updates"]["last_update_at"] is not None


async def test_a_link_from_panel_signs_in_on_the_running_web_app(runtime_factory, store,
                                                                chat_user):
    runtime = await runtime_factory(with_web=True)
    admin = chat_user(999)
    await admin.ask("/start")
    reply = await admin.ask("/panel")
    link = next(w for w in (reply.text or "").split() if "/login/" in w)
    assert link.startswith(runtime.web_address)
    jar = aiohttp.CookieJar(unsafe=True)  # accept cookies from 127.0.0.1, as browsers do
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.post(link, allow_redirects=True) as response:
            html = await response.text()
    assert response.status == 200 and "Resumen" in html
    assert store.db["web_sessions"].count == 1
    token = link.rsplit("/", 1)[1]
    assert web_store.redeem_login_token(store.db, token, now=utcnow()) is None
