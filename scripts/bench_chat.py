#!/usr/bin/env python3
"""How fast officers get answers: the real Application against the local Bot API emulator.

    .venv/bin/python scripts/bench_chat.py [--officers 50] [--rounds 4] [--content DIR]

Enrolls N officers, then each asks questions concurrently (rounds of N questions at once) and
opens the first card found. Prints reply times (from the user's message to the bot's reply
arriving at the emulator) for questions and card opens: p50, p95, max, and replies/s, beside
the floor the bot's flood limiter sets (every call passes it at its pace, 29.4/s for all chats
together: N answers at the same instant take (N - 1) / 29.4 s for the last one; a card open
is two calls, the callback answer and the card; so a round's calls take at least their number
/ 29.4 s) and the load average before and after.
Nothing leaves this computer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = ("menor no acompañado", "solicitud de asilo", "trata o tráfico", "garita",
             "documento falso", "uso de la fuerza", "zzzz nada", "respeto trato digno")


def write_demo_content(folder: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_chat_app import write_content

    write_content(folder)
    (folder / "frontera").mkdir()
    for i in range(20):
        (folder / "frontera" / f"garita-{i}.es.md").write_text(
            f"---\ntitle: Revisión en garita {i}\nkind: practice\nkeywords: [garita]\n---\n"
            f"Paso {i} de la revisión en garita y documento.\n", encoding="utf-8")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p * (len(values) - 1)))]


async def main(officers: int, rounds: int, content: Path | None) -> None:
    from bot.clock import utcnow
    from bot.config import Settings
    from bot.library import import_folder
    from bot.runtime import Runtime
    from bot.store import Store
    from bot.store.officers import create_invite
    from bot.telegram_limiter import FloodLimiter
    from bot.testkit.client import ChatUser
    from bot.testkit.emulator import Emulator

    load_before = os.getloadavg()
    pace = FloodLimiter().rate
    with tempfile.TemporaryDirectory() as tmp:
        folder = content or Path(tmp) / "messages"
        if content is None:
            write_demo_content(folder)
        store = Store.open(Path(tmp) / "bench.db")
        import_folder(store.db, folder, utcnow())
        async with Emulator() as emu:
            settings = Settings(bot_token=emu.bot.token, api_url=emu.base_url,
                                db=Path(tmp) / "bench.db")
            runtime = Runtime(settings, store, with_web=False, with_delivery=False)
            await runtime.start()
            try:
                users = []
                for _ in range(officers):
                    invite = create_invite(store.db, now=utcnow())
                    user = ChatUser(emu, emu.add_user())
                    await user.ask(f"/start {invite.code}", timeout=30)
                    users.append(user)

                async def one(user: ChatUser, i: int) -> tuple[float, float | None]:
                    t0 = time.perf_counter()
                    reply = await user.ask(QUESTIONS[i % len(QUESTIONS)], timeout=30)
                    asked = time.perf_counter() - t0
                    opens = [b for b in reply.buttons if b and
                             b[0].get("callback_data", "").startswith("v1:open:")]
                    if not opens:
                        return asked, None
                    t1 = time.perf_counter()
                    await user.tap(reply, opens[0][0]["callback_data"], timeout=30)
                    await user.next(timeout=30)
                    return asked, time.perf_counter() - t1

                asks: list[float] = []
                cards: list[float] = []
                started = time.perf_counter()
                for r in range(rounds):
                    results = await asyncio.gather(*(one(u, r + k) for k, u in enumerate(users)))
                    asks += [a for a, _ in results]
                    cards += [c for _, c in results if c is not None]
                elapsed = time.perf_counter() - started
            finally:
                await runtime.stop()
                store.close()
    print(f"officers={officers} rounds={rounds} questions={len(asks)} cards opened={len(cards)}")
    for name, values in (("question -> reply", asks), ("open card -> card", cards)):
        if values:
            print(f"{name}: p50 {statistics.median(values) * 1000:.0f} ms, "
                  f"p95 {pct(values, 0.95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms")
    print(f"replies per second: {(len(asks) + len(cards)) / elapsed:.0f}")
    n, k = len(users), len(cards) / max(1, rounds)
    print(f"floor set by the flood limiter ({pace:g} calls/s): the last of {n} answers at once "
          f"after {(n - 1) / pace * 1000:.0f} ms (median {(n - 1) / 2 / pace * 1000:.0f} ms); "
          f"a round ({n} answers and {k:.0f} card opens, 2 calls each) takes at least "
          f"{(n + 2 * k - 1) / pace * 1000:.0f} ms, measured {elapsed / rounds * 1000:.0f} ms")
    after = os.getloadavg()
    print(f"load average (1, 5, 15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}; after: {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--content", type=Path, default=None)
    args = parser.parse_args()
    asyncio.run(main(args.officers, args.rounds, args.content))
