#!/usr/bin/env python3
"""Measure search latency on a 10,000-card store, against a plain FTS5 baseline, and the
semantic layer's costs, each against the way it was done before, in the same run.

    scripts/bench_search.py [--cards 10000] [--queries 3000] [--seed 7] [--corpus DIR]
                            [--embed-sample 240] [--stories TSV] [--semantic-queries N]
                            [--quick]

Builds a temporary store of synthetic cards made from the eval corpus's vocabulary (each card
mixes the title, keywords, summary and body sentences of a few real cards of one topic, in
Spanish and, for most cards, English; deterministic for a seed), indexes it with the real
`rebuild_index`, then times `bot.search.search` and the plain FTS5 baseline (unicode61
remove_diacritics 2, words OR'ed, top 5) on the same queries (the dev queries, cycled),
and prints p50/p95/p99 latency, queries per second and the ratio between the two.

With the semantic model installed it also measures, on passages shaped like real cards'
(each synthetic translation gets the passages of its base real card, about 18 a card):
the embedding of `--embed-sample` real passages at import, in this process on one thread
(before) and in one single-threaded process a core (now), with the 10,000-card figure
extrapolated by characters; loading the passage vectors on the first query after an import,
in full and after an import that changed 1% of the cards; the matrix's memory and the cost
of the cosines (int8 against float32); the semantic path for the questions of `--stories`
that the words alone do not answer, each embedded afresh (no cache); the same questions
through `search_async` while other officers' lexical searches run, with the event loop's
largest delay; reading the vectors of the subjects the cards do not cover from the
package's file, against embedding them; and the resident memory. `--quick` runs a smaller
version in about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.check import check_folder  # noqa: E402
from bot.content.model import ParsedCard  # noqa: E402
from bot.search import engine as search_engine  # noqa: E402
from bot.search import rebuild_index, search, search_async, semantic  # noqa: E402
from bot.search.context import context as search_context  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store import search as search_store  # noqa: E402
from bot.store.cards import import_cards  # noqa: E402

SHARED = ROOT / "tests" / "data" / "eval"


def synthetic_cards(real: list[ParsedCard], n: int, seed: int) -> list[ParsedCard]:
    rng = random.Random(seed)
    by_topic: dict[str, list[ParsedCard]] = {}
    for card in real:
        by_topic.setdefault(card.topic, []).append(card)
    topics = sorted(by_topic)
    cards = []
    for i in range(n):
        topic = rng.choice(topics)
        sources = [rng.choice(by_topic[topic]) for _ in range(3)]
        base = sources[0]
        langs = [lang for lang in base.langs if lang == "es" or rng.random() < 0.8]
        translations = {}
        for lang in langs:
            texts = [s.translations.get(lang) or s.primary for s in sources]
            t0 = texts[0]
            title_words = t0.title.split() + rng.sample(texts[1].title.split(),
                                                        min(2, len(texts[1].title.split())))
            sentences = [s for t in texts for s in re.split(r"(?<=[.:])\s+", t.body_text)]
            body = " ".join(rng.sample(sentences, min(len(sentences), 12)))
            card_id = f"syn-{i:05d}"
            translations[lang] = replace(
                t0, card_id=card_id, topic=topic, title=" ".join(title_words),
                keywords=tuple(rng.sample(t0.keywords, len(t0.keywords))) + texts[1].keywords,
                body_md=body, body_html=body, body_text=body, source=f"{card_id}.{lang}.md",
                image=None, document=None, quiz=None)
        cards.append(ParsedCard(id=f"syn-{i:05d}", topic=topic, kind=base.kind,
                                translations=translations))
    return cards


def load_queries(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [(r["query"], r["lang"]) for r in csv.DictReader(fh, delimiter="\t")]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn, queries: list[tuple[str, str]], total: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each call (CPU time ignores waiting for a core on
    a busy machine; wall-clock is what an officer waits)."""
    wall, cpu = [], []
    for i in range(total):
        q, lang = queries[i % len(queries)]
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(q, lang)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def report(label: str, timings: tuple[list[float], list[float]]) -> dict:
    wall, cpu = timings
    figures = {"p50": percentile(wall, 50), "p95": percentile(wall, 95),
               "p99": percentile(wall, 99), "qps": len(wall) / (sum(wall) / 1000),
               "cpu_p50": percentile(cpu, 50), "cpu_p95": percentile(cpu, 95),
               "cpu_p99": percentile(cpu, 99)}
    print(f"{label:26} wall p50 {figures['p50']:6.2f}  p95 {figures['p95']:6.2f}  "
          f"p99 {figures['p99']:6.2f} ms  {figures['qps']:6.0f} queries/s")
    print(f"{'':26}  cpu p50 {figures['cpu_p50']:6.2f}  p95 {figures['cpu_p95']:6.2f}  "
          f"p99 {figures['cpu_p99']:6.2f} ms")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus", default=str(SHARED / "corpus"))
    parser.add_argument("--query-file", default=str(SHARED / "queries-dev.tsv"))
    parser.add_argument("--embed-sample", type=int, default=240,
                        help="real passages embedded (twice: before and now) to time the import")
    parser.add_argument("--stories", default=str(ROOT / "tests" / "data" /
                                                  "search-stories-dev.tsv"))
    parser.add_argument("--semantic-queries", type=int, default=1000,
                        help="at most this many questions that need the semantic layer")
    parser.add_argument("--quick", action="store_true",
                        help="a smaller run (2,000 cards, 500 queries, 64 passages, 12 "
                             "questions): about a minute")
    args = parser.parse_args(argv)
    if args.quick:
        args.cards, args.queries = min(args.cards, 2000), min(args.queries, 500)
        args.embed_sample, args.semantic_queries = min(args.embed_sample, 64), 12

    real = check_folder(Path(args.corpus)).cards
    queries = load_queries(Path(args.query_file))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        db = store.db
        cards = synthetic_cards(real, args.cards, args.seed)
        model = semantic.encoder()
        semantic.reset(None, "missing")  # the lexical index first; vectors below
        start = time.perf_counter()
        import_cards(db, cards, datetime(2026, 1, 1, tzinfo=UTC))
        loaded = time.perf_counter()
        rebuild_index(db)
        indexed = time.perf_counter()
        search_store.plain_build(db)
        translations = sum(len(c.translations) for c in cards)
        print(f"store: {len(cards)} cards, {translations} translations "
              f"(import {loaded - start:.1f} s, search index {indexed - loaded:.1f} s)")
        start = time.perf_counter()
        search(db, "pasaporte", "es")
        print(f"first query after a rebuild (loads vocabulary): "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")

        def ours(q: str, lang: str) -> None:
            search(db, q, lang, limit=5)

        def plain(q: str, lang: str) -> None:
            search_store.plain_search(db, re.findall(r"\w+", q), lang, 5, "OR")

        timed(ours, queries, len(queries))  # warm up both
        timed(plain, queries, len(queries))
        print(f"{args.queries} queries ({len(queries)} distinct, cycled), one thread:")
        a = report("pregonero search", timed(ours, queries, args.queries))
        b = report("plain FTS5 (words OR'ed)", timed(plain, queries, args.queries))
        print(f"ratio ours/baseline (wall): p50 {a['p50'] / b['p50']:.2f}x  "
              f"p95 {a['p95'] / b['p95']:.2f}x  p99 {a['p99'] / b['p99']:.2f}x")
        print(f"targets p95 <= 5 ms: wall {'met' if a['p95'] <= 5 else 'NOT met'}, "
              f"cpu {'met' if a['cpu_p95'] <= 5 else 'NOT met'}; "
              f"within 3x of baseline (p95): {'met' if a['p95'] <= 3 * b['p95'] else 'NOT met'}")
        print(f"lexical phase alone (what runs on the store's thread): see above; semantic "
              f"layer: {'installed' if model is not None else 'NOT installed'}")
        if model is not None:
            semantic.reset(model)
            bench_semantic(store, real, args)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"resident memory (max RSS): "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} during the run")
        store.close()
    return 0


