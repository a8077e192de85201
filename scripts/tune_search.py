"""The tuning procedure behind `scripts/eval_search.py --tune` (see its docstring).

Two logistic models are fitted, as the engine uses them (bot/search/fusion.py):

1. The card model (ranking): over every candidate card of the answerable tuning questions,
   whether the card is one of the question's answers. Its L2 strength is chosen by 5-fold
   cross-validation by question (MRR@5 of the ranking, each set weighing the same).
2. The question model (answer or abstain): over every tuning question, whether its ranked
   cards hold an answer in their first five, from evidence computed with the card model's
   out-of-fold probabilities (so that it learns from rankings like those of unseen
   questions). Its L2 strength is chosen by 5-fold cross-validation of the whole procedure
   (ANSWER and FAST chosen on the training folds) by the utility of `balanced`: per set, MRR@5
   over answerable questions less how far abstention over unanswerable ones falls short of
   its target, then the mean over sets. The ANSWER and FAST printed are the pair of the grid
   whose cross-validated utility is best (each question answered by a model fitted without
   its fold), not the pair
   best on the questions the final model was fitted on, which follows their noise.
   Every cross-validated figure is the mean over REPEATS draws of the folds.

3. OUTSIDE (when "nothing found" says where to ask instead): the 95th percentile, over the
   answerable tuning questions, of the question's cosine with the nearest everyday question
   asked about a subject the cards do not cover, so that few officers whose question the
   cards answer would be sent elsewhere.

Each set's questions are measured without themselves among the everyday questions of
`off_topic.yml` (which holds the tuning sets' unanswerable ones): as a new writer's would be.

It prints the cross-validated figures per set; each set's figures when the whole procedure
is fitted without that set (`new_writer`: the team's sets were written by different people,
so this is the estimate for a set nobody on the team wrote, lower than the folds'); and the
constants fitted on all the tuning questions, to paste into fusion.py.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from eval_search import load_queries, open_corpus

from bot.search import engine as search_engine
from bot.search import fusion, semantic
from bot.search.context import context as search_context
from bot.search.query import parse as parse_query

FOLDS = 5
OBJECTIVE = os.environ.get("PREGONERO_TUNE_OBJECTIVE", "targets")  # or "balanced"
ABSTENTION = 0.80          # the target for abstention on unanswerable questions
REPEATS = (12, 7, 29)      # draws of the folds averaged: one draw's figures move by ~0.01
LAMBDAS = (0.01, 0.1, 1.0, 10.0)                      # L2 strength tried by cross-validation
ANSWERS = tuple(round(x, 2) for x in np.arange(0.05, 0.96, 0.05))
FASTS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.01)          # 1.01: never skip the semantic layer
COSINES = tuple(round(x, 3) for x in np.arange(0.70, 0.951, 0.005))


def collect(db, queries: list[dict], name: str = "") -> list[dict]:
    """What every decision needs, per question: the lexical answer, the fusion's candidates
    with their features, and the semantic layer's own ranking (the set's own questions are
    left out of the questions asked about subjects the cards do not cover)."""
    with semantic.hiding_asked(q["query"] for q in queries):
        return [_collect_one(db, q, name) for q in queries]


def _collect_one(db, q: dict, name: str) -> dict:
    ctx = search_context(db)
    concepts, normalized, corrections = parse_query(ctx, q["query"], q["lang"])
    hits = search_engine.rank(db, ctx, concepts, q["lang"], 5)
    pending = search_engine.Pending(
        ctx=ctx, text=q["query"], lang=q["lang"], limit=5, concepts=concepts,
        normalized=normalized, corrections=corrections,
        lexical=search_engine._lexical_candidates(db, ctx, concepts, q["lang"]),
        lexical_hits=hits)
    vec = search_engine.question_vector(q["query"], concepts, normalized)
    cands = search_engine.candidates(pending, vec)
    dense = sorted(cands, key=lambda t: -t[2])
    return {"set": name, "relevant": set(q["relevant"]), "lex": [h.card_id for h in hits],
            "cov": max((h.coverage for h in hits), default=0.0), "pending": pending,
            "cands": cands, "cards": [c for c, _x, _c in cands],
            "X": np.array([x for _c, x, _cos in cands], dtype=float),
            "dense": [c for c, _x, _c in dense[:5]],
            "top_cos": dense[0][2] if dense else 0.0, "outside": semantic.off_topic(vec)}


def _weights(rows: list[dict], per_row: list[int]) -> np.ndarray:
    """Sample weights making each set (and, for the question model, each set's answerable and
    unanswerable questions) count the same."""
    groups: dict[tuple, int] = defaultdict(int)
    keys = [(r["set"], bool(r["relevant"])) for r in rows]
    for k in keys:
        groups[k] += 1
    sets = {r["set"] for r in rows}
    return np.concatenate([[1.0 / groups[k] / len(sets)] * n for k, n in zip(keys, per_row,
                                                                                strict=True)])


def fit(X: np.ndarray, y: np.ndarray, weight: np.ndarray, lam: float) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method on standardised features (the
    bias, last, is not penalised), returned as weights of the raw features."""
    weight = weight * len(weight) / weight.sum()
    mean, std = X[:, :-1].mean(axis=0), X[:, :-1].std(axis=0) + 1e-9
    Z = np.hstack([(X[:, :-1] - mean) / std, X[:, -1:]])
    w = np.zeros(Z.shape[1])
    penalty = np.full(Z.shape[1], lam)
    penalty[-1] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(Z @ w, -30, 30)))
        grad = Z.T @ (weight * (p - y)) + penalty * w
        hess = (Z * (weight * p * (1 - p))[:, None]).T @ Z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    scaled = w[:-1] / std
    return np.append(scaled, w[-1] - float(scaled @ mean))


