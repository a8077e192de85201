#!/usr/bin/env python3
"""1,000 officers asking at once, as Telegram would limit the answers: Pregonero against a bare
python-telegram-bot echo bot, on the same emulator, in the same run.

    .venv/bin/python scripts/bench_load.py [--officers 1000] [--seconds 60] [--json]

The emulator runs in its own process with Telegram's limits as strict as they may be (30 sends
in any sliding second, 3 per chat in any 3 s; 429 with retry_after otherwise) and plays the
officers from a seeded schedule: questions at random (about 10 a second overall), a burst every
10 s (60 officers asking at the same moment, as after a shift briefing) and some officers
typing three messages within a second. The same schedule is played against each bot in turn:

- Pregonero as in production (`bot.runtime.Runtime`: long polling, the enrollment gate,
  search, events logged in SQLite, the flood limiter), officers enrolled in its store, the
  cards of `scripts/bench_chat.py` (the tests' content and 20 more);
- a bare PTB bot: `Application` with the same aiohttp transport and one `MessageHandler` that
  echoes the text; no rate limiter, as PTB ships.

For each: replies/s (answered questions over the time from the first question to the last
answer), p50/p95/p99 from a question to its answer reaching the emulator, drops (questions not
answered 30 s after the load ends), 429s. Nothing leaves this computer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import random
import sys
import tempfile
import time
from collections import defaultdict, deque
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456:LOAD"
ECHO_TOKEN = "654321:ECHO"
QUESTIONS = ("menor no acompañado", "solicitud de asilo", "trata de personas", "uso de la fuerza",
             "documento falso", "datos personales", "bienestar del personal", "refugio",
             "qué hago si un niño viaja solo", "revisión en garita")
BASE_RATE = 10.0  # questions per second, overall, between bursts
BURST_EVERY = 10.0
BURST_SIZE = 60
TYPERS = 0.1  # share of questions followed by two more within a second
GRACE = 30.0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p * (len(values) - 1)))]


def schedule(officers: list[int], seconds: float, seed: int = 5) -> list[tuple[float, int, str]]:
    """(offset in seconds, officer, text), sorted by offset."""
    rng = random.Random(seed)
    plan: list[tuple[float, int, str]] = []
    t = 0.0
    while True:
        t += rng.expovariate(BASE_RATE)
        if t >= seconds:
            break
        uid = rng.choice(officers)
        plan.append((t, uid, rng.choice(QUESTIONS)))
        if rng.random() < TYPERS:
            plan.append((t + rng.uniform(0.1, 0.5), uid, rng.choice(QUESTIONS)))
            plan.append((t + rng.uniform(0.5, 0.9), uid, rng.choice(QUESTIONS)))
    burst = BURST_EVERY / 2
    while burst < seconds:
        for uid in rng.sample(officers, BURST_SIZE):
            plan.append((burst, uid, rng.choice(QUESTIONS)))
        burst += BURST_EVERY
    plan.sort(key=lambda x: x[0])
    return plan


# --- the emulator and the officers, in their own process ------------------------------------

def serve(officers: list[int], ready: mp.Queue, commands: mp.Queue,  # type: ignore[type-arg]
          results: mp.Queue) -> None:  # type: ignore[type-arg]
    from bot.testkit.emulator import Emulator
    from bot.testkit.ratelimit import RateLimits

    class Timed(Emulator):
        """Pairs each bot message with the oldest unanswered question of its chat."""

        asked: dict[int, deque[float]]
        latencies: list[float]

        def _new_message(self, bot, chat_id, *, from_bot, **fields):  # type: ignore[no-untyped-def]
            msg = super()._new_message(bot, chat_id, from_bot=from_bot, **fields)
            waiting = self.asked.get(chat_id)
            if from_bot and waiting:
                self.latencies.append(time.perf_counter() - waiting.popleft())
                self.answered_at = time.perf_counter()
            return msg

    async def main() -> None:
        emu = Timed(TOKEN, "PregoneroLoadBot", rate_limits=RateLimits.telegram())
        emu.add_bot(ECHO_TOKEN, "EchoLoadBot")
        emu.asked, emu.latencies = defaultdict(deque), []
        for uid in officers:
            emu.add_user(uid)
            for bot in emu.bots.values():
                bot.started.add(uid)
        await emu.start()
        ready.put(emu.base_url)
        loop = asyncio.get_running_loop()
        while True:
            cmd = await loop.run_in_executor(None, commands.get)
            if cmd is None:
                break
            token, seconds = cmd
            plan = schedule(officers, seconds)
            emu.asked, emu.latencies = defaultdict(deque), []
            emu.limits.reset()
            emu.answered_at = 0.0
            before = emu.stats.too_many_requests
            calls = dict(emu.stats.requests)
            start = time.perf_counter()
            for offset, uid, text in plan:
                delay = start + offset - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                emu.asked[uid].append(time.perf_counter())
                await emu.send_text(uid, text, token=token)
            try:  # every question answered, or GRACE seconds after the last one
                await emu.wait_for(lambda: not any(emu.asked.values()), timeout=GRACE)
            except AssertionError:
                pass
            answered = len(emu.latencies)
            elapsed = max(1e-6, emu.answered_at - start)
            results.put({
                "questions": len(plan), "answered": answered,
                "drops": sum(len(q) for q in emu.asked.values()),
                "replies_per_s": answered / elapsed, "offered_per_s": len(plan) / seconds,
                "p50": pct(emu.latencies, 0.5), "p95": pct(emu.latencies, 0.95),
                "p99": pct(emu.latencies, 0.99), "max": max(emu.latencies, default=float("nan")),
                "429s": emu.stats.too_many_requests - before,
                "calls": {m: n - calls.get(m, 0) for m, n in emu.stats.requests.items()
                          if n - calls.get(m, 0) and m != "getUpdates"},
            })
        await emu.stop()

    asyncio.run(main())


# --- the bots ---------------------------------------------------------------------------------

async def echo(update: object, context: object) -> None:
    message = update.effective_message  # type: ignore[attr-defined]
    await message.reply_text(message.text)


async def run_echo(base_url: str, play: object) -> dict:
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    from bot.telegram_request import AiohttpRequest

    app = (Application.builder().token(ECHO_TOKEN).base_url(base_url)
           .request(AiohttpRequest()).concurrent_updates(64).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0,
                                        timeout=10)
        await app.start()
        try:
            return await play(ECHO_TOKEN)  # type: ignore[operator]
        finally:
            await app.updater.stop()
            await app.stop()


async def run_pregonero(base_url: str, officers: list[int], tmp: Path, play: object) -> dict:
    from bot.config import Settings
    from bot.library import import_folder
    from bot.runtime import Runtime
    from bot.store import Store

    settings = Settings(bot_token=TOKEN, api_url=base_url, db=tmp / "load.db",
                        web=("127.0.0.1", 0))
    store = Store.open(settings.db)
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_chat import write_demo_content  # the test content and 20 more cards

    folder = tmp / "messages"
    write_demo_content(folder)
    import_folder(store.db, folder, datetime.now(UTC))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    store.db["officers"].insert_all(  # type: ignore[union-attr]
        ({"id": uid, "language": "es", "role": "officer", "region": "norte", "port": None,
          "timezone": "America/Mexico_City", "status": "active", "reminders_paused": 0,
          "enrolled_at": now} for uid in officers), batch_size=5000)
    runtime = Runtime(settings, store, with_web=False, with_delivery=True)
    await runtime.start()
    try:
        return await play(TOKEN)  # type: ignore[operator]
    finally:
        await runtime.stop()
        store.close()


async def run(n: int, seconds: float) -> dict:
    officers = [9_000_000 + i for i in range(n)]
    ctx = mp.get_context("spawn")
    ready: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    commands: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    results: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=serve, args=(officers, ready, commands, results), daemon=True)
    proc.start()
    base_url = ready.get(timeout=60)
    loop = asyncio.get_running_loop()

    async def play(token: str) -> dict:
        commands.put((token, seconds))
        return await loop.run_in_executor(None, results.get)

    out: dict = {"officers": n, "seconds": seconds}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out["echo"] = await run_echo(base_url, play)
            out["pregonero"] = await run_pregonero(base_url, officers, Path(tmp), play)
    finally:
        commands.put(None)
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
    out["share_of_echo"] = out["pregonero"]["replies_per_s"] / max(
        1e-9, out["echo"]["replies_per_s"])
    return out


def table(r: dict) -> str:
    lines = [f"{r['officers']:,} officers, {r['seconds']:.0f} s, "
             f"{r['pregonero']['questions']:,} questions "
             f"({r['pregonero']['offered_per_s']:.1f}/s offered, bursts of {BURST_SIZE})",
             "", "| bot | replies/s | p50 | p95 | p99 | max | drops | 429s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for key, label in (("pregonero", "Pregonero"), ("echo", "bare PTB echo bot")):
        x = r[key]
        lines.append(f"| {label} | {x['replies_per_s']:.1f} | {x['p50'] * 1000:.0f} ms | "
                     f"{x['p95'] * 1000:.0f} ms | {x['p99'] * 1000:.0f} ms | "
                     f"{x['max'] * 1000:.0f} ms | {x['drops']} | {x['429s']} |")
    lines.append("")
    lines.append(f"Pregonero's throughput: {r['share_of_echo']:.2f} of the echo bot's "
                 f"(target >= 0.8, drops 0)")
    return "\n".join(lines)


def main() -> None:
    logging.disable(logging.CRITICAL)  # the echo bot's 429 tracebacks are expected noise
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--officers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="length of the load (60 by default; shorter for a quick run)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    results = asyncio.run(run(args.officers, args.seconds))
    print(json.dumps(results, indent=2) if args.json else table(results))


if __name__ == "__main__":
    main()
