"""What a query means and which cards answer it.

1. The query's words are folded; stop words of both languages are dropped.
2. A word neither the index nor the glossary knows is corrected against the index
   vocabulary (`correct.py`); known words are never touched.
3. Glossary terms in the query (longest first, either language) become one concept each, with
   every term of their entry as alternatives in both languages; other words are concepts of
   their own (their stem in the officer's language, and in the other one when it exists).
4. FTS5 (BM25, title and keywords weighted above summary and body) fetches candidates per
   language; each candidate is scored by how much of the query it covers: the share of the
   concepts' weight (IDF) it matches, a match in the title or keywords counting more than in
   the summary or body, a synonym or corrected word a little less than the typed word.
5. Cards whose coverage reaches THRESHOLD answer, the officer's language first; a card that
   only exists in the other language is offered, labelled, when it covers the query; when
   nothing covers it, nothing is returned ("nothing found").
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlite_utils import Database

from bot.search.analyze import LANGS, stem, stop_words, words
from bot.search.correct import Corrector
from bot.search.glossary import Entry, base_entries
from bot.store import search as store

log = logging.getLogger(__name__)

THRESHOLD = 0.37         # coverage a card needs to answer
RELATIVE = 0.7            # ... and at least this share of the best card's coverage
FIELD_FACTORS = {"title": 1.0, "keywords": 1.0, "summary": 0.8, "body": 0.6}
SYNONYM = 0.9            # a glossary alternative counts this much of the typed word
CORRECTED = (0.9, 0.8, 0.6)  # a corrected word counts this much: sound-alike, 1 edit, 2 edits
COGNATE = 0.9            # a typed word found as is in the other language's cards
OTHER_LANGUAGE = 0.9     # a card shown in the other language ranks this much lower
BM25_SHARE = 0.3         # share of the final score given to BM25 (normalised per language)
BODY_ONLY = 0.4          # weight of a word cards only use in their body
UNKNOWN = 0.6            # weight (times the highest IDF) of a word no card or glossary knows
CANDIDATES = 20          # FTS5 candidates per language
COMMON = 0.03            # alternatives in more than this share of documents fetch nothing
MIN_COMMON = 100         # ... unless in at most this many documents
MAX_PHRASES = 12         # alternatives in the FTS5 query at most (the rarest)
MAX_WORDS = 24           # content words of a query considered
MAX_CORRECTIONS = 6      # unknown words corrected per query
MAX_CHARS = 4096         # characters of a query considered


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


@dataclass
class Concept:
    typed: tuple[str, ...]
    alts: dict[str, dict[tuple[str, ...], float]]
    weight: float = 0.0


class Lexicon:
    """The glossary compiled for matching: analysed phrases -> entries."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.phrases: dict[str, dict[tuple[str, ...], set[int]]] = {lang: {} for lang in LANGS}
        self.entry_phrases: list[dict[str, list[tuple[str, ...]]]] = []
        self.words: dict[str, set[str]] = {lang: set() for lang in LANGS}
        self.stems: dict[str, set[str]] = {lang: set() for lang in LANGS}
        self.longest = 1
        for i, entry in enumerate(entries):
            compiled = {}
            for lang in LANGS:
                phrases = entry.phrases(lang)
                compiled[lang] = phrases
                stops = stop_words(lang)
                for term in entry.terms.get(lang, ()):
                    self.words[lang].update(w for w in words(term) if w not in stops)
                for p in phrases:
                    self.stems[lang].update(p)
                    self.phrases[lang].setdefault(p, set()).add(i)
                    self.longest = max(self.longest, len(p))
            self.entry_phrases.append(compiled)


