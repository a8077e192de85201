"""The aiohttp transport for python-telegram-bot: the same requests and the same exceptions
as PTB's default transport, against the emulator over HTTP; and `post_without_reply`, whose
use of PTB's private `Bot._post` is pinned here."""

from __future__ import annotations

import inspect
import io
import socket

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter, ExtBot

from bot.telegram_request import AiohttpRequest, post_without_reply
from bot.testkit.emulator import Emulator

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def started_user(emulator: Emulator, uid: int = 42) -> int:
    emulator.add_user(uid)
    emulator.bot.started.add(uid)
    return uid


async def test_get_me_and_a_message_with_buttons_arrive_as_sent(bot, emulator) -> None:
    assert bot.username == emulator.bot.user["username"]
    uid = started_user(emulator)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Útil", callback_data="v1:fb:a:y")]])
    sent = await bot.send_message(uid, "<b>Hola</b> &amp; adiós", parse_mode="HTML",
                                  reply_markup=markup)
    got = emulator.bot_messages(uid)[0]
    assert got.text == "Hola & adiós" and got.message_id == sent.message_id
    assert got.button("Útil")["callback_data"] == "v1:fb:a:y"


async def test_a_file_upload_goes_as_multipart(bot, emulator) -> None:
    uid = started_user(emulator)
    message = await bot.send_photo(uid, io.BytesIO(PNG), caption="infografía")
    assert message.photo and emulator.stats.uploads == 1
    assert emulator.bot_messages(uid)[0].caption == "infografía"


async def test_telegram_errors_become_ptb_exceptions(bot, emulator) -> None:
    uid = started_user(emulator)
    emulator.bot.blocked.add(uid)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(uid, "x")
    with pytest.raises(BadRequest, match="not found"):
        await bot.send_message(12345, "x")
    emulator.bot.blocked.discard(uid)
    emulator.force_429(1, retry_after=7)
    with pytest.raises(RetryAfter) as err:
        await bot.send_message(uid, "x")
    ra = err.value.retry_after
    assert (ra.total_seconds() if hasattr(ra, "total_seconds") else ra) == 7
    emulator.set_error_rate(1.0)
    with pytest.raises(NetworkError):
        await bot.send_message(uid, "x")


async def test_a_slow_answer_raises_timed_out(bot, emulator) -> None:
    uid = started_user(emulator)
    emulator.faults.latency = 0.5
    with pytest.raises(TimedOut):
        await bot.send_message(uid, "x", read_timeout=0.1)


async def test_a_closed_port_raises_network_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{port}/bot1:x/getMe", "POST")
    finally:
        await request.shutdown()


async def test_using_it_before_initialize_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/x", "POST")


# --- post_without_reply: PTB's private Bot._post, pinned ---------------------------------------

class CountingLimiter(BaseRateLimiter[dict]):
    """Records each call that passes it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        self.calls.append((endpoint, dict(data)))
        return await callback(*args, **kwargs)


def test_ptb_still_has_the_private_post_with_its_signature() -> None:
    params = inspect.signature(Bot._post).parameters
    assert list(params)[:3] == ["self", "endpoint", "data"]
    assert params["read_timeout"].kind is inspect.Parameter.KEYWORD_ONLY


async def test_post_without_reply_sends_what_the_public_method_would(bot, emulator) -> None:
    uid = started_user(emulator)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Útil", callback_data="v1:fb:a:y")]])
    result = await post_without_reply(bot, "sendMessage", {
        "chat_id": uid, "text": "<b>Hola</b> &amp; adiós", "parse_mode": "HTML",
        "reply_markup": markup, "link_preview_options": LinkPreviewOptions(is_disabled=True),
        "disable_notification": None})  # None values are dropped, as PTB does
    got = emulator.bot_messages(uid)[0]
    assert result is None and got.text == "Hola & adiós"
    assert got.button("Útil")["callback_data"] == "v1:fb:a:y"


async def test_post_without_reply_raises_ptb_exceptions(bot, emulator) -> None:
    uid = started_user(emulator)
    emulator.bot.blocked.add(uid)
    with pytest.raises(Forbidden, match="blocked"):
        await post_without_reply(bot, "sendMessage", {"chat_id": uid, "text": "x"})


async def test_post_without_reply_passes_the_bots_rate_limiter(emulator) -> None:
    limiter = CountingLimiter()
    uid = started_user(emulator)
    async with ExtBot(emulator.bot.token, base_url=emulator.base_url,
                      request=AiohttpRequest(read_timeout=2), rate_limiter=limiter) as b:
        await post_without_reply(b, "sendMessage", {"chat_id": uid, "text": "x"})
    assert ("sendMessage", {"chat_id": uid, "text": "x"}) in limiter.calls
