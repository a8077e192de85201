"""The sandbox chat page: a visitor talks to the bot as an officer, through the emulator."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from bot.clock import utcnow
from bot.config import Settings
from bot.library import import_folder
from bot.store import Store
from bot.store.officers import get_officer, list_invites
from bot.testkit.demo import Demo
from tests.browser_kit import SESSION_LOOP, shoot
from tests.factories import NNA_CARDS, NNA_TITLE, write_cards

ROOT = Path(__file__).resolve().parent.parent

# The browser test shares the session's Chromium, so this module runs on its loop.
pytestmark = SESSION_LOOP


@pytest_asyncio.fixture(loop_scope="session")
async def demo(tmp_path: Path, db_path: Path) -> AsyncIterator[Demo]:
    write_cards(tmp_path / "messages", NNA_CARDS)
    with Store.open(db_path) as store:
        import_folder(store.db, tmp_path / "messages", utcnow())
    settings = Settings(db=db_path, web=("127.0.0.1", 0))
    running = Demo(settings, port=0, with_delivery=False)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, resp.content_type, await resp.text()


async def test_the_page_speaks_spanish_by_default_and_english_on_request(demo):
    status, ctype, html = await get(f"{demo.emulator.url}/sandbox")
    assert (status, ctype) == (200, "text/html")
    assert 'lang="es"' in html and "Iniciar chat" in html and "Escribe tu pregunta" in html
    _, _, english = await get(f"{demo.emulator.url}/sandbox?lang=en")
    assert 'lang="en"' in english and "Start a chat" in english


async def test_the_page_uses_only_local_assets(demo):
    _, _, html = await get(f"{demo.emulator.url}/sandbox")
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith(("/", "?")) for a in assets), assets
    for name, ctype in (("sandbox.js", "application/javascript"), ("sandbox.css", "text/css")):
        status, got, _ = await get(f"{demo.emulator.url}/sandbox/static/{name}")
        assert (status, got) == (200, ctype)
    status, _, _ = await get(f"{demo.emulator.url}/sandbox/static/secrets.txt")
    assert status == 404


async def test_a_new_sandbox_chat_enrolls_a_fresh_officer_through_start(demo):
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{demo.emulator.url}/sandbox/api/chats",
                                json={"lang": "en"}) as resp:
            user_id = (await resp.json())["user_id"]
    welcome = await demo.emulator.next_bot_message(user_id)
    assert welcome.from_bot and welcome.text
    officer = await demo.store.run(get_officer, user_id)  # the running bot's store thread
    assert officer is not None and officer.language == "en"
    assert demo.emulator.transcript(user_id)[0].text.startswith("/start ")


async def test_sandbox_chats_leave_no_used_up_invites_behind(demo):
    """Each sandbox chat joins through a fresh invite; the invites list shows only the codes
    people hand out, so the demo's own codes are removed once used."""
    async with aiohttp.ClientSession() as session:
        for lang in ("es", "en"):
            async with session.post(f"{demo.emulator.url}/sandbox/api/chats",
                                    json={"lang": lang}) as resp:
                user_id = (await resp.json())["user_id"]
            # through the store's thread: the running bot uses the same connection
            assert await demo.store.run(get_officer, user_id) is not None
    assert await demo.store.run(list_invites) == []


async def test_the_demos_sign_in_page_points_at_the_demo_chat_not_telegram(demo):
    status, _, html = await get(f"{demo.web_url}/campaigns")
    assert status == 401
    assert "Abre el bot Pregonero en Telegram" not in html
    assert "pregonero demo" in html and "--role admin" in html


@pytest.mark.browser
async def test_a_visitor_asks_opens_a_card_and_taps_feedback_in_the_browser(demo, browser):
    from playwright.async_api import expect

    page = await browser.new_page(viewport={"width": 390, "height": 780})
    await page.goto(f"{demo.emulator.url}/sandbox")
    await page.get_by_role("button", name="Iniciar chat").click()
    await expect(page.locator(".msg.bot").first).to_be_visible()

    raw = "<b>hola</b><script>window.pwned=1</script>"
    await page.get_by_placeholder("Escribe tu pregunta").fill(raw)
    await page.get_by_role("button", name="Enviar").click()
    await expect(page.locator(".msg.me .text").last).to_have_text(raw)
    assert await page.evaluate("window.pwned === undefined")

    await page.get_by_placeholder("Escribe tu pregunta").fill("menor no acompañado")
    await page.keyboard.press("Enter")
    result = page.locator(".kb", has_text=NNA_TITLE).last
    await expect(result).to_be_visible()
    await result.click()
    card = page.locator(".msg.bot", has_text="Procuraduría de Protección").last
    await expect(card).to_be_visible()
    await expect(card.locator("b", has_text="de inmediato")).to_be_visible()
    await expect(card.locator("i", has_text="Procuraduría de Protección")).to_be_visible()

    await card.locator(".kb", has_text="Útil").first.click()
    await expect(page.locator("#toast")).to_be_visible()
    await shoot(page, "sandbox")
