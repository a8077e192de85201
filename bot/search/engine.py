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

import logging
from dataclasses import dataclass, field

from sqlite_utils import Database

from bot.search.analyze import LANGS
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


def coverage(doc: dict, concepts: list[Concept], needed: dict[str, set[str]] | None = None
             ) -> float:
    """Share of the query's weight that the document matches (0..1)."""
    return _coverage(doc, concepts, needed)[0]


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
                    lang: str, solo: bool = False) -> list[tuple[dict, float, float]]:
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
    top = max(score for _, score in found) or 1.0
    bm25 = {doc_id: score / top for doc_id, score in found}
    scored = []
    needed = needed_stems(concepts)
    prose = not any(c.topical for c in concepts)
    enough = MIN_PROSE if prose and not _has_rare(ctx, concepts, lang) else MIN_RARE_PROSE
    for doc in store.docs(db, list(bm25)):
        cov, count = _coverage(doc, concepts, needed)
        if prose and (count < len(concepts) or count < enough):
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


def search(db: Database, query: str, lang: str, limit: int = 5) -> SearchOutcome:
    """The cards that answer `query` for an officer who reads `lang`; never raises."""
    lang = lang if lang in LANGS else "es"
    try:
        text = query if isinstance(query, str) else str(query or "")
        ctx = context(db)
        concepts, normalized, corrections = parse(ctx, text, lang)
        hits = rank(db, ctx, concepts, lang, max(1, min(int(limit), 50)))
        return SearchOutcome(hits=hits, normalized=normalized, corrections=corrections,
                             answered=bool(hits))
    except Exception:  # a query must never break the chat: log the failure, not the text
        log.exception("search failed (lang=%s)", lang)
        return SearchOutcome(hits=[], normalized="", corrections={}, answered=False)
