#!/usr/bin/env python3
"""Time `content check` and `content import` on the starter content and the evaluation corpus.

    .venv/bin/python scripts/bench_content.py [--repeat N]

Prints, per folder: cards and files, check time, first import into an empty store, a second
(no-change) import, and Markdown -> Telegram HTML rendering speed. Medians of N runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.check import check_folder  # noqa: E402
from bot.content.render import render_html  # noqa: E402
from bot.library import import_folder  # noqa: E402
from bot.store import Store  # noqa: E402

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(folder: Path, repeat: int) -> None:
    result = check_folder(folder)
    checks = [timed(lambda: check_folder(folder)) for _ in range(repeat)]
    firsts, seconds = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            store = Store.open(Path(tmp) / "bench.db")
            firsts.append(timed(lambda s=store: import_folder(s.db, folder, NOW)))
            seconds.append(timed(lambda s=store: import_folder(s.db, folder, NOW)))
            store.close()
    bodies = [t.body_md for card in result.cards for t in card.translations.values()]
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for body in bodies:
            render_html(body)
    per_body = (time.perf_counter() - start) / (rounds * len(bodies))
    print(f"{folder.relative_to(ROOT.parent) if folder.is_relative_to(ROOT.parent) else folder}:"
          f" {len(result.cards)} cards, {result.files} files")
    print(f"  check          {statistics.median(checks) * 1000:7.1f} ms")
    print(f"  first import   {statistics.median(firsts) * 1000:7.1f} ms")
    print(f"  no-op import   {statistics.median(seconds) * 1000:7.1f} ms")
    print(f"  render         {per_body * 1e6:7.0f} µs per body ({1 / per_body:,.0f} bodies/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for folder in (ROOT / "messages", ROOT / "tests" / "data" / "eval" / "corpus"):
        if folder.is_dir():
            bench(folder, args.repeat)


if __name__ == "__main__":
    main()