def realistic_passages(real: list[ParsedCard], rows: list[dict]
                       ) -> tuple[list[tuple[str, str, int, str, str]], dict[str, str]]:
    """The synthetic store's passages shaped like real cards': each synthetic translation gets
    the passages of its base real card (title with summary, then each body block: about 18 a
    card), under a hash of its own, so the store and the matrix have the size 10,000 real
    cards would give. Returns (card_id, lang, n, hash, text) and hash -> the real passage's
    hash (whose vector it gets)."""
    by_title: dict[tuple[str, str], list[str]] = {}
    for card in real:
        for lang, t in card.translations.items():
            by_title[(lang, t.title)] = semantic.passages(t.title, t.summary, list(t.keywords),
                                                          t.body_text)
    heads = {lang: [v for (x, _t), v in by_title.items() if x == lang] for lang in ("es", "en")}
    out = []
    source: dict[str, str] = {}
    for row in rows:
        texts = next((v for (x, title), v in by_title.items()
                      if x == row["lang"] and row["title"].startswith(title)), None)
        texts = texts or heads[row["lang"]][sum(map(ord, row["card_id"])) % len(heads[row["lang"]])]
        for n, text in enumerate(texts):
            h = semantic.passage_hash(f"{row['card_id']}/{row['lang']}/{n}")
            out.append((row["card_id"], row["lang"], n, h, text))
            source[h] = semantic.passage_hash(text)
    return out, source