class Context:
    """What search keeps in memory for one index version: vocabulary, glossary, correctors."""

    def __init__(self, db: Database, index_id: str) -> None:
        self.index_id = index_id
        terms, vocab, counts = store.vocabulary(db)
        self.df: dict[str, dict[str, int]] = {lang: {} for lang in LANGS}
        self.head: dict[str, set[str]] = {lang: set() for lang in LANGS}
        for lang, term, df, head_df in terms:
            if lang in self.df:
                self.df[lang][term] = df
                if head_df:
                    self.head[lang].add(term)
        self.n = {lang: counts.get(lang, 0) for lang in LANGS}
        stored = [Entry(terms={k: tuple(v) for k, v in r["terms"].items()},
                        source=r["source"], line=r["line"]) for r in store.glossary_rows(db)]
        self.lexicon = Lexicon([*base_entries(), *stored])
        self._vocab: dict[str, list[tuple[str, int]]] = {lang: [] for lang in LANGS}
        for lang, word, _stem, df in vocab:
            if lang in self._vocab:
                self._vocab[lang].append((word, df))
        self._correctors: dict[str, Corrector] = {}
        self.stops = stop_words("es") | stop_words("en")

    def known(self, word: str) -> bool:
        lex = self.lexicon
        return any(word in lex.words[lang] or stem(word, lang) in self.df[lang]
                   or stem(word, lang) in lex.stems[lang] for lang in LANGS)

    def corrector(self, lang: str) -> Corrector:
        if lang not in self._correctors:
            choices = list(self._vocab[lang])
            choices.extend((w, 1) for w in self.lexicon.words[lang])
            self._correctors[lang] = Corrector(choices, sounds=lang == "es")
        return self._correctors[lang]

    def idf(self, df: int, lang: str) -> float:
        n = max(self.n[lang], 1)
        df = min(df, n)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def phrase_df(self, phrase: tuple[str, ...], lang: str) -> int:
        table = self.df[lang]
        return min((table.get(s, 0) for s in phrase), default=0)


_cache: OrderedDict[int, Context] = OrderedDict()  # a few databases at most (tests open many)
_CACHE_SIZE = 8
_lock = threading.Lock()


def context(db: Database) -> Context:
    """The in-memory context for `db`'s current index (rebuilt when the index changes)."""
    current = store.index_id(db)
    key = id(db.conn)
    ctx = _cache.get(key)
    if ctx is None or ctx.index_id != current:
        with _lock:
            ctx = _cache.get(key)
            if ctx is None or ctx.index_id != current:
                ctx = Context(db, current)
                _cache[key] = ctx
                _cache.move_to_end(key)
                while len(_cache) > _CACHE_SIZE:
                    _cache.popitem(last=False)
    return ctx


def other(lang: str) -> str:
    return "en" if lang == "es" else "es"


def parse(ctx: Context, text: str, lang: str) -> tuple[list[Concept], str, dict[str, str]]:
    """The query's concepts, its normalised text and the corrections made."""
    folded = words(text[:MAX_CHARS])
    normalized = " ".join(folded)[:200]
    typed: list[tuple[str, float]] = []
    corrections: dict[str, str] = {}
    budget = MAX_CORRECTIONS
    for word in folded:
        if len(typed) >= MAX_WORDS:
            break
        if word in ctx.stops:
            continue
        if ctx.known(word):
            typed.append((word, 1.0))
            continue
        if len(word) <= 2 or word.isdigit():
            continue  # texting noise ("d", "x") and numbers nobody indexed
        fixed = None
        if budget > 0:
            budget -= 1
            fixed = (ctx.corrector(lang).closest(word)
                     or ctx.corrector(other(lang)).closest(word))
        if fixed:
            corrections[word] = fixed[0]
            typed.append((fixed[0], CORRECTED[min(fixed[1], 2)]))
        else:
            typed.append((word, 1.0))
    return _concepts(ctx, typed, lang), normalized, corrections


def _glossary_span(ctx: Context, ws: list[str], i: int) -> tuple[int, set[int]]:
    lex = ctx.lexicon
    for n in range(min(lex.longest, len(ws) - i), 0, -1):
        found: set[int] = set()
        for lang in LANGS:
            phrase = tuple(stem(w, lang) for w in ws[i:i + n])
            found |= lex.phrases[lang].get(phrase, set())
        if found:
            return n, found
    return 0, set()


