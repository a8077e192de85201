#!/usr/bin/env python3
"""How long the engagement figures take on a large store: `pregonero stats`, the CSV export
and the web overview page.

    .venv/bin/python scripts/bench_stats.py [--officers 10000] [--events 500000] [--quick]

Builds a temporary store (officers across 8 regions and 3 roles, events across 26 weeks),
then times each aggregate (median of 3 runs) and one overview page request through the real
web app. Prints a table, each figure also as a multiple of a baseline measured in
the same run (one pass counting the events), and the load average; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlite_utils import Database

from bot.clock import iso
from bot.store import Store, events, officers, stats
from bot.store import web as web_store
from bot.store.filters import Filters

REGIONS = ["norte", "noreste", "noroeste", "centro", "sur", "sureste", "golfo", "pacifico"]
TYPES = ["delivered"] * 5 + ["card_opened"] * 3 + ["query"] * 3 + ["feedback"] * 2 + [
    "quiz_answer", "ack", "failed"]
NOW = datetime(2026, 9, 30, 12, tzinfo=UTC)


def telegram_id(i: int) -> int:
    """Officer i's user id, spread like Telegram's (9-10 digits), so that erasing one is
    measured with ids of a real size."""
    return 5_000_000_000 + i * 7_919


def build(path: Path, n_officers: int, n_events: int) -> Store:
    store = Store.open(path)
    rng = random.Random(7)
    start = NOW - timedelta(weeks=26)
    people = []
    for i in range(n_officers):
        region = REGIONS[i % len(REGIONS)]
        people.append((telegram_id(i), "es" if i % 5 else "en",
                       "officer" if i % 50 else "comms", region,
                       f"{region}-{i % 3}", "America/Mexico_City",
                       "left" if i % 40 == 0 else "active", 0,
                       iso(start + timedelta(minutes=i)), None))
    with store.db.atomic():
        store.db.conn.executemany(
            "INSERT INTO officers (id, language, role, region, port, timezone, status, "
            "reminders_paused, enrolled_at, left_at) VALUES (?,?,?,?,?,?,?,?,?,?)", people)
        rows = []
        for _ in range(n_events):
            p = people[rng.randrange(n_officers)]
            kind = rng.choice(TYPES)
            value = {"feedback": rng.choice(["useful", "not_useful"]),
                     "quiz_answer": rng.choice(["correct", "wrong"]),
                     "ack": "v1"}.get(kind)
            at = start + timedelta(seconds=rng.randrange(26 * 7 * 86400))
            rows.append((kind, iso(at), None if kind == "query" else p[0], p[2], p[3], p[4], p[1],
                         f"card-{rng.randrange(60)}", 1 if kind == "delivered" else None, value,
                         rng.choice([0, 2, 5]) if kind == "query" else None))
        store.db.conn.executemany(
            "INSERT INTO events (type, at, officer_id, role, region, port, lang, card_id, "
            "campaign_id, value, count) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        for i in range(n_events // 20):  # query texts: daily counts, no person, no region
            events.log_query(store.db, normalized=f"consulta {i % 500}", results=0, lang="es",
                             at=start + timedelta(minutes=i))
    return store


def one_pass(db: Database) -> None:
    """The baseline, measured in the same run: one read of every event, so that the other
    figures can be read against what the machine gives at the moment (it is often busy)."""
    db.execute("SELECT count(*), sum(type = 'delivered') FROM events").fetchone()


def timed(fn, *args, **kwargs) -> float:
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        fn(*args, **kwargs)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


async def page_time(store: Store, path: Path) -> tuple[float, float]:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.config import Settings
    from bot.web.app import init_app

    store.db.execute("UPDATE officers SET role = 'admin' WHERE id = ?", [telegram_id(1)])
    app = init_app(Settings(db=path), store, clock=lambda: NOW)
    async with TestClient(TestServer(app)) as client:
        token = web_store.create_login_token(store.db, telegram_id(1), now=NOW)
        await client.post(f"/login/{token}", allow_redirects=False)
        runs = []
        for _ in range(4):
            t0 = time.perf_counter()
            response = await client.get("/")
            await response.read()
            runs.append(time.perf_counter() - t0)
            assert response.status == 200
        return runs[0], statistics.median(runs[1:])  # counted, then from the minute's cache


def erase_times(store: Store) -> list[tuple[str, float]]:
    """Erasing one person (/baja + erase): the deletes alone, then with the scrub
    (secure_delete, person-keyed indexes rebuilt, WAL checkpointed), one person each."""
    def once(fn, user_id: int) -> float:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        fn(store.db, user_id)
        return time.perf_counter() - t0

    plain = statistics.median(once(officers.delete_rows, telegram_id(10 + i)) for i in range(3))
    scrubbed = statistics.median(once(officers.forget, telegram_id(20 + i)) for i in range(3))
    return [("erase one person, deletes only (baseline)", plain),
            ("erase one person, with the scrub", scrubbed)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--quick", action="store_true", help="1,000 officers, 20,000 events")
    args = parser.parse_args()
    if args.quick:
        args.officers, args.events = 1_000, 20_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        store = build(path, args.officers, args.events)
        built = time.perf_counter() - t0
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
        f = Filters()
        results = [
            ("baseline: one pass counting the events", timed(one_pass, store.db)),
            ("stats.totals (stats --json)", timed(stats.totals, store.db, f)),
            ("stats.weekly_report (stats --csv)", timed(stats.weekly_report, store.db, f,
                                                         now=NOW)),
            ("stats.acknowledgements", timed(stats.acknowledgements, store.db, f)),
            ("stats.zero_result_queries", timed(stats.zero_result_queries, store.db, f)),
            ("stats.reach (latest sends)", timed(stats.reach, store.db, f)),
        ]
        first, cached = asyncio.run(page_time(store, path))
        results += [("overview page GET /, counted", first),
                    ("overview page GET /, within the minute", cached)]
        results += erase_times(store)
        store.close()
    print(f"store: {args.officers:,} officers, {args.events:,} events, 26 weeks "
          f"(built in {built:.1f} s); database {size / 1e6:,.0f} MB, "
          f"{size / max(args.events, 1):,.0f} bytes per event (officers and indexes included)")
    base = results[0][1]
    for name, seconds in results:
        print(f"{name:<40} {seconds * 1000:8.1f} ms  {seconds / base:6.1f} x baseline")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