def bench_import(real: list[ParsedCard], passages: list[tuple], args: argparse.Namespace
                 ) -> None:
    """Embedding at import: the same sample of real passages embedded the old way (this
    process, one thread) and the new way (one single-threaded process a core), nothing
    cached; the 10,000-card figure is extrapolated by characters."""
    texts = list(dict.fromkeys(t for c in real for tr in c.translations.values()
                               for t in semantic.passages(tr.title, tr.summary,
                                                          list(tr.keywords), tr.body_text)))
    sample = random.Random(args.seed).sample(texts, min(args.embed_sample, len(texts)))
    chars = sum(map(len, sample))
    total_chars = sum(len(t) for *_x, t in passages)
    print(f"embedding at import: a sample of {len(sample)} real passages ({chars / len(sample):.0f}"
          f" characters each on average); the 10,000-card store has {len(passages)} passages "
          f"shaped like real cards' ({total_chars / len(passages):.0f} characters each)")
    runs = [("one thread, this process (before)", 1),
            (f"{semantic.workers()} processes, one thread each", semantic.workers())]
    for label, processes in runs:
        for t in sample:
            semantic._known.pop(semantic.passage_hash(t), None)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start, start_cpu = time.perf_counter(), time.process_time()
        semantic.embed_passages(sample, processes=processes)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time() - start_cpu + (after.ru_utime - before.ru_utime) + (
            after.ru_stime - before.ru_stime)
        hours = wall / chars * total_chars / 3600
        print(f"  {label:36} {wall:6.1f} s wall ({wall / len(sample) * 1000:5.1f} ms a passage),"
              f" {cpu:6.1f} s CPU; 10,000 cards, extrapolated: {hours * 60:5.0f} min "
              f"(load average {os.getloadavg()[0]:.1f})")
        cpu_hours = cpu / chars * total_chars / 3600
    print(f"  CPU a passage {cpu_hours * 3600 / len(passages) * 1000:.0f} ms: 10,000 cards are "
          f"{cpu_hours:.1f} CPU hours, {cpu_hours * 60 / semantic.workers():.0f} min on "
          f"{semantic.workers()} free cores (extrapolated from CPU time, not measured)")


