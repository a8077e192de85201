"""The fused ranking: a learned combination of the lexical and the semantic evidence.

For each candidate card (the lexical candidates in both languages, and the semantic layer's
best cards) a few features say how the two layers see it: its lexical score and coverage, its
lexical rank, whether the words alone answer with it, its best passage cosine, how far that
cosine is below the best card's and above the mean of all cards', its semantic rank, and
whether both layers put it near the top. A logistic model turns them into the probability
that the card answers the question. Cards are ranked by that probability, and the question is
answered when the best card's probability reaches ANSWER: the decision to say "nothing found"
rests on how much the two layers agree on a card, not on how long the question is. A question
whose best card the words alone cover to FAST or more is answered by the words alone, without
waiting for the model.

WEIGHTS, ANSWER, FAST and COSINE are not set by hand: `scripts/eval_search.py --tune` fits
them by cross-validation on the team's query sets (dev, held-out, held-out 2, stories dev) and
prints them (never on the frozen officers' set); the values below are its output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

FEATURES = ("lex", "cov", "lex_rr", "lex_hit", "cos", "cos_gap", "cos_z", "dense_rr",
            "both_top3", "bias")

# --- set by scripts/eval_search.py --tune (see the README, "Search") ---------------------
WEIGHTS = (4.1840, -1.2575, 2.0265, 0.9817, 2.2302, 32.5253, 0.5122, 0.3139, -0.3259, -6.5858)
ANSWER = 0.75    # probability the best card needs to answer
FAST = 0.9       # lexical coverage from which the words alone answer (no embedding)
COSINE = 0.87   # best cosine the semantic layer alone needs to answer (its own column)
# -------------------------------------------------------------------------------------------
SEMANTIC_CANDIDATES = 10   # best cards of the semantic layer added to the candidates


def features(lex: float, cov: float, lex_rank: int | None, lex_hit: bool, cos: float,
             top_cos: float, cos_z: float, dense_rank: int | None) -> list[float]:
    """The feature vector of one candidate card (ranks start at 1; None: not ranked;
    `lex_hit`: the words alone answer with this card; `cos_z`: how far its cosine stands
    above the mean of all cards', in standard deviations)."""
    lex_rr = 1.0 / lex_rank if lex_rank else 0.0
    dense_rr = 1.0 / dense_rank if dense_rank else 0.0
    both = 1.0 if (lex_rank and lex_rank <= 3 and dense_rank and dense_rank <= 3) else 0.0
    return [lex, cov, lex_rr, float(lex_hit), cos, cos - top_cos, cos_z, dense_rr, both, 1.0]


def probability(x: Sequence[float], weights: Sequence[float] = WEIGHTS) -> float:
    z = sum(w * v for w, v in zip(weights, x, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