def fit_cards(rows: list[dict], lam: float) -> np.ndarray:
    rows = [r for r in rows if r["relevant"] and len(r["X"])]
    X = np.vstack([r["X"] for r in rows])
    y = np.concatenate([[c in r["relevant"] for c in r["cards"]] for r in rows]).astype(float)
    return fit(X, y, _weights(rows, [len(r["cards"]) for r in rows]), lam)


def ranking(r: dict, w: np.ndarray) -> list[tuple[str, float]]:
    return search_engine.rank_cards(r["cands"], w)


def rr(r: dict, got: list[str]) -> float:
    return next((1 / (i + 1) for i, c in enumerate(got[:5]) if c in r["relevant"]), 0.0)


def utility(r: dict, got: list[str]) -> float:
    return float(not got) if not r["relevant"] else rr(r, got)


def balanced(rows: list[dict], got: list[list[str]]) -> float:
    """The utility the decision to answer is fitted for, per set, then the mean over the sets
    (each kind of set counts the same, however many questions it has). With OBJECTIVE
    "targets" (the default), a set's utility is the answerable questions' MRR@5 less how far
    its unanswerable questions' abstention falls short of ABSTENTION (the issue's target):
    abstention counts until it reaches its target, answering well counts always. With
    "balanced", the mean of MRR@5 and abstention (both count the same, however few
    unanswerable questions a set has), which bought abstention far beyond its target with
    answers (officers dev 3: abstention 0.86, MRR@5 0.61)."""
    per_set = []
    for name in sorted({r["set"] for r in rows}):
        parts = {}
        for answerable in (True, False):
            us = [utility(r, g) for r, g in zip(rows, got, strict=True)
                  if r["set"] == name and bool(r["relevant"]) == answerable]
            if us:
                parts[answerable] = float(np.mean(us))
        if not parts:
            continue
        if OBJECTIVE == "balanced":
            per_set.append(float(np.mean(list(parts.values()))))
        else:
            per_set.append(parts.get(True, 1.0) - max(0.0, ABSTENTION - parts.get(False, 1.0)))
    return float(np.mean(per_set)) if per_set else 0.0


