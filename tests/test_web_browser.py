"""The web app in a real browser (Debian's headless Chromium through Playwright): sign in with
the one-time link, read the overview, create a broadcast after its preview. Screenshots of
each step, on a desktop and a phone viewport, go to `test-artifacts/`."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.browser_kit import BROWSER, serve, shoot, signed_in
from tests.web_helpers import ADMIN_ID, COMMS_ID, make_app, seeded_store

pytestmark = BROWSER

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest_asyncio.fixture(loop_scope="session")
async def base_url(store, tmp_path):
    seeded_store(tmp_path, store)
    async with serve(make_app(store, tmp_path)) as url:
        yield url


async def _signed_in_page(browser, base_url: str, store, person: int, viewport: str):
    return await signed_in(browser, base_url, store, person, VIEWPORTS[viewport],
                           shot=f"web-login-{viewport}")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
async def test_an_admin_signs_in_with_the_link_and_reads_the_overview(browser, base_url, store,
                                                                       viewport):
    page = await _signed_in_page(browser, base_url, store, ADMIN_ID, viewport)
    await page.goto(f"{base_url}/?lang=es")
    assert await page.locator("h1").inner_text() == "Resumen"
    tiles = await page.locator(".tile").all_inner_texts()
    assert any("14" in t and "Inscritos" in t for t in tiles)
    assert await page.locator("svg.chart polyline").count() == 3
    await shoot(page, f"web-overview-{viewport}")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"]  # nothing wider than the screen
    await page.goto(f"{base_url}/gaps")
    assert "visa humanitaria" in (await page.content()).lower()
    await shoot(page, f"web-gaps-{viewport}")
    for name in ("content", "officers", "exports", "campaigns"):
        await page.goto(f"{base_url}/{name}")
        await shoot(page, f"web-{name}-{viewport}")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[viewport]["width"], name
    await page.goto(f"{base_url}/invites")
    await page.get_by_role("button", name="Crear invitación").click()
    assert await page.locator(".qr svg").count() == 1
    await shoot(page, f"web-invites-{viewport}")
    await page.get_by_role("button", name="Cerrar sesión").click()
    await page.wait_for_url(f"{base_url}/signin")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
async def test_a_comms_person_previews_and_creates_a_broadcast(browser, base_url, store,
                                                              viewport):
    page = await _signed_in_page(browser, base_url, store, COMMS_ID, viewport)
    await page.goto(f"{base_url}/campaigns/new?lang=en")
    await page.locator("select[name=card]").select_option("trato-digno")
    await page.locator("input[name=segment]").fill("region=norte")
    await page.get_by_role("button", name="Preview", exact=True).click()
    bubble = page.locator(".phone .bubble")
    await bubble.first.wait_for()
    assert "Dignified treatment at inspection" in await bubble.first.inner_text()
    assert await page.locator(".keyboard span").count() >= 2
    await shoot(page, f"web-broadcast-preview-{viewport}")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"]
    await page.get_by_role("button", name="Create", exact=True).click()
    await page.wait_for_url(f"{base_url}/campaigns/*")
    assert "Broadcast: Dignified treatment" in await page.locator("h1").inner_text()
    await shoot(page, f"web-broadcast-created-{viewport}")


async def test_on_a_phone_every_section_link_and_every_figure_is_on_screen(browser, base_url,
                                                                           store):
    """No navigation hidden past the screen's edge, no table to scroll sideways (wide tables
    become one card per row); the CSV preview on the exports page may still scroll."""
    page = await _signed_in_page(browser, base_url, store, ADMIN_ID, "phone")
    width = VIEWPORTS["phone"]["width"]
    for path in ("/?lang=es", "/campaigns", "/content", "/gaps", "/officers", "/invites"):
        await page.goto(f"{base_url}{path}")
        links = page.locator("header nav a")
        assert await links.count() == 7
        for i in range(await links.count()):
            box = await links.nth(i).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, path
        hidden = await page.evaluate(
            "[...document.querySelectorAll('.scroll')]"
            ".filter(e => e.scrollWidth > e.clientWidth + 1).length")
        assert hidden == 0, path
    await page.goto(f"{base_url}/?lang=es")
    delivered = page.locator("td[data-label='Entregados']").first
    box = await delivered.bounding_box()
    assert box and box["x"] + box["width"] <= width
    assert "Entregados" in await delivered.evaluate(
        "e => getComputedStyle(e, '::before').content")
    await shoot(page, "web-overview-phone-cards")
