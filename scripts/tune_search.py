"""The tuning procedure behind `scripts/eval_search.py --tune` (see its docstring)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from eval_search import load_queries, open_corpus

from bot.search import engine as search_engine
from bot.search import fusion, semantic
from bot.search.context import context as search_context
from bot.search.query import parse as parse_query

FOLDS = 5
LAMBDAS = (0.01, 0.1, 1.0, 10.0)                      # L2 strength tried by cross-validation
ANSWERS = tuple(round(x, 2) for x in np.arange(0.05, 0.96, 0.05))
FASTS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.01)          # 1.01: never skip the semantic layer
COSINES = tuple(round(x, 3) for x in np.arange(0.70, 0.951, 0.005))


def collect(db, queries: list[dict], name: str = "") -> list[dict]:
    """What every decision needs, per question: the lexical answer, the fusion's candidates
    with their features, and the semantic layer's own ranking."""
    out = []
    for q in queries:
        ctx = search_context(db)
        concepts, normalized, corrections = parse_query(ctx, q["query"], q["lang"])
        hits = search_engine.rank(db, ctx, concepts, q["lang"], 5)
        pending = search_engine.Pending(
            ctx=ctx, text=q["query"], lang=q["lang"], limit=5, concepts=concepts,
            normalized=normalized, corrections=corrections,
            lexical=search_engine._lexical_candidates(db, ctx, concepts, q["lang"]),
            lexical_hits=hits)
        vec = semantic.embed_query(q["query"])
        cands = search_engine.candidates(pending, vec)
        dense = sorted(cands, key=lambda t: -t[2])
        out.append({"set": name, "relevant": set(q["relevant"]), "lex": [h.card_id for h in hits],
                    "cov": hits[0].coverage if hits else 0.0,
                    "cards": [c for c, _x, _c in cands],
                    "X": np.array([x for _c, x, _cos in cands], dtype=float),
                    "dense": [c for c, _x, _c in dense[:5]],
                    "top_cos": dense[0][2] if dense else 0.0})
    return out


def fit(rows: list[dict], lam: float) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method on standardised features (the
    bias is not penalised; each set's questions weigh the same in all), returned as weights
    of the raw features."""
    raw = np.vstack([r["X"] for r in rows if len(r["X"])])
    y = np.concatenate([[c in r["relevant"] for c in r["cards"]] for r in rows
                        if len(r["X"])]).astype(float)
    sizes = {name: sum(1 for r in rows if r["set"] == name) for name in {r["set"] for r in rows}}
    weight = np.concatenate([[len(rows) / len(sizes) / sizes[r["set"]]] * len(r["cards"])
                             for r in rows if len(r["X"])])  # each set counts the same
    mean, std = raw[:, :-1].mean(axis=0), raw[:, :-1].std(axis=0) + 1e-9
    X = np.hstack([(raw[:, :-1] - mean) / std, raw[:, -1:]])
    w = np.zeros(X.shape[1])
    penalty = np.full(X.shape[1], lam)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(X @ w, -30, 30)))
        grad = X.T @ (weight * (p - y)) + penalty * w
        hess = (X * (weight * p * (1 - p))[:, None]).T @ X + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    scaled = w[:-1] / std
    return np.append(scaled, w[-1] - float(scaled @ mean))


def answer(r: dict, w: np.ndarray, ans: float, fast: float) -> list[str]:
    if r["lex"] and r["cov"] >= fast:
        return r["lex"]
    if not len(r["X"]):
        return []
    p = 1 / (1 + np.exp(-np.clip(r["X"] @ w, -30, 30)))
    prob = dict(zip(r["cards"], p, strict=True))
    chosen = {c for c, pr in prob.items() if pr >= ans} | set(r["lex"])
    return sorted(chosen, key=lambda c: (-prob.get(c, 0.0), c))[:5]


def utility(r: dict, got: list[str]) -> float:
    if not r["relevant"]:
        return float(not got)
    rank = next((i + 1 for i, c in enumerate(got) if c in r["relevant"]), None)
    return 1 / rank if rank else 0.0


def balanced(rows: list[dict], got: list[list[str]]) -> float:
    """Per set, the mean of the answerable questions' MRR@5 and the unanswerable ones'
    abstention (both count the same, however few unanswerable questions a set has); then the
    mean over the sets (each kind of set counts the same, however many questions it has)."""
    per_set = []
    for name in sorted({r["set"] for r in rows}):
        parts = []
        for answerable in (True, False):
            us = [utility(r, g) for r, g in zip(rows, got, strict=True)
                  if r["set"] == name and bool(r["relevant"]) == answerable]
            if us:
                parts.append(float(np.mean(us)))
        if parts:
            per_set.append(float(np.mean(parts)))
    return float(np.mean(per_set)) if per_set else 0.0


def choose(rows: list[dict], w: np.ndarray) -> tuple[float, float, float]:
    """(ANSWER, FAST, balanced utility) best on these rows (ties: the first found)."""
    best = (0.5, 1.01, -1.0)
    for fast in FASTS:
        for ans in ANSWERS:
            u = balanced(rows, [answer(r, w, ans, fast) for r in rows])
            if u > best[2] + 1e-12:
                best = (ans, fast, u)
    return best


def tune(corpus: Path, paths: list[Path]) -> int:
    if not semantic.available():
        print("the semantic model is not installed: nothing to tune")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        store = open_corpus(tmp, corpus)
        try:
            rows = [r for path in paths
                    for r in collect(store.db, load_queries(path), path.name)]
        finally:
            store.close()
    rng = np.random.default_rng(12)
    fold = rng.permutation(len(rows)) % FOLDS
    print(f"tuning sets: {', '.join(p.name for p in paths)} ({len(rows)} questions)")
    scores = {}
    for lam in LAMBDAS:
        held = []
        for k in range(FOLDS):
            train = [r for r, f in zip(rows, fold, strict=True) if f != k]
            test = [r for r, f in zip(rows, fold, strict=True) if f == k]
            w = fit(train, lam)
            ans, fast, _u = choose(train, w)
            held.append(balanced(test, [answer(r, w, ans, fast) for r in test]))
        scores[lam] = float(np.mean(held))
        print(f"  L2 {lam:<6} cross-validated utility {scores[lam]:.3f}")
    lam = max(LAMBDAS, key=lambda x: (scores[x], -x))
    w = fit(rows, lam)
    ans, fast, u = choose(rows, w)
    cos_best = max(COSINES, key=lambda c: (balanced(rows, [r["dense"] if r["top_cos"] >= c
                                                           else [] for r in rows]), -c))
    lexical = balanced(rows, [r["lex"] for r in rows])
    print(f"chosen L2 {lam}; utility on all tuning questions {u:.3f} "
          f"(cross-validated {scores[lam]:.3f}); the words alone: {lexical:.3f}\n")
    print("# --- set by scripts/eval_search.py --tune (see the README, \"Search\") ---")
    print("WEIGHTS = (" + ", ".join(f"{v:.4f}" for v in w) + ")")
    print(f"ANSWER = {ans}")
    print(f"FAST = {fast}")
    print(f"COSINE = {cos_best}")
    print(f"# features: {', '.join(fusion.FEATURES)}")
    return 0
