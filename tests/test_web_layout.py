"""Every page of the web app at 390x844 (a phone) and 1366x900 (a laptop), in a real browser:
screenshots in `test-artifacts/`, no horizontal scroll, no cut button, no stretched button,
and the defects found by trying it as a new user (issue 13) stay fixed."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.browser_kit import (
    BROWSER,
    SIZES,
    axe,
    check_layout,
    describe,
    new_context,
    serve,
    shoot,
    signed_in,
)
from tests.factories import card_text, write_card
from tests.web_helpers import ADMIN_ID, COMMS_ID, make_app, seeded_store

pytestmark = BROWSER

PAGES = ("/", "/campaigns", "/campaigns/new", "/content", "/gaps", "/officers", "/invites",
         "/exports")


LONG_CARD = card_text("Guía larga", "\n\n".join(
    f"{i}. Paso de la revisión que se explica con calma a la persona." for i in range(1, 25)))


@pytest_asyncio.fixture(loop_scope="session")
async def base_url(store, tmp_path):
    # A card longer than the form, so that its preview is the taller column.
    write_card(tmp_path / "messages", "practicas/guia-larga.es.md", LONG_CARD)
    seeded_store(tmp_path, store)
    async with serve(make_app(store, tmp_path)) as url:
        yield url


@pytest.mark.parametrize("size", list(SIZES))
async def test_every_page_fits_the_screen_with_whole_buttons(browser, base_url, store, size):
    page = await signed_in(browser, base_url, store, ADMIN_ID, size)
    for path in PAGES:
        await page.goto(f"{base_url}{path}?lang=es")
        name = path.strip("/").replace("/", "-") or "overview"
        await shoot(page, f"layout-{name}-{size}")
        await check_layout(page, f"{path} at {size}")


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_campaign_form_keeps_its_height_after_a_preview(browser, base_url, store,
                                                                  size):
    """The form column used to stretch to the preview's height: big gaps, 85 px buttons."""
    page = await signed_in(browser, base_url, store, COMMS_ID, size)
    await page.goto(f"{base_url}/campaigns/new?lang=es")
    await page.locator("select[name=card]").select_option("guia-larga")
    await page.get_by_role("button", name="Vista previa", exact=True).click()
    await page.locator(".phone .bubble").first.wait_for()
    await shoot(page, f"layout-campaign-preview-{size}")
    await check_layout(page, f"campaign preview at {size}")
    for label in ("Vista previa", "Crear"):
        box = await page.get_by_role("button", name=label, exact=True).bounding_box()
        assert box is not None and box["height"] < 60, (label, box)


@pytest.mark.parametrize("size", list(SIZES))
async def test_a_broadcast_now_says_who_waits_for_the_end_of_quiet_hours(browser, base_url,
                                                                         store, size):
    """The seed's clock is 12:00 UTC, 06:00 in Mexico City: everyone is in quiet hours."""
    page = await signed_in(browser, base_url, store, COMMS_ID, size)
    await page.goto(f"{base_url}/campaigns/new?lang=es")
    await page.locator("select[name=card]").select_option("trato-digno")
    await page.get_by_role("button", name="Vista previa", exact=True).click()
    note = page.locator("#quiet-note")
    await note.wait_for()
    text = await note.inner_text()
    assert "horario de descanso" in text and "07:00" in text and "Urgente" in text, text
    await shoot(page, f"layout-campaign-quiet-{size}")
    await page.locator("input[name=urgent]").check()
    await page.get_by_role("button", name="Vista previa", exact=True).click()
    await page.locator(".phone .bubble").first.wait_for()
    assert await page.locator("#quiet-note").count() == 0


