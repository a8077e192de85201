"""pytest fixtures of the test kit (emulator, a bare bot, the bot application). Loaded by
tests/conftest.py.

- `emulator`: a started `Emulator` on a free port, stopped after the test. Its flood limits are
  strict (`RateLimits.telegram()`: 30 sends in any sliding second, 3 per chat in any 3 s).
- Virtual time: every async test that uses `emulator` runs on `virtualtime.VirtualTimeLoop`,
  whose clock jumps over idle waits (the bot's flood limiter, long polls, 429 retries), so a
  test covering a minute of Telegram's time costs only its work. Tests that wait on another
  process (a subprocess, a browser) are marked `real_time` and run on a normal loop; other
  async tests opt in with the `virtual_time` mark.
- `bot`: a python-telegram-bot `Bot` on the emulator over `AiohttpRequest`, without an
  Application or a rate limiter, for tests that call the Bot API directly.
- `emulator_settings`: `Settings` pointing at it (`api_url`, `bot_token`), the test's `db_path`,
  `admins=(999,)` and a free port for the web app.
- `runtime_factory`: `await runtime_factory(with_web=..., with_delivery=..., webhook_url=...)`
  starts the real `bot.runtime.Runtime` against the emulator; stopped after the test.
- `bot_runtime`: the running Runtime with the bot only (no web app, no delivery engine).
- `chat_user`: `chat_user(user_id=None, language_code="es")` -> a `ChatUser` not enrolled.
- `enroll`: `await enroll(user_id=None, language_code="es", role="officer")` creates an invite
  in the store, has a new user send `/start <code>`, waits for the welcome and returns the
  `ChatUser` (its `welcome` is the bot's first reply). Needs `bot_runtime` (requested for you).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from bot.testkit.client import ChatUser
from bot.testkit.emulator import Emulator
from bot.testkit.ratelimit import RateLimits
from bot.testkit.virtualtime import VirtualTimeLoop


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "real_time: runs on a normal event loop (waits on another process)")
    config.addinivalue_line(
        "markers", "virtual_time: runs on the virtual-time loop even without the emulator")


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Any:
    """Virtual time for tests that play both sides in this process (see the docstring)."""
    names = getattr(item, "fixturenames", ())
    if item.get_closest_marker("virtual_time") is not None or (
            "emulator" in names and item.get_closest_marker("real_time") is None
            and item.get_closest_marker("browser") is None):
        return {"virtual_time": VirtualTimeLoop}
    return {"real_time": asyncio.new_event_loop}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(rate_limits=RateLimits.telegram())
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest_asyncio.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Any]:
    """A python-telegram-bot `Bot` on the emulator over the aiohttp transport: no Application
    and no rate limiter (Telegram's limits and errors reach the test as they are)."""
    from telegram import Bot

    from bot.telegram_request import AiohttpRequest

    async with Bot(emulator.bot.token, base_url=emulator.base_url,
                   request=AiohttpRequest(read_timeout=2)) as b:
        yield b


@pytest.fixture
def emulator_settings(emulator: Emulator, db_path: Any) -> Any:
    from bot.config import Settings

    return Settings(bot_token=emulator.bot.token, api_url=emulator.base_url, db=db_path,
                    admins=(999,), web=("127.0.0.1", free_port()))


@pytest_asyncio.fixture
async def runtime_factory(emulator_settings: Any, store: Any) -> AsyncIterator[
        Callable[..., Awaitable[Any]]]:
    from bot.runtime import Runtime

    started: list[Any] = []

    async def start(*, settings: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("with_web", False)
        kwargs.setdefault("with_delivery", False)
        runtime = Runtime(settings or emulator_settings, store, **kwargs)
        started.append(runtime)
        await runtime.start()
        return runtime

    try:
        yield start
    finally:
        for runtime in reversed(started):
            await runtime.stop()


@pytest_asyncio.fixture
async def bot_runtime(runtime_factory: Callable[..., Awaitable[Any]]) -> Any:
    return await runtime_factory()


@pytest.fixture
def chat_user(emulator: Emulator) -> Callable[..., ChatUser]:
    def make(user_id: int | None = None, *, language_code: str = "es",
             first_name: str = "Agente") -> ChatUser:
        return ChatUser(emulator, emulator.add_user(user_id, first_name, language_code))

    return make


@pytest.fixture
def enroll(emulator: Emulator, store: Any, bot_runtime: Any) -> Callable[..., Awaitable[ChatUser]]:
    from bot.clock import utcnow
    from bot.store.officers import Role, create_invite

    async def make(user_id: int | None = None, *, language_code: str = "es",
                   role: str = "officer", first_name: str = "Agente",
                   **invite: Any) -> ChatUser:
        created = await store.run(create_invite, role=Role(role), now=utcnow(), **invite)
        user = ChatUser(emulator, emulator.add_user(user_id, first_name, language_code))
        user.welcome = await user.ask(f"/start {created.code}")
        return user

    return make
