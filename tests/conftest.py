"""Shared fixtures: real SQLite files in a temporary folder, settings pointing at them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.store import Store

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
async def browser():
    """Debian's headless Chromium through Playwright, one per test (see tests/browser_kit.py)."""
    from playwright.async_api import async_playwright

    from tests.browser_kit import ARGS, chromium

    executable = chromium()
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()