@pytest.mark.parametrize("size", list(SIZES))
async def test_an_error_shows_a_command_as_code_not_backticks(browser, base_url, store, size):
    page = await signed_in(browser, base_url, store, COMMS_ID, size)
    await page.goto(f"{base_url}/campaigns/new?lang=es")
    await page.locator("input[value=series]").check()
    await page.locator("input[name=name]").fill("Serie de prueba")
    await page.locator("input[name=cards]").fill("no-existe")
    await page.get_by_role("button", name="Vista previa", exact=True).click()
    alert = page.locator(".alert")
    await alert.wait_for()
    assert "`" not in await alert.inner_text()
    assert "pregonero search" in await alert.inner_text()
    assert await alert.locator("code").count() >= 1
    await shoot(page, f"layout-campaign-error-{size}")
    await check_layout(page, f"campaign error at {size}")


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_invites_table_shows_the_whole_revoke_button(browser, base_url, store, size):
    page = await signed_in(browser, base_url, store, ADMIN_ID, size)
    await page.goto(f"{base_url}/invites?lang=es")
    for role, region, port in (("officer", "norte", ""),
                               ("admin", "frontera-sur-de-chiapas", "ciudad-hidalgo-suchiate")):
        await page.locator("select[name=role]").select_option(role)
        await page.locator("input[name=uses]").fill("1")
        await page.locator("input[name=region]").fill(region)
        await page.locator("input[name=port]").fill(port)
        await page.locator("select[name=expires]").select_option("")
        await page.get_by_role("button", name="Crear invitación").click()
        await page.wait_for_load_state()
    revoke = page.get_by_role("button", name="Revocar")
    assert await revoke.count() == 2
    await shoot(page, f"layout-invites-{size}")
    await check_layout(page, f"invites at {size}")
    box = await revoke.first.bounding_box()
    width = await revoke.first.evaluate("e => e.scrollWidth")
    assert box is not None and width <= box["width"] + 1


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_exports_preview_shows_every_figure(browser, base_url, store, size):
    """On a phone each week is a card with every figure under its column's name; on a laptop
    the table fits without cutting its last columns."""
    page = await signed_in(browser, base_url, store, ADMIN_ID, size)
    await page.goto(f"{base_url}/exports?lang=es")
    await shoot(page, f"layout-exports-{size}")
    await check_layout(page, f"exports at {size}")
    width = SIZES[size]["width"]
    cells = page.locator("table.export tbody tr:first-child td")
    assert await cells.count() >= 13
    for i in range(await cells.count()):
        box = await cells.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, i
    scrolls = await page.evaluate(
        "[...document.querySelectorAll('.scroll')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).length")
    assert scrolls == 0


async def test_officers_page_hides_groups_under_five(browser, base_url, store):
    """The seed has one admin and one comms person: those rows show <5, not 1."""
    page = await signed_in(browser, base_url, store, ADMIN_ID, "desktop")
    await page.goto(f"{base_url}/officers?lang=es")
    rows = await page.locator("table").nth(2).locator("tbody tr").all_inner_texts()
    admin = next(r for r in rows if r.startswith("administración"))
    assert "<5" in admin and "1" not in admin, admin
    await shoot(page, "layout-officers-small-groups-desktop")


