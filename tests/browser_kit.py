"""Shared pieces of the browser tests (Debian's headless Chromium through Playwright): the
browser, the two screen sizes the issue names, serving the app, signing in, layout checks and
axe-core.

One Chromium serves every browser test of a test process (the `browser` fixture in
tests/conftest.py; each test gets its own browser contexts, closed after it). Playwright's
objects belong to the event loop that made them, so those tests, and the async fixtures they
use, run on pytest-asyncio's session event loop (`pytestmark = BROWSER`). A test on another
loop in between (the emulator's virtual-time loop) makes pytest-asyncio close the session loop,
and the browser with it, so the modules in `BROWSER_MODULES` go to one xdist worker as one unit
(tests/conftest.py), which runs them back to back with one browser.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.store import web as web_store
from tests.web_helpers import NOW

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
# axe-core, installed by `scripts/setup --browser` (npm) into .node/.
AXE = ROOT / ".node" / "node_modules" / "axe-core" / "axe.min.js"
BUTTON_MAX_HEIGHT = 60

# pytestmark of a module whose tests drive the browser (see the docstring); such a module is
# listed in BROWSER_MODULES.
SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")
BROWSER = [pytest.mark.browser, SESSION_LOOP]
BROWSER_MODULES = ("test_web_layout.py", "test_web_browser.py", "test_sandbox.py")


def chromium() -> str:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("PREGONERO_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing and PREGONERO_REQUIRE_BROWSER=1")
    pytest.skip(f"{CHROMIUM} is not installed")


def axe_source() -> str:
    if AXE.exists():
        return AXE.read_text(encoding="utf-8")
    if os.environ.get("PREGONERO_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{AXE} is missing: run scripts/setup --browser (needs npm)")
    pytest.skip("axe-core is not installed (scripts/setup --browser installs it with npm)")


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """The app on a free loopback port, on the running loop; yields its base URL."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def new_context(browser: Any, size: str | dict[str, int], *, with_axe: bool = False) -> Any:
    """A browser context at `size` (a name in SIZES, or a viewport) under the app's real
    Content-Security-Policy. `with_axe`: axe-core, when installed, is added as an init script
    (the browser's own injection, which a page's CSP does not govern), so the pages are tested
    exactly as served; only where `axe()` runs, as it makes each new page and each load
    slower."""
    context = await browser.new_context(viewport=SIZES[size] if isinstance(size, str) else size)
    if with_axe and AXE.exists():
        await context.add_init_script(script=AXE.read_text(encoding="utf-8"))
    return context


async def signed_in(browser: Any, base_url: str, store: Any, person: int,
                    size: str | dict[str, int], shot: str | None = None, *,
                    with_axe: bool = False) -> Any:
    """A page of a new browser context at `size`, signed in as `person` with a one-time link.
    With `shot`, as a person does it: the link's page (a screenshot of it by that name), its
    button, the overview. Without, the context posts the link itself (Playwright's request
    API, which shares the context's cookies) and the page is left blank for the test to open
    what it is about."""
    context = await new_context(browser, size, with_axe=with_axe)
    page = await context.new_page()
    token = web_store.create_login_token(store.db, person, now=NOW)
    if not shot:
        response = await context.request.post(f"{base_url}/login/{token}", max_redirects=0)
        assert response.status == 303, await response.text()
        return page
    await page.goto(f"{base_url}/login/{token}")
    await shoot(page, shot)
    await page.get_by_role("button").first.click()
    await page.wait_for_url(f"{base_url}/")
    return page


LAYOUT_JS = """(maxHeight) => {
  const out = {scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth,
               clipped: [], tall: []};
  const name = e => (e.innerText || e.value || e.getAttribute('aria-label') || '').trim();
  for (const b of document.querySelectorAll('button, a.button, input[type=submit]')) {
    const r = b.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // not shown
    if (b.scrollWidth > b.clientWidth + 1) out.clipped.push(name(b) + ' (own width)');
    if (r.right > out.width + 1 || r.left < -1) out.clipped.push(name(b) + ' (off screen)');
    for (let p = b.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const pr = p.getBoundingClientRect();
      if (r.right > pr.right + 1 || r.left < pr.left - 1) {
        out.clipped.push(name(b) + ' (cut by ' + p.tagName.toLowerCase() + '.' + p.className + ')');
        break;
      }
    }
    if (r.height > maxHeight) out.tall.push(name(b) + ' ' + Math.round(r.height) + 'px');
  }
  return out;
}"""


async def check_layout(page: Any, what: str) -> dict:
    """Assert the page fits its screen, with whole, normal-sized buttons."""
    found = await page.evaluate(LAYOUT_JS, BUTTON_MAX_HEIGHT)
    assert found["scrollWidth"] <= found["width"], f"{what}: horizontal scroll {found}"
    assert not found["clipped"], f"{what}: clipped buttons {found['clipped']}"
    assert not found["tall"], f"{what}: buttons over {BUTTON_MAX_HEIGHT}px {found['tall']}"
    return found


async def shoot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def axe(page: Any) -> list[dict]:
    """axe-core's serious and critical violations on the page (WCAG 2 A and AA rules)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        axe_source()  # skips (or fails under PREGONERO_REQUIRE_BROWSER=1) when not installed
        raise AssertionError("axe-core did not load in the page (a context made with_axe?)")
    result = await page.evaluate("""async () => {
      const r = await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, ensure_ascii=False, indent=1)
