"""Flood control as strict as Telegram's, on both sides: the emulator counts sends in sliding
windows and answers 429 with `retry_after`; the bot's one limiter paces every call under it,
retries what Telegram refuses, and puts officers' replies before bulk sends.

These tests run on the virtual-time loop (`bot.testkit.virtualtime`): a wait of seconds costs
nothing, and `loop.time()` says how much of Telegram's time a scenario took.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from telegram.error import RetryAfter

from bot.clock import utcnow
from bot.library import import_folder
from bot.store import Store, officers
from bot.telegram_limiter import BULK, CATCH_UP, FloodLimiter, limited_bot
from bot.testkit.client import ChatUser
from bot.testkit.emulator import Emulator
from bot.testkit.ratelimit import RateLimits
from bot.testkit.virtualtime import VirtualTimeLoop, is_virtual
from tests.factories import add_officer, write_card

pytestmark = pytest.mark.virtual_time



class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ------------------------------------------------------------------ the strict emulator


def test_strict_limits_allow_30_sends_in_any_second_and_refuse_the_31st() -> None:
    clock = FakeClock()
    limits = RateLimits.telegram(clock=clock)
    assert [limits.check(chat) for chat in range(30)] == [0] * 30
    assert limits.check(30) == 1
    clock.now += 0.999
    assert limits.check(30) == 1  # the first 30 are still inside the sliding second
    clock.now += 0.002
    assert limits.check(30) == 0


def test_a_burst_of_five_then_29_a_second_trips_the_sliding_window() -> None:
    """A token bucket with a burst forgives this; any-one-second counting does not."""
    clock = FakeClock()
    limits = RateLimits.telegram(clock=clock)
    refused = 0
    for i in range(5):
        refused += limits.check(i) > 0
    for i in range(60):
        clock.now += 1 / 29
        refused += limits.check(100 + i) > 0
    assert refused > 0


def test_a_private_chat_takes_a_burst_of_three_then_one_a_second() -> None:
    clock = FakeClock()
    limits = RateLimits.telegram(clock=clock)
    assert [limits.check(7) for _ in range(3)] == [0, 0, 0]
    assert limits.check(7) == 3  # Telegram's retry_after: whole seconds until it may go
    clock.now += 3.0
    assert [limits.check(7) for _ in range(4)] == [0, 0, 0, 3]


async def test_the_emulator_answers_a_flood_with_telegrams_429(emulator: Emulator) -> None:
    import aiohttp

    emulator.add_user(5)
    emulator.bot.started.add(5)
    async with aiohttp.ClientSession() as s:
        answers = []
        for _ in range(4):
            async with s.post(f"{emulator.base_url}{emulator.bot.token}/sendMessage",
                              json={"chat_id": 5, "text": "x"}) as r:
                answers.append((r.status, await r.json()))
    assert [status for status, _ in answers] == [200, 200, 200, 429]
    assert answers[-1][1] == {"ok": False, "error_code": 429,
                              "description": "Too Many Requests: retry after 3",
                              "parameters": {"retry_after": 3}}


# ------------------------------------------------------------------ the limiter alone


async def test_the_limiter_paces_evenly_under_30_in_any_second() -> None:
    assert is_virtual()
    limiter = FloodLimiter()
    stamps = await asyncio.gather(*(limiter.acquire(chat) for chat in range(120)))
    stamps.sort()
    # never more than 30 in any 1.02 s: 20 ms of the request's travel cannot make 31 in a
    # second at Telegram
    span = limiter.window_span
    assert max(sum(1 for t in stamps if s <= t < s + span) for s in stamps) <= 30
    assert span >= 1.02
    # even: a fifth of a second never holds more than its share (plus the few calls a late
    # timer makes up for)
    rate = limiter.rate
    assert max(sum(1 for t in stamps if s <= t < s + 0.2) for s in stamps) <= 0.2 * rate + CATCH_UP
    # and as fast as that cap allows: 29.4 a second
    assert rate == pytest.approx(30 / span, abs=0.02)
    assert 119 / rate - 0.2 <= stamps[-1] - stamps[0] < 120 / rate + 0.5
    await limiter.shutdown()


async def test_a_reply_overtakes_queued_bulk_sends() -> None:
    limiter = FloodLimiter()
    order: list[str] = []

    async def send(name: str, chat: int, priority: int) -> None:
        await limiter.acquire(chat, priority=priority)
        order.append(name)

    bulk_sends = [asyncio.create_task(send(f"bulk{i}", 100 + i, BULK)) for i in range(20)]
    await asyncio.sleep(0.1)  # three bulk sends went, seventeen wait
    await send("reply", 1, 0)
    await asyncio.gather(*bulk_sends)
    assert order.index("reply") <= 5
    await limiter.shutdown()


async def test_one_chat_gets_a_short_burst_then_its_own_pace_while_others_go_on() -> None:
    loop = asyncio.get_running_loop()
    limiter = FloodLimiter()
    start = loop.time()
    same = [asyncio.create_task(limiter.acquire(1)) for _ in range(5)]
    others = [asyncio.create_task(limiter.acquire(2 + i)) for i in range(5)]
    done_others = await asyncio.gather(*others)
    stamps = sorted(await asyncio.gather(*same))
    assert max(done_others) - start < 1.0  # not stuck behind chat 1
    assert stamps[2] - start < 0.5 and stamps[3] - stamps[0] >= limiter.chat_window
    await limiter.shutdown()


async def test_a_429_is_retried_after_retry_after_and_slows_the_pace(
        emulator: Emulator) -> None:
    loop = asyncio.get_running_loop()
    emulator.add_user(42)
    emulator.bot.started.add(42)
    limiter = FloodLimiter()
    async with limited_bot(emulator.bot.token, base_url=emulator.base_url,
                           limiter=limiter) as bot:
        emulator.force_429(2, retry_after=4)
        start = loop.time()
        msg = await bot.send_message(42, "hola")
        assert msg.text == "hola" and loop.time() - start >= 8
        assert limiter.too_many == 2
        limiter.on_retry_after(None, 1)  # a 429 cuts the pace (multiplicative decrease)
        assert limiter.rate == pytest.approx(limiter.decrease * limiter.max_rate)
        # The pace climbs back (additive increase). Granted straight from the limiter: sent to
        # the emulator, a busy machine could bunch them into a real 429 that cuts it again.
        await asyncio.gather(*(limiter.acquire(1000 + i, priority=BULK) for i in range(60)))
        assert limiter.rate == limiter.max_rate
        emulator.force_429(10, retry_after=1)
        with pytest.raises(RetryAfter):  # bounded: the caller hears of it in the end
            await bot.send_message(42, "otra")


async def test_a_server_error_gives_its_slot_back() -> None:
    loop = asyncio.get_running_loop()
    limiter = FloodLimiter()
    first = await limiter.acquire(1)
    limiter.refund(1, first)
    second = await limiter.acquire(2)
    assert second - first < 1 / 29 and loop.time() - first < 1 / 29
    await limiter.shutdown()


def test_the_virtual_loop_skips_idle_waits_but_not_work() -> None:
    import time

    loop = VirtualTimeLoop()
    try:
        real = time.monotonic()
        virtual = loop.time()
        loop.run_until_complete(asyncio.sleep(3600))
        assert loop.time() - virtual >= 3600 and time.monotonic() - real < 1
    finally:
        loop.close()


# ------------------------------------------------------------------ the bot under strict limits


@pytest.fixture
def content(store: Store, tmp_path: Path) -> None:
    for card_id, title, kw in (("trato-digno", "Trato digno", "respeto"),
                               ("asilo", "Solicitud de asilo", "asilo"),
                               ("nna", "Menores no acompañados", "menor")):
        write_card(tmp_path / "messages", f"practicas/{card_id}.es.md", title=title,
                   keywords=[kw], summary="Qué hacer.", body=f"Texto de la tarjeta **{title}**.")
    import_folder(store.db, tmp_path / "messages", utcnow())


async def test_an_officer_who_sends_five_messages_in_a_second_gets_five_answers(
        enroll, emulator: Emulator, content) -> None:
    officer = await enroll()
    emulator.skip_bot_messages(officer.id)
    for text in ("asilo", "respeto", "menor", "asilo menor", "trato"):
        await officer.send(text)
    await emulator.wait_for(lambda: len(emulator.bot_messages(officer.id)) >= 6, timeout=30)
    assert len(emulator.bot_messages(officer.id)) == 6  # the welcome and five answers
    assert emulator.stats.too_many_requests == 0  # the limiter kept under the limit


async def test_three_hundred_officers_scanning_the_poster_are_all_welcomed_within_30s(
        bot_runtime, emulator: Emulator, store: Store) -> None:
    loop = asyncio.get_running_loop()
    invite = await store.run(officers.create_invite, now=utcnow())
    users = [ChatUser(emulator, emulator.add_user(800_000 + i)) for i in range(300)]
    start = loop.time()
    for i, user in enumerate(users):  # 300 scans over three seconds
        await user.send(f"/start {invite.code}")
        if i % 10 == 9:
            await asyncio.sleep(0.1)
    await emulator.wait_for(
        lambda: all(emulator.bot_messages(u.id) for u in users), timeout=30)
    took = loop.time() - start
    assert took <= 30
    assert sum(1 for u in users if emulator.bot_messages(u.id)) == 300
    assert await store.run(lambda db: db["officers"].count) >= 300


async def test_questions_asked_during_a_broadcast_are_all_answered_first(
        runtime_factory, emulator: Emulator, store: Store, content) -> None:
    from bot.delivery import campaigns

    loop = asyncio.get_running_loop()
    ids = list(range(900_000, 900_150))
    add_officer(store.db, *ids, now=utcnow(), emulator=emulator)  # before the bot starts
    runtime = await runtime_factory(with_delivery=True)
    c = campaigns.new_broadcast(store.db, "trato-digno", at=None, urgent=True, segment="",
                                now=utcnow())
    campaigns.add(store.db, c)
    runtime.engine.wake()
    await emulator.wait_for(lambda: sum(emulator.stats.delivered.values()) >= 30, timeout=10)
    askers = [ChatUser(emulator, emulator.users[uid]) for uid in ids[-20:]]
    asked = loop.time()
    for asker in askers:
        emulator.skip_bot_messages(asker.id)
        await asker.send("asilo")
    waits = []
    for asker in askers:
        reply = await asker.next(timeout=30)
        if "Aviso" in reply.content:  # the broadcast reached this one first
            reply = await asker.next(timeout=30)
        waits.append(loop.time() - asked)
        assert "Solicitud de asilo" in reply.content
    await emulator.wait_for(lambda: all(emulator.stats.delivered[i] >= 1 for i in ids),
                            timeout=60)
    broadcast_left = sum(1 for i in ids if emulator.stats.delivered[i] == 0)
    assert broadcast_left == 0
    assert max(waits) < 3  # twenty replies at 29/s, ahead of the rest of the broadcast