@pytest.mark.parametrize("size", list(SIZES))
async def test_no_page_has_serious_accessibility_problems(browser, base_url, store, size):
    """axe-core (WCAG 2.1 A/AA and best practices, colour contrast included) on every page,
    signed in and not, with a campaign preview and an error shown."""
    page = await signed_in(browser, base_url, store, ADMIN_ID, size, with_axe=True)
    found = {}
    for path in (*PAGES, "/campaigns/1", "/signin", "/nope"):
        await page.goto(f"{base_url}{path}")
        found[path] = await axe(page)
    await page.goto(f"{base_url}/campaigns/new")
    await page.locator("select[name=card]").select_option("trato-digno")
    await page.get_by_role("button", name="Vista previa", exact=True).click()
    await page.locator(".phone .bubble").first.wait_for()
    found["preview"] = await axe(page)
    anonymous = await new_context(browser, size, with_axe=True)
    other = await anonymous.new_page()
    await other.goto(f"{base_url}/")
    found["401"] = await axe(other)
    bad = {k: v for k, v in found.items() if v}
    assert not bad, describe(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", list(SIZES))
async def test_a_running_broadcast_shows_a_live_delivery_bar(browser, base_url, store, size):
    """The bar and its sentence follow the outbox without a reload (static delivery.js). Once
    the outbox has changed, the test moves the page's clock past the script's two-second poll
    rather than waiting for it."""
    from bot.delivery import campaigns as lib
    from bot.store import delivery as outbox
    from tests.web_helpers import NOW

    campaign = lib.add(store.db, lib.new_broadcast(store.db, "trato-digno", at=None,
                                                   urgent=True, now=NOW))
    sends = lib.dry_run(store.db, campaign, now=NOW)
    outbox.save_plan(store.db, sends, now=NOW, campaign_id=campaign.id,
                     broadcast_planned=True)
    total = len(sends)
    page = await signed_in(browser, base_url, store, COMMS_ID, size, with_axe=True)
    await page.clock.install()  # Playwright's clock; it runs as usual until moved on
    await page.goto(f"{base_url}/campaigns/{campaign.id}?lang=es")
    text = page.locator("#delivery-text")
    assert await text.inner_text() == (f"Enviados: 0 · pendientes: {total} · fallidos: 0 "
                                       f"(de {total})")
    assert await page.locator("#delivery svg.bar .pending").get_attribute("width") == "1000.0"
    await shoot(page, f"layout-delivery-start-{size}")
    problems = await axe(page)
    assert not problems, describe(problems)
    # through the store's thread: the page polls the app, which uses the same connection
    rows = await store.run(outbox.claim_due, now=NOW, limit=total)
    done = [outbox.Outcome(r, "sent") for r in rows[:-1]] + [outbox.Outcome(rows[-1], "failed")]
    await store.run(outbox.finish, done, now=NOW)
    await page.clock.run_for(2_000)
    await page.wait_for_function(
        "n => document.getElementById('delivery-text').textContent.startsWith('Enviados: ' + n)",
        arg=total - 1, timeout=15_000)
    assert await text.inner_text() == (f"Enviados: {total - 1} · pendientes: 0 · fallidos: 1 "
                                       f"(de {total})")
    width = float(await page.locator("#delivery svg.bar .sent").get_attribute("width") or 0)
    assert 1000 * (total - 1) / total - 1 < width < 1000
    await shoot(page, f"layout-delivery-done-{size}")
    csv_link = page.get_by_role("link", name="Descargar CSV")
    href = await csv_link.get_attribute("href")
    assert href == f"/campaigns/{campaign.id}/delivery.csv"
    body = await page.evaluate("u => fetch(u).then(r => r.text())", href)
    assert body.splitlines() == ["status,messages", f"sent,{total - 1}", "pending,0",
                                 "failed,1", f"total,{total}"]
    await check_layout(page, f"campaign page at {size}")


@pytest.mark.parametrize("size", list(SIZES))
async def test_a_broadcast_can_be_previewed_with_the_keyboard_alone(browser, base_url, store,
                                                                    size):
    """Tab, arrows and Enter only: skip the sections' links, pick a card, preview it. Every
    element that takes the focus shows it (an outline)."""
    page = await signed_in(browser, base_url, store, COMMS_ID, size)
    await page.goto(f"{base_url}/campaigns/new?lang=es")
    await page.keyboard.press("Tab")
    first = await page.evaluate("document.activeElement.textContent.trim()")
    assert first == "Saltar al contenido"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    unfocused, seen = [], []
    for _ in range(100):  # date and time fields take a Tab per part
        await page.keyboard.press("Tab")
        name = await page.evaluate("""() => {
          const e = document.activeElement, s = getComputedStyle(e);
          const hidden = s.outlineStyle === 'none' || s.outlineWidth === '0px';
          if (hidden) return '!' + e.outerHTML.slice(0, 80);
          if (e.tagName === 'BUTTON') return e.textContent.trim();
          return e.getAttribute('name') || e.textContent.trim();
        }""")
        if name.startswith("!"):
            unfocused.append(name)
        seen.append(name)
        if name == "card":
            await page.keyboard.press("ArrowDown")
        if name == "Vista previa":
            break
    assert name == "Vista previa", " ".join(seen)
    assert not unfocused, unfocused
    assert await page.locator("select[name=card]").input_value() != ""
    await page.keyboard.press("Enter")
    await page.locator(".phone .bubble").first.wait_for()
    await shoot(page, f"layout-keyboard-preview-{size}")
