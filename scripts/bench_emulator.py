#!/usr/bin/env python3
"""How fast the Bot API emulator answers, and whether its flood limits hold (timings only here).

    .venv/bin/python scripts/bench_emulator.py [--messages 3000] [--limited 300]

1. sendMessage throughput, limits off, 16 requests in flight: a bare aiohttp client, then
   python-telegram-bot's Bot (default httpx transport, and the project's aiohttp transport
   when present). Emulator and client share this one process and core.
2. Limits on (30/s overall, 1/s per chat after a burst of 3): a sender that sleeps
   `retry_after` on 429 delivers to distinct chats at about the overall limit, and to one chat
   at about 1/s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.testkit.emulator import Emulator
from bot.testkit.ratelimit import RateLimits

IN_FLIGHT = 16


async def _run(n: int, send) -> float:
    queue = iter(range(n))

    async def worker() -> None:
        for i in queue:
            await send(i)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return n / (time.perf_counter() - t0)


def _users(emu: Emulator, n: int) -> None:
    for uid in range(1, n + 1):
        emu.add_user(uid)
        emu.bot.started.add(uid)


async def throughput(n: int) -> None:
    emu = Emulator()
    base = await emu.start()
    _users(emu, 100)
    url = f"{base}{emu.bot.token}/sendMessage"
    async with aiohttp.ClientSession() as session:
        async def bare(i: int) -> None:
            async with session.post(url, data={"chat_id": str(i % 100 + 1), "text": "hola"}) as r:
                assert r.status == 200

        print(f"bare aiohttp client:        {await _run(n, bare):8.0f} messages/s")
    from telegram import Bot

    async with Bot(emu.bot.token, base_url=base) as bot:
        async def ptb(i: int) -> None:
            await bot.send_message(i % 100 + 1, "<b>hola</b>", parse_mode="HTML")

        print(f"PTB Bot, httpx (default):   {await _run(n // 3, ptb):8.0f} messages/s")
    try:
        from bot.telegram_request import AiohttpRequest
    except ImportError:
        AiohttpRequest = None
    if AiohttpRequest is not None:
        async with Bot(emu.bot.token, base_url=base, request=AiohttpRequest()) as bot:
            async def ptb_aiohttp(i: int) -> None:
                await bot.send_message(i % 100 + 1, "<b>hola</b>", parse_mode="HTML")

            print(f"PTB Bot, aiohttp transport: {await _run(n, ptb_aiohttp):8.0f} messages/s")
    await emu.stop()


async def limited(n: int) -> None:
    emu = Emulator(rate_limits=RateLimits(enabled=True))
    base = await emu.start()
    _users(emu, n)
    url = f"{base}{emu.bot.token}/sendMessage"
    async with aiohttp.ClientSession() as session:
        async def polite(chat: int) -> None:
            while True:
                async with session.post(url, data={"chat_id": str(chat), "text": "x"}) as r:
                    body = await r.json()
                if r.status == 200:
                    return
                await asyncio.sleep(body["parameters"]["retry_after"])

        rate = await _run(n, lambda i: polite(i + 1))
        print(f"limits on, {n} chats:       {rate:8.1f} messages/s delivered "
              f"({emu.stats.too_many_requests} answers were 429)")
        emu.stats.too_many_requests = 0
        t0 = time.perf_counter()
        for _ in range(8):
            await polite(1)
        rate = 8 / (time.perf_counter() - t0)
        print(f"limits on, 8 to one chat:   {rate:8.1f} messages/s delivered "
              f"({emu.stats.too_many_requests} answers were 429)")
    await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--limited", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(throughput(args.messages))
    asyncio.run(limited(args.limited))


if __name__ == "__main__":
    main()