def per_set(rows: list[dict], got: list[list[str]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r, g in zip(rows, got, strict=True):
        if r["relevant"]:
            out[r["set"]]["mrr5"].append(rr(r, g))
            out[r["set"]]["hit3"].append(float(any(c in r["relevant"] for c in g[:3])))
        else:
            out[r["set"]]["abstention"].append(float(not g))
    return {s: {k: float(np.mean(v)) for k, v in m.items()} for s, m in out.items()}


def folds(n: int, seed: int = 12) -> np.ndarray:
    return np.random.default_rng(seed).permutation(n) % FOLDS


def out_of_fold(rows: list[dict], lam: float, seed: int = 12) -> list[list[tuple[str, float]]]:
    """Every question's ranking by a card model fitted without its fold."""
    return ranked_by_group(rows, lam, folds(len(rows), seed))


def ranked_by_group(rows: list[dict], lam: float, groups: Sequence
                    ) -> list[list[tuple[str, float]]]:
    """Every question's ranking by a card model fitted without its group (a fold, a set)."""
    out: list[list[tuple[str, float]]] = [[] for _ in rows]
    for k in sorted(set(groups)):
        w = fit_cards([r for r, g in zip(rows, groups, strict=True) if g != k], lam)
        for i, g in enumerate(groups):
            if g == k:
                out[i] = ranking(rows[i], w)
    return out


def evidence(rows: list[dict], ranked_all: list[list[tuple[str, float]]]) -> list[np.ndarray]:
    """Every question's evidence for answering (the question model's features), from these
    rankings."""
    return [np.array(search_engine.query_features(r["pending"], r["cands"], ranked,
                                                  r["outside"]))
            for r, ranked in zip(rows, ranked_all, strict=True)]


def answer(r: dict, wq: np.ndarray, ans: float, fast: float) -> list[str]:
    """What the engine shows (see engine.begin and engine.decide)."""
    if r["lex"] and r["cov"] >= fast:
        return r["lex"]
    if not r["ranked"]:
        return []
    p = 1 / (1 + np.exp(-np.clip(float(r["QX"] @ wq), -30, 30)))
    if p < ans:
        return []
    best = r["ranked"][0][1]
    return [c for c, pr in r["ranked"] if pr >= fusion.SHOWN * best][:5]


def fit_questions(rows: list[dict], lam: float) -> np.ndarray:
    X = np.vstack([r["QX"] for r in rows])
    y = np.array([rr(r, [c for c, _p in r["ranked"]]) > 0 for r in rows], dtype=float)
    return fit(X, y, _weights(rows, [1] * len(rows)), lam)


def answered_by_group(rows: list[dict], lam: float, groups: Sequence) -> list[list[str]]:
    """What every question is shown when the question model, ANSWER and FAST are fitted
    without its group (a fold, a set), on the rankings and evidence the rows hold."""
    got: list[list[str]] = [[] for _ in rows]
    for k in sorted(set(groups)):
        train = [r for r, g in zip(rows, groups, strict=True) if g != k]
        wq = fit_questions(train, lam)
        ans, fast, _u = choose(train, wq)
        for i, g in enumerate(groups):
            if g == k:
                got[i] = answer(rows[i], wq, ans, fast)
    return got


def choose(rows: list[dict], wq: np.ndarray) -> tuple[float, float, float]:
    """(ANSWER, FAST, balanced utility) best on these rows (ties: the first found)."""
    best = (0.5, 1.01, -1.0)
    for fast in FASTS:
        for ans in ANSWERS:
            u = balanced(rows, [answer(r, wq, ans, fast) for r in rows])
            if u > best[2] + 1e-12:
                best = (ans, fast, u)
    return best


def thresholds(rows: list[dict], draws: list[Draw], lam: float
               ) -> tuple[float, float, float, list[list[list[str]]]]:
    """(ANSWER, FAST, utility, answers per draw): the pair whose answers are best on average
    over the draws of
    the folds, each question answered by a question model fitted without its fold (not the
    pair best on the questions the model was fitted on: that one follows their noise)."""
    grid = [(a, f) for f in FASTS for a in ANSWERS]
    totals = dict.fromkeys(grid, 0.0)
    answers: dict[tuple[float, float], list[list[list[str]]]] = {g: [] for g in grid}
    for draw in draws:
        seed = use(rows, draw)
        fold = folds(len(rows), seed=seed + 1)
        got = {g: [[] for _ in rows] for g in grid}
        for k in range(FOLDS):
            wq = fit_questions([r for r, f in zip(rows, fold, strict=True) if f != k], lam)
            for i, f in enumerate(fold):
                if f == k:
                    for g in grid:
                        got[g][i] = answer(rows[i], wq, g[0], g[1])
        for g in grid:
            totals[g] += balanced(rows, got[g]) / len(draws)
            answers[g].append(got[g])
    best = grid[0]
    for g in grid:  # ties: the first found (the lowest FAST, then the lowest ANSWER)
        if totals[g] > totals[best] + 1e-12:
            best = g
    return best[0], best[1], totals[best], answers[best]


Draw = tuple[int, list[list[tuple[str, float]]], list[np.ndarray]]  # seed, rankings, evidence


def use(rows: list[dict], draw: Draw) -> int:
    """Give every question a draw's out-of-fold ranking and evidence; returns its seed."""
    seed, ranked_all, qx = draw
    for r, ranked, x in zip(rows, ranked_all, qx, strict=True):
        r["ranked"], r["QX"] = ranked, x
    return seed


def _print_per_set(title: str, rows: list[dict], runs: list[list[list[str]]]) -> None:
    """Per set, the figures of these answers, averaged over the draws."""
    print(f"\ncross-validated figures per set ({title}):")
    figures = [per_set(rows, got) for got in runs]
    for name in sorted(figures[0]):
        m = {k: float(np.mean([f[name][k] for f in figures])) for k in figures[0][name]}
        print(f"  {name:28} " + " ".join(f"{k}={v:.3f}" for k, v in sorted(m.items())))


def new_writer(rows: list[dict], lam_c: float, lam_q: float) -> list[list[str]]:
    """Every question answered by the whole procedure fitted without its set (card model,
    question model, ANSWER and FAST): the figures of a set written by someone else, harsher
    than the folds', which mix every writer's questions in training and test."""
    sets = [r["set"] for r in rows]
    ranked_all = ranked_by_group(rows, lam_c, sets)
    use(rows, (0, ranked_all, evidence(rows, ranked_all)))
    return answered_by_group(rows, lam_q, sets)


def _mrr_by_set(rows: list[dict], ranked: list[list[tuple[str, float]]]) -> float:
    figures = per_set([r for r in rows if r["relevant"]],
                      [[c for c, _p in x] for r, x in zip(rows, ranked, strict=True)
                       if r["relevant"]])
    return float(np.mean([m["mrr5"] for m in figures.values()]))


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
    print(f"tuning sets: {', '.join(p.name for p in paths)} ({len(rows)} questions)")
    # 1. the card model (ranking); every figure is the mean over REPEATS draws of the folds
    card_scores = {}
    for lam in LAMBDAS:
        card_scores[lam] = float(np.mean([_mrr_by_set(rows, out_of_fold(rows, lam, seed))
                                          for seed in REPEATS]))
        print(f"  cards: L2 {lam:<6} cross-validated MRR@5 of the ranking "
              f"{card_scores[lam]:.3f}")
    lam_c = max(LAMBDAS, key=lambda x: (card_scores[x], x))
    # 2. the question model (answer or abstain), on out-of-fold rankings
    draws: list[Draw] = []
    for seed in REPEATS:
        ranked_all = out_of_fold(rows, lam_c, seed)
        draws.append((seed, ranked_all, evidence(rows, ranked_all)))
    scores: dict[float, float] = {}
    gots: dict[float, list[list[list[str]]]] = {}
    for lam in LAMBDAS:
        runs = []
        for draw in draws:
            seed = use(rows, draw)
            runs.append(answered_by_group(rows, lam, folds(len(rows), seed=seed + 1)))
        scores[lam] = float(np.mean([balanced(rows, got) for got in runs]))
        gots[lam] = runs
        print(f"  questions: L2 {lam:<6} cross-validated utility {scores[lam]:.3f}")
    lam_q = max(LAMBDAS, key=lambda x: (scores[x], x))
    _print_per_set(f"card L2 {lam_c}, question L2 {lam_q}; mean of {len(REPEATS)} draws of "
                   "the folds", rows, gots[lam_q])
    ans, fast, cv_u, cv_got = thresholds(rows, draws, lam_q)
    _print_per_set(f"with ANSWER {ans} and FAST {fast}, the constants below", rows, cv_got)
    unseen = new_writer(rows, lam_c, lam_q)
    _print_per_set("each set answered by the procedure fitted without it, as a new writer's "
                   f"set would be; utility {balanced(rows, unseen):.3f}", rows, [unseen])
    use(rows, draws[0])  # the final question model: on the first draw's out-of-fold rankings
    wc = fit_cards(rows, lam_c)
    wq = fit_questions(rows, lam_q)
    u = balanced(rows, [answer(r, wq, ans, fast) for r in rows])
    cos_best = max(COSINES, key=lambda c: (balanced(rows, [r["dense"] if r["top_cos"] >= c
                                                           else [] for r in rows]), -c))
    lexical = balanced(rows, [r["lex"] for r in rows])
    outside = float(np.percentile([r["outside"].asked for r in rows if r["relevant"]], 95))
    print(f"\nANSWER {ans} and FAST {fast}: cross-validated utility {cv_u:.3f}; utility on all "
          f"tuning questions {u:.3f} (the whole procedure cross-validated: "
          f"{scores[lam_q]:.3f}); the words alone: {lexical:.3f}\n")
    print("# --- set by scripts/eval_search.py --tune (see the README, \"Search\") ---")
    print("CARD_WEIGHTS = (" + ", ".join(f"{v:.4f}" for v in wc) + ")")
    print("QUERY_WEIGHTS = (" + ", ".join(f"{v:.4f}" for v in wq) + ")")
    print(f"ANSWER = {ans}")
    print(f"FAST = {fast}")
    print(f"COSINE = {cos_best}")
    print(f"OUTSIDE = {outside:.4f}")
    print(f"# card features: {', '.join(fusion.CARD_FEATURES)}")
    print(f"# question features: {', '.join(fusion.QUERY_FEATURES)}")
    return 0