def _concepts(ctx: Context, typed: list[tuple[str, float]], lang: str) -> list[Concept]:
    ws = [w for w, _ in typed]
    concepts = []
    i = 0
    while i < len(ws):
        n, entries = _glossary_span(ctx, ws, i)
        n = max(n, 1)
        span = ws[i:i + n]
        factor = min(f for _, f in typed[i:i + n])
        alts: dict[str, dict[tuple[str, ...], float]] = {x: {} for x in LANGS}
        for x in LANGS:
            own = tuple(stem(w, x) for w in span)
            if all(s in ctx.df[x] for s in own):
                alts[x][own] = factor * (1.0 if x == lang else COGNATE)
            for e in sorted(entries):
                for p in ctx.lexicon.entry_phrases[e][x]:
                    if p not in alts[x] and ctx.phrase_df(p, x) > 0:
                        alts[x][p] = factor * SYNONYM
        concept = Concept(typed=tuple(span), alts=alts)
        concept.weight = _weight(ctx, concept, span, lang)
        concepts.append(concept)
        i += n
    return concepts


def _weight(ctx: Context, concept: Concept, span: list[str], lang: str) -> float:
    """IDF of what the officer typed (or of its most common alternative); a word that cards
    only use in body prose (never in a title, keywords or summary) weighs less: in a question
    it is usually phrasing, not the topic. A word no card knows weighs the most."""
    topical = any(s in ctx.head[x] for x in LANGS for p in concept.alts[x] for s in p)
    factor = 1.0 if topical else BODY_ONLY
    for x in (lang, other(lang)):
        own = tuple(stem(w, x) for w in span)
        if own in concept.alts[x]:
            return factor * ctx.idf(ctx.phrase_df(own, x), x)
    for x in (lang, other(lang)):
        if concept.alts[x]:
            return factor * ctx.idf(max(ctx.phrase_df(p, x) for p in concept.alts[x]), x)
    return UNKNOWN * ctx.idf(0, lang)


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
    needed = needed or needed_stems(concepts)
    wanted = needed[doc["lang"]]
    fields = [(factor, doc[f"{name}_t"]) for name, factor in FIELD_FACTORS.items()]
    best_field: dict[str, float] = {}
    for factor, text in reversed(fields):  # title last, so its factor wins
        for token in wanted.intersection(text.split()):
            best_field[token] = factor if best_field.get(token, 0.0) < factor else \
                best_field[token]
    total = matched = 0.0
    lang = doc["lang"]
    for concept in concepts:
        total += concept.weight
        best = 0.0
        for phrase, alt_factor in concept.alts[lang].items():
            if alt_factor <= best:
                continue
            if len(phrase) == 1:
                best = max(best, alt_factor * best_field.get(phrase[0], 0.0))
            elif all(s in best_field for s in phrase):
                for field_factor, text in fields:
                    if field_factor * alt_factor > best and _contains(text, phrase):
                        best = field_factor * alt_factor
        matched += concept.weight * best
    return matched / total if total else 0.0


def _score_language(db: Database, ctx: Context, concepts: list[Concept],
                    lang: str, solo: bool = False) -> list[tuple[dict, float, float]]:
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
    for doc in store.docs(db, list(bm25)):
        cov = coverage(doc, concepts, needed)
        final = cov * (1 - BM25_SHARE) + BM25_SHARE * max(bm25[doc["id"]], 0.0)
        scored.append((doc, cov, final))
    return scored


def rank(db: Database, ctx: Context, concepts: list[Concept], lang: str,
         limit: int) -> list[Hit]:
    if not concepts or not any(c.alts[x] for c in concepts for x in LANGS):
        return []
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
    hits: list[Hit] = []
    seen: set[str] = set()
    for doc, cov, final in merged:
        if doc["card_id"] in seen or cov < RELATIVE * best:
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
