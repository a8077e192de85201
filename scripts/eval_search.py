#!/usr/bin/env python3
"""Measure search quality on labelled officer queries, against a plain FTS5 baseline.

    scripts/eval_search.py [QUERIES.tsv ...] [--corpus DIR] [--json]

Imports the corpus (default: <repo>/tests/data/eval/corpus) into a temporary store with the
real content importer, runs every query in its own language through `bot.search.search`
(top 5), and reports MRR@5, hit@1 and hit@3 over answerable queries, abstention (the share of
unanswerable queries that get nothing) and the same per kind of query (the note's first word),
then the misses. The baseline in the same run is a plain FTS5 index (unicode61
remove_diacritics 2 over title, keywords, summary and body; no stemming, glossary or
correction), its query words joined with OR (and, second, with AND).

Several query files are evaluated on the same imported corpus, one report each (with `--json`:
one file gives its report object, several give {"reports": [...]}).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.library import import_folder  # noqa: E402
from bot.search import search  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store import search as search_store  # noqa: E402

SHARED = ROOT / "tests" / "data" / "eval"
TARGETS = {"mrr5": 0.85, "hit3": 0.93, "abstention": 0.80}
Searcher = Callable[[str, str], list[str]]


def load_queries(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for row in rows:
        row["relevant"] = [r.strip() for r in (row.get("relevant") or "").split(",") if r.strip()]
        row["kind"] = (row.get("note") or "").split(";")[0].strip() or "other"
    return rows


def evaluate(queries: list[dict], searcher: Searcher) -> dict:
    """Metrics of `searcher(query, lang) -> [card ids]` over labelled queries."""
    per_kind: dict[str, list[dict]] = defaultdict(list)
    results = []
    for q in queries:
        ids = searcher(q["query"], q["lang"])[:5]
        rank = next((i + 1 for i, c in enumerate(ids) if c in q["relevant"]), None)
        r = {"query": q["query"], "lang": q["lang"], "kind": q["kind"], "got": ids,
             "relevant": q["relevant"], "rank": rank}
        results.append(r)
        per_kind[q["kind"]].append(r)
    return {"all": _metrics(results), "kinds": {k: _metrics(v) for k, v in per_kind.items()},
            "misses": [r for r in results if (r["relevant"] and r["rank"] != 1)
                       or (not r["relevant"] and r["got"])]}


def _metrics(results: list[dict]) -> dict:
    answerable = [r for r in results if r["relevant"]]
    unanswerable = [r for r in results if not r["relevant"]]
    out: dict = {"answerable": len(answerable), "unanswerable": len(unanswerable)}
    if answerable:
        n = len(answerable)
        out["mrr5"] = sum(1 / r["rank"] for r in answerable if r["rank"]) / n
        out["hit1"] = sum(1 for r in answerable if r["rank"] == 1) / n
        out["hit3"] = sum(1 for r in answerable if r["rank"] and r["rank"] <= 3) / n
    if unanswerable:
        out["abstention"] = sum(1 for r in unanswerable if not r["got"]) / len(unanswerable)
    return out


def _fmt(m: dict) -> str:
    parts = [f"{k}={m[k]:.3f}" for k in ("mrr5", "hit1", "hit3", "abstention") if k in m]
    return " ".join(parts) + f"  (n={m['answerable']}+{m['unanswerable']})"


def run(queries_path: Path, corpus: Path) -> dict:
    return run_many([queries_path], corpus)[0]


def run_many(paths: list[Path], corpus: Path) -> list[dict]:
    """One report per query file, all on one import of the corpus."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "eval.db")
        try:
            import_folder(store.db, corpus, "2026-01-01T00:00:00+00:00")
            search_store.plain_build(store.db)

            def ours(q: str, lang: str) -> list[str]:
                return [h.card_id for h in search(store.db, q, lang, limit=5).hits]

            def plain(operator: str) -> Searcher:
                def fn(q: str, lang: str) -> list[str]:
                    ws = re.findall(r"\w+", q)
                    return [c for c, _ in search_store.plain_search(store.db, ws, lang, 5,
                                                                    operator)]
                return fn

            reports = []
            for path in paths:
                queries = load_queries(path)
                reports.append({"queries": str(path), "corpus": str(corpus),
                                "ours": evaluate(queries, ours),
                                "baseline_or": evaluate(queries, plain("OR")),
                                "baseline_and": evaluate(queries, plain("AND"))})
            return reports
        finally:
            store.close()


def _print(report: dict) -> None:
    print(f"queries: {report['queries']}\ncorpus:  {report['corpus']}\n")
    for name, label in (("ours", "pregonero search"),
                        ("baseline_or", "plain FTS5, words OR'ed"),
                        ("baseline_and", "plain FTS5, words AND'ed")):
        r = report[name]
        print(f"{label:26} {_fmt(r['all'])}")
        for kind, m in sorted(r["kinds"].items()):
            print(f"  {kind:24} {_fmt(m)}")
    print("\nmisses (pregonero search): query [lang] -> got / relevant")
    for r in report["ours"]["misses"]:
        print(f"  {r['query']!r} [{r['lang']}] rank={r['rank']} -> {r['got']} / {r['relevant']}")
    ok = all(report["ours"]["all"].get(k, 0) >= v for k, v in TARGETS.items())
    print("\ntargets " + " ".join(f"{k}>={v}" for k, v in TARGETS.items())
          + (": met" if ok else ": NOT met"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("queries", nargs="*", help="query files (default: the dev queries)")
    parser.add_argument("--corpus", default=str(SHARED / "corpus"))
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    paths = [Path(q) for q in args.queries] or [SHARED / "queries-dev.tsv"]
    reports = run_many(paths, Path(args.corpus))
    if args.json:
        out = reports[0] if len(reports) == 1 else {"reports": reports}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    for i, report in enumerate(reports):
        if i:
            print("\n" + "=" * 72 + "\n")
        _print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
