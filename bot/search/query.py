"""What a query means: its words, corrected when unknown, grouped into weighted concepts.

1. The query's words are folded; stop words of both languages are dropped.
2. A word neither the index nor the glossary knows is read without its diminutive when that
   gives a known word ("solito", "chiquita", "camioncito"), else corrected against the index
   vocabulary (`correct.py`); known words are never touched. Before that, situations told in
   words get the words of the cards that deal with them (`situations.py`: an age is a minor
   or an older person, a count of people a large group, a child with an adult an
   accompanied child, someone holding another's papers a sign of trafficking).
3. Glossary terms in the query (longest first, either language) become one concept each, with
   every term of their entry as alternatives in both languages; other words are concepts of
   their own (their stem in the officer's language, and in the other one when it exists).
4. Each concept weighs its IDF: less when it is neither topical (no card has it in its title
   or keywords) nor a glossary term (the field's vocabulary): phrasing, not topic; the most
   for a word no card and no glossary entry knows (the mark of a question the cards do not
   cover); little for a glossary term no card uses (a word of the field, not another topic).
   A word whose stem only collides with a card word's ("estacionamiento" and "estación")
   counts as a word the cards do not know.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.search import situations
from bot.search.analyze import LANGS, stem, words
from bot.search.context import Context

SYNONYM = 0.9            # a glossary alternative counts this much of the typed word
CORRECTED = (0.9, 0.8, 0.6)  # a corrected word counts this much: sound-alike, 1 edit, 2 edits
COGNATE = 0.9            # a typed word found as is in the other language's cards
BODY_ONLY = 0.4          # weight of a concept in no card's title or keywords
UNKNOWN = 0.6            # weight (times the highest IDF) of a word no card or glossary knows
COLLISION = 0.0          # factor of a word whose stem only collides with a card word's
GLOSSARY_ONLY = 0.15      # weight (times the highest IDF) of a glossary term no card uses
MAX_WORDS = 24           # content words of a query considered
MAX_CORRECTIONS = 6      # unknown words corrected per query
MAX_CHARS = 4096         # characters of a query considered
# Spanish diminutives, longest first: (ending, the endings its word may have) -- "solito" ->
# "solo", "pasaportito" -> "pasaporte", "chiquita" -> "chica", "amiguito" -> "amigo",
# "camioncito" -> "camion", "mujercita" -> "mujer"
DIMINUTIVES = (("quitos", ("cos",)), ("quitas", ("cas",)), ("guitos", ("gos",)),
               ("guitas", ("gas",)), ("citos", ("s", "es")), ("citas", ("s", "es")),
               ("quito", ("co",)), ("quita", ("ca",)), ("guito", ("go",)), ("guita", ("ga",)),
               ("cito", ("", "e")), ("cita", ("", "e")), ("itos", ("os", "es")),
               ("itas", ("as", "es")), ("ito", ("o", "e")), ("ita", ("a", "e")))


@dataclass
class Concept:
    typed: tuple[str, ...]
    alts: dict[str, dict[tuple[str, ...], float]]
    weight: float = 0.0
    topical: bool = False  # some alternative is in a card's title or keywords
    domain: bool = False   # a glossary term: a word of the field, even where no card uses it
    entries: tuple[int, ...] = ()  # the glossary entries it is a term of


def other(lang: str) -> str:
    return "en" if lang == "es" else "es"


def parse(ctx: Context, text: str, lang: str) -> tuple[list[Concept], str, dict[str, str]]:
    """The query's concepts, its normalised text and the corrections made."""
    folded = words(text[:MAX_CHARS])
    normalized = " ".join(folded)[:200]
    folded = situations.read(folded)
    typed: list[tuple[str, float]] = []
    corrections: dict[str, str] = {}
    budget = MAX_CORRECTIONS
    for word in folded:
        if len(typed) >= MAX_WORDS:
            break
        if ctx.is_stop(word):
            continue
        if ctx.collides(word):
            typed.append((word, COLLISION))
            continue
        if ctx.known(word):
            typed.append((word, 1.0))
            continue
        if len(word) <= 2 or word.isdigit():
            continue  # texting noise ("d", "x") and numbers nobody indexed
        base = _without_diminutive(ctx, word)
        if base:
            typed.append((base, 1.0))
            continue
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


def _without_diminutive(ctx: Context, word: str) -> str | None:
    """The known word a diminutive is made from ("solito" -> "solo"), or None: a word the
    cards or the glossary spell so, else one whose stem they know."""
    for ending, bases in DIMINUTIVES:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            options = [word[:-len(ending)] + base for base in bases]
            options = [w for w in options if ctx.known(w) and not ctx.is_stop(w)]
            return next((w for w in options if ctx.spelt(w)), options[0] if options else None)
    return None


def _glossary_span(ctx: Context, ws: list[str], i: int) -> tuple[int, set[int]]:
    lex = ctx.lexicon
    for n in range(min(lex.longest, len(ws) - i), 0, -1):
        exact = set().union(*(lex.exact[x].get(tuple(ws[i:i + n]), set()) for x in LANGS))
        if exact:  # the very words of a term: that entry, not one sharing only the stem
            return n, exact
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
            if factor and all(s in ctx.df[x] for s in own):
                alts[x][own] = factor * (1.0 if x == lang else COGNATE)
            for e in sorted(entries):
                for p in ctx.lexicon.entry_phrases[e][x]:
                    if p not in alts[x] and ctx.phrase_df(p, x) > 0:
                        alts[x][p] = factor * SYNONYM
        concept = Concept(typed=tuple(span), alts=alts, domain=bool(entries),
                          entries=tuple(sorted(entries)))
        concept.topical = any(s in ctx.head[x] for x in LANGS for p in alts[x] for s in p)
        concept.weight = _weight(ctx, concept, span, lang)
        concepts.append(concept)
        i += n
    return concepts


def _weight(ctx: Context, concept: Concept, span: list[str], lang: str) -> float:
    """IDF of what the officer typed (or of its most common alternative); a concept that is
    neither topical (in no card's title or keywords) nor a glossary term weighs less: in a
    question it is usually phrasing, not the topic. A word no card knows weighs the most,
    unless the glossary knows it."""
    factor = 1.0 if concept.topical or concept.domain else BODY_ONLY
    for x in (lang, other(lang)):
        own = tuple(stem(w, x) for w in span)
        if own in concept.alts[x]:
            return factor * ctx.idf(ctx.phrase_df(own, x), x)
    for x in (lang, other(lang)):
        if concept.alts[x]:
            return factor * ctx.idf(max(ctx.phrase_df(p, x) for p in concept.alts[x]), x)
    if concept.domain:
        return GLOSSARY_ONLY * ctx.idf(0, lang)  # the field's word, not a foreign topic
    return UNKNOWN * ctx.idf(0, lang)