def bench_semantic(store: Store, real: list[ParsedCard], args: argparse.Namespace) -> None:
    db = store.db
    rows = search_store.card_translations(db)
    passages, source = realistic_passages(real, rows)
    # 1. import cost
    bench_import(real, passages, args)
    # 2. store every passage with the packed vector of the real passage it copies
    semantic.preload(SHARED / "vectors-e5.npz")  # the corpus's own passages, already embedded
    for card in real:  # any corpus passage the file lacks is embedded now
        for t in card.translations.values():
            semantic.embed_passages(semantic.passages(t.title, t.summary, list(t.keywords),
                                                      t.body_text))
    packed = {h: semantic.pack(semantic._known[src]) for h, src in source.items()}
    search_store.replace_passages(db, [(c, lg, n, h) for c, lg, n, h, _t in passages],
                                  semantic.MODEL, packed)
    del packed
    semantic._known.clear()  # no question below finds its vector already computed
    start = time.perf_counter()
    ctx = search_context(db)
    lexical_ctx = time.perf_counter() - start
    start = time.perf_counter()
    matrix = ctx.matrix
    full = time.perf_counter() - start
    assert matrix is not None
    print(f"first query after an import: the lexical context {lexical_ctx * 1000:.0f} ms (on "
          f"the store's thread); the {len(matrix.codes)} passage vectors {full * 1000:.0f} ms "
          f"(on the semantic thread, through a connection of its own, or at start-up)")
    # an import that changes 1% of the cards: only their vectors are read again
    changed = {r["card_id"] for r in rows[:max(1, len(rows) // 100)]}
    edited = [(c, lg, n, semantic.passage_hash(f"edited/{h}") if c in changed else h)
              for c, lg, n, h, _t in passages]
    search_store.replace_passages(
        db, edited, semantic.MODEL,
        {h: semantic.pack(np.ones(semantic.DIM, dtype=np.float32) / semantic.DIM ** 0.5)
         for c, _lg, _n, h in edited if c in changed})
    start = time.perf_counter()
    again = search_context(db).matrix
    incremental = time.perf_counter() - start
    assert again is not None
    print(f"  after an import changing {len(changed)} cards: {incremental * 1000:.0f} ms "
          f"({again.fetched} vectors read, the others kept from memory)")
    print(f"  matrix in memory: {again.nbytes / 2**20:.0f} MB as int8 (float32, before: "
          f"{len(again.codes) * semantic.DIM * 4 / 2**20:.0f} MB)")
    # scoring: int8 blocks against the float32 matrix of the same vectors (baseline)
    q = semantic.unpack(semantic.pack(np.random.default_rng(args.seed).standard_normal(
        semantic.DIM).astype(np.float32)))
    dense = again.codes.astype(np.float32) * again.scales[:, None]
    t_int8, t_f32 = [], []
    for _ in range(20):
        c = time.process_time()
        again.scores(q)
        t_int8.append((time.process_time() - c) * 1000)
        c = time.process_time()
        np.maximum.reduceat(dense @ q, again.starts)
        t_f32.append((time.process_time() - c) * 1000)
    del dense
    print(f"  cosines of one question with every passage, CPU p50: int8 "
          f"{percentile(t_int8, 50):.1f} ms, float32 (before) {percentile(t_f32, 50):.1f} ms")
    # 3. the semantic path: questions the words alone do not answer, no cached embedding
    stories = load_queries(Path(args.stories))
    pending = [(q, lang) for q, lang in stories
               if not isinstance(search_engine.begin(db, q, lang, 5), search_engine.SearchOutcome)]
    pending = pending[:args.semantic_queries]
    print(f"{len(pending)} questions of {Path(args.stories).name} that need the semantic layer"
          f" (each embedded afresh):")

    def fresh(q: str, lang: str) -> None:
        semantic._questions.clear()
        search(db, q, lang, limit=5)

    def words_only(q: str, lang: str) -> None:
        search_engine.begin(db, q, lang, 5)

    timed(fresh, pending, min(len(pending), 5))  # warm up
    sem = report("semantic path, whole search", timed(fresh, pending, len(pending) * 2))
    report("... their lexical phase alone", timed(words_only, pending, len(pending) * 2))
    print(f"target p95 <= 400 ms: wall {'met' if sem['p95'] <= 400 else 'NOT met'}, "
          f"cpu {'met' if sem['cpu_p95'] <= 400 else 'NOT met'}")
    # 4. in the bot: semantic questions and other officers' lexical searches at once
    lexical = [(q, lang) for q, lang in load_queries(Path(args.query_file))
               if isinstance(search_engine.begin(db, q, lang, 5), search_engine.SearchOutcome)]

    async def scenario() -> tuple[list[float], list[float], float]:
        loop = asyncio.get_running_loop()
        lags: list[float] = []
        done = False

        async def ticker() -> None:
            while not done:
                t = loop.time()
                await asyncio.sleep(0.005)
                lags.append((loop.time() - t - 0.005) * 1000)

        async def officer(items: list[tuple[str, str]], out: list[float], clear: bool) -> None:
            for q, lang in items:
                if clear:
                    semantic._questions.clear()
                t = time.perf_counter()
                await search_async(store.run, q, lang, 5)
                out.append((time.perf_counter() - t) * 1000)

        tick = asyncio.create_task(ticker())
        lex_times: list[float] = []
        sem_times: list[float] = []
        await asyncio.gather(officer(pending * 2, sem_times, True),
                             officer(lexical * 6, lex_times, False))
        done = True
        await tick
        return lex_times, sem_times, max(lags) if lags else 0.0

    lex_alone: list[float] = []

    async def alone() -> None:
        for q, lang in lexical * 6:
            t = time.perf_counter()
            await search_async(store.run, q, lang, 5)
            lex_alone.append((time.perf_counter() - t) * 1000)

    asyncio.run(alone())
    lex_times, sem_times, lag = asyncio.run(scenario())
    print("in the bot (search_async), wall clock:")
    print(f"  other officers' lexical searches alone       p50 {percentile(lex_alone, 50):6.2f}"
          f"  p95 {percentile(lex_alone, 95):6.2f} ms")
    print(f"  ... while semantic questions run beside them p50 {percentile(lex_times, 50):6.2f}"
          f"  p95 {percentile(lex_times, 95):6.2f} ms")
    print(f"  semantic questions                           p50 {percentile(sem_times, 50):6.1f}"
          f"  p95 {percentile(sem_times, 95):6.1f} ms")
    print(f"  event loop's largest delay: {lag:.1f} ms")
    bench_subjects()
    # 5. memory of a process that serves search on this store (a fresh one: this process
    # holds the bench's own copies)
    child = ("import resource, sys; sys.path.insert(0, sys.argv[1]);"
             "from bot.search import semantic; from bot.search.context import context;"
             "from bot.store import Store; s = Store.open(sys.argv[2]); m = context(s.db).matrix;"
             "semantic.embed_query('hola'); "
             "peak = [int(x.split()[1]) for x in open('/proc/self/status') "
             "if x.startswith('VmHWM')] or [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss];"
             "print(peak[0] // 1024, len(m.codes))")
    # (VmHWM: a forked child's ru_maxrss starts from its parent's peak on Linux)
    got = subprocess.run([sys.executable, "-c", child, str(ROOT), str(store.path)],
                         capture_output=True, text=True, check=False)
    if got.returncode == 0 and got.stdout.split():
        rss, rows = got.stdout.split()[:2]
        print(f"a process serving search (model, index and {rows} vectors): max RSS {rss} MB; "
              f"the same vectors in float32 (before) would add "
              f"{int(rows) * (semantic.DIM * 4 - semantic.PACKED) / 2**20:.0f} MB")
    else:
        print(f"a process serving search: could not measure ({got.stderr.strip()[-200:]})")


def bench_subjects() -> None:
    """The subjects the cards do not cover (off_topic.yml), once a process: their vectors
    read from the package's file, and embedded as they would be without it."""
    semantic.encoder()  # the model is loaded already: not part of either figure

    def load() -> tuple[float, float]:
        semantic._subjects = semantic._asked = None
        wall, cpu = time.perf_counter(), time.process_time()
        semantic.subject_vectors()
        semantic.asked_vectors()
        return time.perf_counter() - wall, time.process_time() - cpu

    semantic._known.clear()
    semantic._shipped = False
    read = load()
    semantic._known.clear()
    semantic._shipped = True  # as if the file were missing
    embedded = load()
    n = sum(len(s.texts) + len(s.asked) for s in semantic.off_topic_subjects())
    print(f"the subjects the cards do not cover ({n} texts), once a process: read from "
          f"{semantic.OFF_TOPIC_VECTORS.name} {read[0] * 1000:.0f} ms wall "
          f"({read[1] * 1000:.0f} ms CPU); embedded without it {embedded[0]:.1f} s wall "
          f"({embedded[1]:.1f} s CPU)")


if __name__ == "__main__":
    sys.exit(main())
