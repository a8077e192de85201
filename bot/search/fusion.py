"""The fused engine's two learned decisions: which card answers best, and whether any does.

Ranking. For each candidate card (every lexical candidate in both languages, without any
coverage threshold, and the semantic layer's best cards) a few features say how the two
layers see it: its lexical score (absolute and relative to the best card's), its coverage of
the query's concepts and of the query's topical concepts, its lexical rank, its best passage
cosine, how far that cosine is below the best card's and above the mean of all cards', its
semantic rank, and whether both layers put it near the top. A logistic model (CARD_WEIGHTS)
turns them into the probability that the card answers the question; cards are ranked by it.

Answering. Whether to answer at all is decided once per question, by a second logistic model
(QUERY_WEIGHTS) over evidence that does not grow or shrink with the question's length: the
best card's probability and its lead over the second, the best card's coverage (of all the
concepts and of the topical ones), the best coverage of any card, the best cosine, its
z-score among all cards and its lead over the second, whether the officer typed a word rare
in the cards, the share of the question's
weight in words no card and no glossary entry knows (the mark of a question the cards do not
cover), the share of its concepts that are topical, whether the words alone (the lexical
engine's coverage threshold) answer with the best card, and how much closer the question is
to a subject the cards do not cover (`off_topic.yml`: pay and shifts, the office's printer,
customs duties, lost luggage, the weather) than to the best card, the share of its
weight in words describing those subjects (concepts in no card's title or keywords), and
how near it is to one of the everyday questions officers ask about them (`asked` in
`off_topic.yml`, compared question with question). The question is answered when that
probability reaches ANSWER.

A question that some card the words alone cover to FAST or more is answered by the words
alone, without waiting for the model.

CARD_WEIGHTS, QUERY_WEIGHTS, ANSWER, FAST, COSINE and OUTSIDE are not set by hand:
`scripts/eval_search.py --tune` fits them by cross-validation on the team's query sets (dev,
held-out, held-out 2, stories dev, officers dev 1 to 3) and prints them (never on the frozen
officers' set); the values below are its output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

CARD_FEATURES = ("lex", "cov", "topical_cov", "lex_rel", "lex_rr", "cos", "cos_gap", "cos_z",
                 "dense_rr", "both_top3", "bias")
QUERY_FEATURES = ("p1", "p_gap", "cov", "topical_cov", "max_cov", "cos1", "cos_z1", "cos_gap",
                  "rare", "unknown", "topical_share", "lex_answers", "off_topic", "off_words",
                  "asked", "bias")

# --- set by scripts/eval_search.py --tune (see the README, "Search") ---------------------
CARD_WEIGHTS = (2.1009, -0.7278, -0.3455, 2.8223, 2.2188, -5.5859, 37.7065, 0.6382, 0.2257,
                -0.1825, -0.5145)
QUERY_WEIGHTS = (-0.7309, 2.9383, 0.5600, 1.9042, -0.4481, 57.3969, 0.2435, -69.3762, 0.1964,
                 -4.7154, 0.2902, 0.4066, -53.2040, -2.5374, -64.8542, 4.8012)
ANSWER = 0.2    # probability that the question is answerable, needed to answer
FAST = 0.7       # lexical coverage from which the words alone answer (no embedding)
COSINE = 0.86    # best cosine the semantic layer alone needs to answer (its own column)
OUTSIDE = 0.8915  # a question left unanswered is told which subject the cards do not cover
#                   it looks like when its cosine with an everyday question asked about it
#                   is at least this (the 95th percentile over the answerable tuning questions)
# -------------------------------------------------------------------------------------------
SEMANTIC_CANDIDATES = 10   # best cards of the semantic layer added to the candidates
SHOWN = 0.1    # a card is shown beside the best one when its probability is this share of the
#                best's (a display choice: it changes no figure of the evaluation's rank 1)


def card_features(lex: float, lex_top: float, cov: float, topical_cov: float,
                  lex_rank: int | None, cos: float, top_cos: float, cos_z: float,
                  dense_rank: int | None) -> list[float]:
    """The feature vector of one candidate card (ranks start at 1; None: not ranked;
    `lex_top`: the best lexical score of any card; `cos_z`: how far its cosine stands above
    the mean of all cards', in standard deviations)."""
    lex_rr = 1.0 / lex_rank if lex_rank else 0.0
    dense_rr = 1.0 / dense_rank if dense_rank else 0.0
    both = 1.0 if (lex_rank and lex_rank <= 3 and dense_rank and dense_rank <= 3) else 0.0
    rel = lex / lex_top if lex_top > 0 else 0.0
    return [lex, cov, topical_cov, rel, lex_rr, cos, cos - top_cos, cos_z, dense_rr, both, 1.0]


def query_features(probs: Sequence[float], cov: float, topical_cov: float, max_cov: float,
                   cos: Sequence[float], cos_z1: float, rare: bool, unknown: float,
                   topical_share: float, lex_answers: bool, off_topic: float,
                   off_words: float, asked: float) -> list[float]:
    """The feature vector of a question: `probs` the ranked cards' probabilities, best first;
    `cov`, `topical_cov` the best card's coverages; `cos` the best cosines, best first;
    `lex_answers`: the words alone (coverage threshold) answer with the best card;
    `off_topic`: the question's best cosine with a subject the cards do not cover;
    `off_words`: the share of the question's weight in words describing those subjects;
    `asked`: its best cosine with a question officers ask about one of them."""
    p1 = probs[0] if probs else 0.0
    p2 = probs[1] if len(probs) > 1 else 0.0
    c1 = cos[0] if cos else 0.0
    c2 = cos[1] if len(cos) > 1 else c1
    return [p1, p1 - p2, cov, topical_cov, max_cov, c1, cos_z1, c1 - c2, float(rare), unknown,
            topical_share, float(lex_answers), off_topic - c1, off_words, asked, 1.0]


def probability(x: Sequence[float], weights: Sequence[float] = CARD_WEIGHTS) -> float:
    z = sum(w * v for w, v in zip(weights, x, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
