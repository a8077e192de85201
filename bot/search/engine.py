"""Which cards answer a query (see query.py for what the query means).

1. FTS5 (BM25, title and keywords weighted above summary and body) fetches candidates per
   language from the concepts' rarer alternatives.
2. Each candidate is scored by how much of the query it covers: the share of the concepts'
   weight it matches, a match in the title or keywords counting more than in the summary or
   body, a synonym or corrected word a little less than the typed word.
3. Cards whose coverage reaches THRESHOLD answer, the officer's language first; a card that
   only exists in the other language is offered, labelled, when it covers the query; when
   nothing covers it, nothing is returned ("nothing found"). Nothing is returned either when
   no concept of the query is topical (in some card's title or keywords): a question made only
   of words cards use in passing ("¿a qué hora es la junta?") is not one the cards answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from sqlite_utils import Database

from bot.search import fusion, semantic
from bot.search.analyze import LANGS, stem
from bot.search.context import Context, context
from bot.search.query import Concept, other, parse
from bot.store import search as store

log = logging.getLogger(__name__)

THRESHOLD = 0.37         # coverage a card needs to answer
RELATIVE = 0.7           # ... and at least this share of the best card's coverage or score
FIELD_FACTORS = {"title": 1.0, "keywords": 1.0, "summary": 0.8, "body": 0.6}
OTHER_LANGUAGE = 0.9     # a card shown in the other language ranks this much lower
BM25_SHARE = 0.3         # share of the final score given to BM25 (normalised per language)
MIN_PROSE = 3            # concepts a card must all match when none is in a title or keywords
MIN_RARE_PROSE = 2       # ... or this many when one of them is rare:
RARE = 0.02              # in at most this share of the documents
MIN_RARE = 2             # ... or this many
CANDIDATES = 20          # FTS5 candidates per language
COMMON = 0.03            # alternatives in more than this share of documents fetch nothing
MIN_COMMON = 100         # ... unless in at most this many documents
MAX_PHRASES = 12         # alternatives in the FTS5 query at most (the rarest)


@dataclass(frozen=True)
class Hit:
    card_id: str
    title: str
    lang: str
    score: float
    topic: str
    kind: str
    other_language: bool
    coverage: float = 0.0


@dataclass(frozen=True)
class SearchOutcome:
    hits: list[Hit]
    normalized: str
    corrections: dict[str, str] = field(default_factory=dict)
    answered: bool = False
    understood: tuple[str, ...] = ()   # what a long question was taken to mean (see explain)
    semantic: bool = False             # the semantic layer was consulted
    outside: str = ""   # unanswered, and near a subject the cards do not cover: its topic


def _expression(ctx: Context, concepts: list[Concept], lang: str) -> str:
    """FTS5 query fetching the candidates: the concepts' alternatives OR'ed, leaving out those
    in more than COMMON of the documents (they cannot tell cards apart, and they are what
    makes a query slow); when all are common, the two rarest, in titles and keywords only."""
    cap = max(COMMON * ctx.n[lang], MIN_COMMON)
    phrases = {p: ctx.phrase_df(p, lang) for c in concepts for p in c.alts[lang]}
    if not phrases:
        return ""
    ordered = sorted(phrases, key=lambda p: (phrases[p], p))
    rare = [p for p in ordered if phrases[p] <= cap][:MAX_PHRASES]
    if rare:
        return " OR ".join('"' + " ".join(p) + '"' for p in rare)
    common = " OR ".join('"' + " ".join(p) + '"' for p in ordered[:2])
    return "{title keywords} : (" + common + ")"


def _contains(text: str, phrase: tuple[str, ...]) -> bool:
    """Whether a space-separated stem string holds the phrase as consecutive stems."""
    return f" {' '.join(phrase)} " in f" {text} "


def needed_stems(concepts: list[Concept]) -> dict[str, set[str]]:
    """Every stem of every alternative, per language (to look up in candidates)."""
    return {lang: {s for c in concepts for p in c.alts[lang] for s in p} for lang in LANGS}


def _coverage(doc: dict, concepts: list[Concept], needed: dict[str, set[str]] | None = None
              ) -> tuple[float, int]:
    """(coverage, how many of the concepts the document matches with the very words typed:
    no synonym, correction or translation)."""
    needed = needed or needed_stems(concepts)
    wanted = needed[doc["lang"]]
    fields = [(factor, doc[f"{name}_t"]) for name, factor in FIELD_FACTORS.items()]
    best_field: dict[str, float] = {}
    for factor, text in reversed(fields):  # title last, so its factor wins
        for token in wanted.intersection(text.split()):
            best_field[token] = factor if best_field.get(token, 0.0) < factor else \
                best_field[token]
    total = matched = 0.0
    count = 0
    lang = doc["lang"]
    for concept in concepts:
        total += concept.weight
        best = 0.0
        direct = False
        for phrase, alt_factor in concept.alts[lang].items():
            if len(phrase) == 1:
                field_factor = best_field.get(phrase[0], 0.0)
            elif all(s in best_field for s in phrase):
                field_factor = next((f for f, text in fields if _contains(text, phrase)), 0.0)
            else:
                continue
            best = max(best, alt_factor * field_factor)
            direct = direct or (field_factor > 0 and alt_factor >= 1.0)
        matched += concept.weight * best
        count += direct
    return (matched / total if total else 0.0), count


def _has_rare(ctx: Context, concepts: list[Concept], lang: str) -> bool:
    """Whether some word the officer typed is rare in the cards (in at most RARE of them)."""
    cap = max(RARE * ctx.n[lang], MIN_RARE)
    return any(0 < ctx.phrase_df(p, lang) <= cap
               for c in concepts for p, f in c.alts[lang].items() if f >= 1.0)


def _score_language(db: Database, ctx: Context, concepts: list[Concept],
                    lang: str, solo: bool = False, strict: bool = True
                    ) -> list[tuple[dict, float, float]]:
    """(document, coverage, final score) of the candidates; when no concept of the query is
    topical, only documents that match every concept with the words typed, and at least
    MIN_PROSE of them (MIN_RARE_PROSE when one is rare): several of the officer's own words
    together in one card are evidence even when none of them is what a card is about
    ("compartir expedientes por chat", "perro de asistencia")."""
    expression = _expression(ctx, concepts, lang)
    if not expression:
        return []
    found = store.match(db, lang, expression, CANDIDATES, solo=solo)
    if not found:
        return []
    top = max(m.score for m in found) or 1.0
    bm25 = {m.doc_id: m.score / top for m in found}
    scored = []
    needed = needed_stems(concepts)
    prose = not any(c.topical for c in concepts)
    enough = MIN_PROSE if prose and not _has_rare(ctx, concepts, lang) else MIN_RARE_PROSE
    for doc in store.docs(db, list(bm25)):
        cov, count = _coverage(doc, concepts, needed)
        if strict and prose and (count < len(concepts) or count < enough):
            continue
        final = cov * (1 - BM25_SHARE) + BM25_SHARE * max(bm25[doc["id"]], 0.0)
        scored.append((doc, cov, final))
    return scored


def rank(db: Database, ctx: Context, concepts: list[Concept], lang: str,
         limit: int) -> list[Hit]:
    own = [(d, c, f) for d, c, f in _score_language(db, ctx, concepts, lang) if c >= THRESHOLD]
    # When the officer's language answers, only cards that exist solely in the other language
    # are added from it; otherwise any card of the other language may answer.
    foreign = [(d, c, f * OTHER_LANGUAGE)
               for d, c, f in _score_language(db, ctx, concepts, other(lang), solo=bool(own))
               if c >= THRESHOLD]
    merged = sorted(own + foreign, key=lambda t: (-t[2], t[0]["card_id"]))
    if not merged:
        return []
    best = max(c for _, c, _ in merged)
    best_final = max(f for _, _, f in merged)
    hits: list[Hit] = []
    seen: set[str] = set()
    for doc, cov, final in merged:
        if doc["card_id"] in seen or (cov < RELATIVE * best and final < RELATIVE * best_final):
            continue
        seen.add(doc["card_id"])
        hits.append(Hit(card_id=doc["card_id"], title=doc["title"], lang=doc["lang"],
                        score=round(final, 4), topic=doc["topic"], kind=doc["kind"],
                        other_language=doc["lang"] != lang, coverage=round(cov, 4)))
        if len(hits) >= limit:
            break
    return hits


EXPLAIN_WORDS = 6   # a question of this many content words gets "Entendí: ..." (a UI choice)
EXPLAIN_MAX = 4     # concepts named at most


@dataclass
class Pending:
    """A question the words alone do not answer with confidence: the semantic layer decides
    (`finish`, which reads only memory, so it may run on another thread than the store's)."""

    ctx: Context
    text: str
    lang: str
    limit: int
    concepts: list[Concept]
    normalized: str
    corrections: dict[str, str]
    lexical: dict[str, tuple[dict, float, float]]  # card -> (doc, coverage, score), all cards
    lexical_hits: list[Hit]


def _lexical_candidates(db: Database, ctx: Context, concepts: list[Concept], lang: str
                        ) -> dict[str, tuple[dict, float, float]]:
    """Every lexical candidate card, best translation (the other language a little lower),
    without the coverage threshold: evidence for the fusion, not an answer."""
    out: dict[str, tuple[dict, float, float]] = {}
    for x, factor in ((lang, 1.0), (other(lang), OTHER_LANGUAGE)):
        for doc, cov, final in _score_language(db, ctx, concepts, x, strict=False):
            key = doc["card_id"]
            if key not in out or final * factor > out[key][2]:
                out[key] = (doc, cov, final * factor)
    return out


def _label(ctx: Context, concept: Concept, lang: str) -> str:
    for e in concept.entries:
        terms = ctx.lexicon.entries[e].terms.get(lang) or ()
        if terms:
            return terms[0]
    return " ".join(concept.typed)


def explain(ctx: Context, concepts: list[Concept], doc: dict | None, lang: str) -> tuple[str, ...]:
    """What a long question was understood to be about: its concepts the answer matches (or,
    when it matched none by its words, the question's weightiest known concepts)."""
    if sum(len(c.typed) for c in concepts) < EXPLAIN_WORDS:
        return ()
    known = [c for c in concepts if any(c.alts[x] for x in LANGS) or c.domain]
    chosen = known
    if doc is not None:
        needed = needed_stems(concepts)
        matched = [c for c in known if _coverage(doc, [c], needed)[0] > 0]
        chosen = matched or known
    # the field's words (glossary terms, words of card titles) say best what it understood
    chosen = sorted(chosen, key=lambda c: (not (c.domain or c.topical), -c.weight))[:EXPLAIN_MAX]
    order = {id(c): i for i, c in enumerate(concepts)}
    labels = [_label(ctx, c, lang) for c in sorted(chosen, key=lambda c: order[id(c)])]
    return tuple(dict.fromkeys(labels))


def begin(db: Database, query: str, lang: str, limit: int = 5) -> SearchOutcome | Pending:
    """The lexical phase (on the store's thread): an answer when the words alone answer with
    confidence or the semantic layer is missing, else what `finish` needs."""
    lang = lang if lang in LANGS else "es"
    try:
        text = query if isinstance(query, str) else str(query or "")
        ctx = context(db)
        concepts, normalized, corrections = parse(ctx, text, lang)
        limit = max(1, min(int(limit), 50))
        hits = rank(db, ctx, concepts, lang, limit)
        confident = bool(hits) and max(h.coverage for h in hits) >= fusion.FAST
        if confident or not ctx.semantic or not normalized:
            top = _top_doc(db, ctx, concepts, lang, hits)
            return SearchOutcome(hits=hits, normalized=normalized, corrections=corrections,
                                 answered=bool(hits),
                                 understood=explain(ctx, concepts, top, lang) if hits else ())
        return Pending(ctx=ctx, text=text, lang=lang, limit=limit, concepts=concepts,
                       normalized=normalized, corrections=corrections,
                       lexical=_lexical_candidates(db, ctx, concepts, lang), lexical_hits=hits)
    except Exception:  # a query must never break the chat: log the failure, not the text
        log.exception("search failed (lang=%s)", lang)
        return SearchOutcome(hits=[], normalized="", corrections={}, answered=False)


def _top_doc(db: Database, ctx: Context, concepts: list[Concept], lang: str,
             hits: list[Hit]) -> dict | None:
    if not hits:
        return None
    docs = [d for d in store.card_docs(db, [hits[0].card_id]) if d["lang"] == hits[0].lang]
    return docs[0] if docs else None


def candidates(p: Pending, qvec: np.ndarray) -> list[tuple[str, list[float], float]]:
    """(card id, features, cosine) of every candidate card of a pending question (numpy over
    all cards, Python only over the few candidates): every lexical candidate, without the
    coverage threshold, and the semantic layer's best cards."""
    matrix = p.ctx.matrix
    assert matrix is not None
    cos = matrix.scores(qvec)
    n = len(cos)
    order = np.argsort(-cos, kind="stable")
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(1, n + 1)
    top_cos = float(cos[order[0]]) if n else 0.0
    mean, spread = (float(cos.mean()), float(cos.std()) + 1e-6) if n else (0.0, 1.0)
    lex_order = sorted(p.lexical, key=lambda c: (-p.lexical[c][2], c))
    lex_rank = {c: r + 1 for r, c in enumerate(lex_order)}
    lex_top = max((v[2] for v in p.lexical.values()), default=0.0)
    topical = [c for c in p.concepts if c.topical]
    needed = needed_stems(p.concepts)
    pool = list(dict.fromkeys(
        [*lex_order, *(matrix.cards[i] for i in order[:fusion.SEMANTIC_CANDIDATES])]))
    out = []
    for card in pool:
        doc, cov, final = p.lexical.get(card, (None, 0.0, 0.0))
        topical_cov = _coverage(doc, topical, needed)[0] if doc is not None and topical else 0.0
        i = matrix.index.get(card)
        c = float(cos[i]) if i is not None else mean
        rank = int(ranks[i]) if i is not None else None
        out.append((card, fusion.card_features(final, lex_top, cov, topical_cov,
                                               lex_rank.get(card), c, top_cos,
                                               (c - mean) / spread, rank), c))
    return out


def query_features(p: Pending, cands: list[tuple[str, list[float], float]],
                   ranked: list[tuple[str, float]], outside: semantic.Outside) -> list[float]:
    """The question's evidence for answering at all (see fusion.py), from its candidates,
    their ranking (card, probability), best first, and how near it is to the subjects the
    cards do not cover."""
    if not ranked:
        return fusion.query_features([], 0.0, 0.0, 0.0, [], 0.0, False, 0.0, 0.0, False,
                                     outside.cosine, _off_words(p), outside.asked)
    feats = {card: x for card, x, _c in cands}
    cos_of = {card: c for card, _x, c in cands}
    dense = sorted(cos_of, key=lambda c: (-cos_of[c], c))
    top = ranked[0][0]
    index = {name: i for i, name in enumerate(fusion.CARD_FEATURES)}
    total = sum(c.weight for c in p.concepts) or 1.0
    unknown = sum(c.weight for c in p.concepts
                  if not c.domain and not any(c.alts[x] for x in LANGS)) / total
    share = sum(1 for c in p.concepts if c.topical) / max(1, len(p.concepts))
    return fusion.query_features(
        [pr for _c, pr in ranked], feats[top][index["cov"]], feats[top][index["topical_cov"]],
        max((v[1] for v in p.lexical.values()), default=0.0), [cos_of[c] for c in dense[:2]],
        feats[dense[0]][index["cos_z"]] if dense else 0.0, _has_rare(p.ctx, p.concepts, p.lang),
        unknown, share,
        top in {h.card_id for h in p.lexical_hits}, outside.cosine, _off_words(p),
        outside.asked)


def _off_words(p: Pending) -> float:
    """The share of the question's weight in words describing a subject the cards do not cover
    (concepts in no card's title or keywords: "impresora", "quincena", "equipaje")."""
    stems = semantic.subject_stems(p.lang)
    total = sum(c.weight for c in p.concepts) or 1.0
    return sum(c.weight for c in p.concepts
               if not c.topical and any(stem(w, p.lang) in stems for w in c.typed)) / total


def rank_cards(cands: list[tuple[str, list[float], float]],
               weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """The candidates ranked by the fusion's probability that they answer, best first."""
    w = fusion.CARD_WEIGHTS if weights is None else weights
    scored = [(card, fusion.probability(x, w)) for card, x, _c in cands]
    return sorted(scored, key=lambda t: (-t[1], t[0]))


def decide(p: Pending, ranked: list[tuple[str, float]], answerable: float) -> list[str]:
    """The cards to show, best first: none when the question is not answerable enough (its
    probability below ANSWER), else the best card and those close enough to it (SHOWN)."""
    if not ranked or answerable < fusion.ANSWER:
        return []
    best = ranked[0][1]
    return [card for card, pr in ranked if pr >= fusion.SHOWN * best][:p.limit]


def concept_words(concepts: list[Concept]) -> str:
    """The words a question was understood by, in order (stop words dropped, corrections
    made)."""
    return " ".join(w for c in concepts for w in c.typed)


def question_vector(text: str, concepts: list[Concept], normalized: str) -> np.ndarray | None:
    """The question's vector: its whole text's, plus that of the words it was understood by
    (its concepts, as typed or corrected, without the stop words), renormalised. A story's
    many words of circumstance blur the first; the second keeps what it is about."""
    vec = semantic.embed_query(text)
    words = concept_words(concepts)
    if vec is None or not words or words == normalized:
        return vec
    other = semantic.embed_query(words)
    if other is None:
        return vec
    both = vec + other
    return both / (float(np.linalg.norm(both)) or 1.0)


def finish(p: Pending, qvec: np.ndarray | None = None) -> SearchOutcome:
    """The semantic phase: embed the question, rank both layers' candidates, answer or
    abstain."""
    try:
        if qvec is None:
            qvec = question_vector(p.text, p.concepts, p.normalized)
        if qvec is None:
            return SearchOutcome(hits=p.lexical_hits, normalized=p.normalized,
                                 corrections=p.corrections, answered=bool(p.lexical_hits))
        cands = candidates(p, qvec)
        ranked = rank_cards(cands)
        outside = semantic.off_topic(qvec)
        answerable = fusion.probability(query_features(p, cands, ranked, outside),
                                        fusion.QUERY_WEIGHTS)
        chosen = decide(p, ranked, answerable)
        hits = [h for h in (_hit(p, card) for card in chosen) if h is not None]
        top = p.lexical.get(hits[0].card_id, (None,))[0] if hits else None
        # nothing found, and near a question asked about a subject the cards do not
        # cover: say where to ask
        near = outside.asked >= fusion.OUTSIDE
        return SearchOutcome(hits=hits, normalized=p.normalized, corrections=p.corrections,
                             answered=bool(hits), semantic=True,
                             understood=explain(p.ctx, p.concepts, top, p.lang) if hits else (),
                             outside=outside.topic if near and not hits else "")
    except Exception:
        log.exception("search failed (lang=%s)", p.lang)
        return SearchOutcome(hits=p.lexical_hits, normalized=p.normalized,
                             corrections=p.corrections, answered=bool(p.lexical_hits))


def _hit(p: Pending, card: str) -> Hit | None:
    titles = p.ctx.cards.get(card)
    if not titles:
        return None
    lang = p.lang if p.lang in titles else next(iter(titles))
    title, topic, kind = titles[lang]
    _doc, cov, final = p.lexical.get(card, (None, 0.0, 0.0))
    return Hit(card_id=card, title=title, lang=lang, score=round(final, 4), topic=topic,
               kind=kind, other_language=lang != p.lang, coverage=round(cov, 4))


def search(db: Database, query: str, lang: str, limit: int = 5) -> SearchOutcome:
    """The cards that answer `query` for an officer who reads `lang`; never raises. Blocks
    while the semantic layer embeds the question: the bot calls `search_async`."""
    first = begin(db, query, lang, limit)
    return first if isinstance(first, SearchOutcome) else finish(first)


_model_executor: ThreadPoolExecutor | None = None


async def search_async(run: Callable[..., Awaitable[SearchOutcome | Pending]], query: str,
                       lang: str, limit: int = 5) -> SearchOutcome:
    """`search` for the bot: the lexical phase through `run` (the store's worker thread, e.g.
    `Store.run`), the question's embedding on a thread of its own, so neither the event loop
    nor other officers' lexical searches wait for the model."""
    first = await run(begin, query, lang, limit)
    if isinstance(first, SearchOutcome):
        return first
    return await asyncio.get_running_loop().run_in_executor(_semantic_thread(), finish, first)


def _semantic_thread() -> ThreadPoolExecutor:
    global _model_executor
    if _model_executor is None:
        _model_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semantic")
    return _model_executor


def _warm_semantic(ctx: Context) -> None:
    if ctx.matrix is not None:
        semantic.subject_vectors()  # loads the model too
        semantic.asked_vectors()


async def warm_async(run: Callable[..., Awaitable[Context]]) -> None:
    """Load what the first searches need, off the event loop: the index's context through
    `run` (the store's thread), then, when the cards have passage vectors, the vectors and
    the model on the semantic thread (the bot calls this at start-up, so the first officer
    who needs the semantic layer does not wait for them)."""
    ctx = await run(context)
    if ctx.semantic:
        await asyncio.get_running_loop().run_in_executor(_semantic_thread(), _warm_semantic,
                                                         ctx)
