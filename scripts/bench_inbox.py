#!/usr/bin/env python3
"""What storing every update before confirming it costs (the inbox, bot/store/inbox.py).

    .venv/bin/python scripts/bench_inbox.py [--updates 5000] [--batch 100]

On a temporary store (WAL, synchronous=NORMAL, as `pregonero run` opens it), through the
store's worker thread as the bot calls it: storing batches of updates (one transaction per
batch, as the poller does), storing them one by one (the webhook), and marking each done (one
commit per update, as the update processor does). Baseline in the same run: the one write
every question already made before the inbox existed (`events.log_query`). Prints microseconds
per update and what one store thread could carry per second.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import utcnow
from bot.store import Store, events, inbox


def _update(update_id: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_780_000_000, "text": "menor no acompañado en la garita",
        "chat": {"id": 700_000_000 + update_id % 997, "type": "private", "first_name": "Agente"},
        "from": {"id": 700_000_000 + update_id % 997, "is_bot": False, "first_name": "Agente",
                 "language_code": "es"}}}


async def _timed(label: str, n: int, fn) -> tuple[str, float]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    await fn()
    return label, (time.perf_counter() - started) / n * 1e6


async def main(n: int, batch: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        now = utcnow()
        ids = iter(range(1, 10 * n))

        async def batched() -> None:
            for _ in range(n // batch):
                await store.run(inbox.store_updates, [_update(next(ids)) for _ in range(batch)],
                                now=now)

        async def single() -> None:
            for _ in range(n):
                await store.run(inbox.store_updates, [_update(next(ids))], now=now)

        async def done() -> None:
            for update_id in range(1, n + 1):
                await store.run(inbox.mark_done, update_id, now=now)

        async def log_query() -> None:
            for _ in range(n):
                await store.run(events.log_query, normalized="menor acompanado garita",
                                results=3, lang="es", region="norte", at=now)

        rows = []
        for _ in range(3):
            rows.append(dict([
                await _timed("store, batches", n, batched),
                await _timed("store, one by one (webhook)", n, single),
                await _timed("mark done", n, done),
                await _timed("baseline: log_query", n, log_query),
            ]))
        store.close()
    print(f"{n:,} updates, batches of {batch}, median of 3 runs, through the store thread")
    print(f"{'step':32} {'us/update':>10} {'per second':>12}")
    for key in rows[0]:
        us = statistics.median(r[key] for r in rows)
        print(f"{key:32} {us:10.0f} {1e6 / us:12,.0f}")
    inbox_us = statistics.median(r["store, batches"] + r["mark done"] for r in rows)
    base = statistics.median(r["baseline: log_query"] for r in rows)
    print(f"inbox per polled update (store in a batch + mark done): {inbox_us:.0f} us "
          f"= {inbox_us / base:.2f} x the baseline write")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.updates, args.batch))
