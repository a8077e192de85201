"""What a query means: its words, corrected when unknown, grouped into weighted concepts.

1. The query's words are folded; stop words of both languages are dropped.
2. A word neither the index nor the glossary knows is read without its diminutive when that
   gives a known word ("solito", "chiquita", "camioncito"), else corrected against the index
   vocabulary (`correct.py`); known words are never touched. An age ("de 15 años", "de
   quince años", "tiene setenta y cinco") stands for a minor or an older person; a count of
   people from CROWD ("como 300 personas", "se juntaron como quinientos") for a large group;
   a child with an adult ("viene con su tía") for an accompanied child whose link to the
   adult is to be checked; someone holding another's papers or speaking for them ("le quitó
   su pasaporte", "contesta por ella") for a sign of trafficking.
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
MINOR_AGE = 18           # an age typed below this is a minor's (the law's, not a tuned number)
OLDER_AGE = 60           # ... from this, an older person's (Mexico's law on older persons)
AGE_WORDS = frozenset({"anos", "ano", "anitos", "years", "year"})
AGE_BEFORE = frozenset({"de", "tiene", "tenia", "como", "unos", "unas", "aprox", "a", "an",
                        "aged", "is", "was"})
# Spanish diminutives, longest first: (ending, the endings its word may have) -- "solito" ->
# "solo", "pasaportito" -> "pasaporte", "chiquita" -> "chica", "amiguito" -> "amigo",
# "camioncito" -> "camion", "mujercita" -> "mujer"
DIMINUTIVES = (("quitos", ("cos",)), ("quitas", ("cas",)), ("guitos", ("gos",)),
               ("guitas", ("gas",)), ("citos", ("s", "es")), ("citas", ("s", "es")),
               ("quito", ("co",)), ("quita", ("ca",)), ("guito", ("go",)), ("guita", ("ga",)),
               ("cito", ("", "e")), ("cita", ("", "e")), ("itos", ("os", "es")),
               ("itas", ("as", "es")), ("ito", ("o", "e")), ("ita", ("a", "e")))
NUMBERS = {w: i for i, w in enumerate(
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
    "dieciseis diecisiete dieciocho diecinueve veinte".split())}
NUMBERS |= {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
NUMBERS |= {"un": 1, "una": 1, "veintiun": 21, "veintiuno": 21, "veintidos": 22,
            "veintitres": 23, "veinticuatro": 24, "veinticinco": 25}
TENS = {"treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
        "ochenta": 80, "noventa": 90, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
        "seventy": 70, "eighty": 80, "ninety": 90}
NUMBERS |= {"cien": 100, "ciento": 100, "doscientos": 200, "trescientos": 300,
            "cuatrocientos": 400, "quinientos": 500, "seiscientos": 600, "setecientos": 700,
            "ochocientos": 800, "novecientos": 900, "mil": 1000, "hundred": 100,
            "hundreds": 100, "thousand": 1000, "thousands": 1000, "cientos": 100,
            "miles": 1000}
CROWD = 50               # people counted from this many are a large group (a caravan's card)
PEOPLE = frozenset({"personas", "gente", "migrantes", "extranjeros", "familias", "adultos",
                    "people", "persons", "migrants", "foreigners", "families"})
GATHER = frozenset({"juntaron", "juntaban", "juntan", "llegaron", "llegan", "vienen", "venian",
                    "hay", "habia", "son", "eran", "arrived", "there", "are", "were"})
GROUP = frozenset({"grupo", "group", "fila", "line", "caravana", "caravan"})
# a child with someone: "viene con su tía", "una señora con su bebé", "with his grandma"
CHILDREN = frozenset({"nino", "nina", "ninos", "ninas", "menor", "menores", "bebe", "bebes",
                      "hijo", "hija", "hijos", "hijas", "chavo", "chava", "chavito", "chavita",
                      "morro", "morra", "morrito", "morrita", "chamaco", "chamaca", "nna",
                      "adolescente", "child", "children", "kid", "kids", "boy", "girl", "baby",
                      "son", "daughter", "minor", "teen", "teenager"})
ADULTS = frozenset({"mama", "papa", "madre", "padre", "padres", "papas", "tia", "tio", "tios",
                    "abuela", "abuelo", "abuelos", "abuelita", "abuelito", "hermana",
                    "hermano", "prima", "primo", "madrastra", "padrastro", "familiar",
                    "senora", "senor", "adulto", "adulta", "amiga", "amigo", "vecina", "vecino",
                    "mom", "mother", "dad", "father", "parents", "aunt", "uncle", "grandma",
                    "grandmother", "grandpa", "grandfather", "sister", "brother", "cousin",
                    "stepfather", "stepmother", "relative", "adult", "woman", "man", "friend",
                    "neighbor", "neighbour"})
WITH = frozenset({"con", "with"})
OWN = frozenset({"su", "sus", "un", "una", "el", "la", "his", "her", "their", "a", "an", "the"})
COMPANY = ("acompanado", "vinculo")  # the words of the card on a child with an adult
# someone else controls a person: "le quitó su pasaporte", "contesta por ella", "no la deja
# hablar", "he answers for her", "took her passport"
TOOK = frozenset({"quito", "quitaron", "quita", "quitan", "retiene", "retienen", "retuvo",
                  "recogio", "recogieron", "took", "takes", "keeps", "holds", "confiscated"})
HOLDS = frozenset({"trae", "traia", "tiene", "tenia", "guarda", "guardaba", "carga", "cargaba",
                   "has", "had", "carries"})
DOCUMENTS = frozenset({"pasaporte", "pasaportes", "papeles", "documentos", "identificacion",
                       "identificaciones", "passport", "passports", "papers", "documents"})
SPEAKS = frozenset({"contesta", "contestaba", "contesto", "responde", "respondia", "respondio",
                    "habla", "hablaba", "hablo", "answers", "answered", "speaks", "spoke",
                    "talks"})
FOR_HER = (("por", "ella"), ("por", "el"), ("for", "her"), ("for", "him"))
CONTROL = ("senales", "trata")  # the words of the card on signs of trafficking
DURATION = frozenset({"visa", "pasaporte", "permiso", "tarjeta", "vigencia", "validez",
                      "residencia", "condena", "hace", "llevo", "lleva", "desde", "for"})


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
    folded = _control(_company(_crowds(_ages(folded))))
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


def _number(folded: list[str], i: int) -> tuple[int, int] | None:
    """The number written at `i` (digits, or words: "quince", "setenta y cinco", "seventy
    five") and how many words it takes."""
    word = folded[i]
    if word.isdigit() and len(word) <= 5:
        return int(word), 1
    if word in NUMBERS:
        return NUMBERS[word], 1
    if word in TENS:
        rest = folded[i + 1:i + 3]
        if len(rest) == 2 and rest[0] == "y" and NUMBERS.get(rest[1], 10) < 10:
            return TENS[word] + NUMBERS[rest[1]], 3
        if rest and NUMBERS.get(rest[0], 10) < 10:
            return TENS[word] + NUMBERS[rest[0]], 2
        return TENS[word], 1
    return None


def _ages(folded: list[str]) -> list[str]:
    """An age ("de 15 años", "de quince años", "tiene setenta y cinco años", "a 15 year old")
    stands for who the person is: a minor under MINOR_AGE, an older person from OLDER_AGE;
    the number itself says nothing the cards use. Not after a word of a document or a stay
    ("visa de 10 años", "hace dos años")."""
    out: list[str] = []
    i = 0
    while i < len(folded):
        word = folded[i]
        number = _number(folded, i)
        before = folded[max(0, i - 3):i]
        if number is not None:
            age, taken = number
            following = folded[i + taken] if i + taken < len(folded) else ""
            if (following in AGE_WORDS and before and before[-1] in AGE_BEFORE
                    and not DURATION & set(before)):
                out.extend(("menor",) if age < MINOR_AGE else
                           ("adulto", "mayor") if age >= OLDER_AGE else ())
                i += taken + 1  # the number and "años"
                continue
        out.append(word)
        i += 1
    return out


def _crowds(folded: list[str]) -> list[str]:
    """A count of people from CROWD ("como 300 personas", "se juntaron como quinientos",
    "cientos de migrantes", "about 200 people") stands for a large group, the words of the
    glossary's caravan entry; not a count of anything else ("quinientos pesos")."""
    out: list[str] = []
    i = 0
    while i < len(folded):
        number = _number(folded, i)
        if number is not None and number[0] >= CROWD:
            taken = number[1]
            after = folded[i + taken:i + taken + 2]
            people = bool(after) and (after[0] in PEOPLE or after[:2] == ["de", "personas"]
                                      or (after[0] == "de" and after[1:] and after[1] in PEOPLE))
            before = set(folded[max(0, i - 3):i])
            gathered = bool(GROUP & before) or (bool(GATHER & before) and (
                not after or after[0] in {"de", "en", "mas", "o", "in", "at", "or"}))
            if people or gathered:
                out.extend(("grupo", "numeroso"))
                i += taken + (1 if after and after[0] in PEOPLE else 0)
                continue
        out.append(folded[i])
        i += 1
    return out


def _company(folded: list[str]) -> list[str]:
    """A child said to be with someone ("viene con su tía", "una señora con su bebé", "a kid
    with his grandma") is an accompanied child whose link to the adult is to be checked: the
    words of that card are added after the phrase (a child alone says "solo", a glossary
    term)."""
    if not CHILDREN & set(folded):
        return folded
    out: list[str] = []
    added = False
    for i, word in enumerate(folded):
        out.append(word)
        if added or word not in WITH:
            continue
        after = folded[i + 1:i + 3]
        if after and after[0] in OWN:
            after = after[1:]
        if after and (after[0] in ADULTS or after[0] in CHILDREN):
            out.extend(COMPANY)
            added = True
    return out


def _control(folded: list[str]) -> list[str]:
    """Someone else holding a person's documents or speaking for them ("le quitó su
    pasaporte", "él trae los papeles de ella", "contesta por ella", "no la deja hablar",
    "he answers for her") is a sign of trafficking: the words of that card are added (once)."""
    for i, word in enumerate(folded):
        ahead = folded[i + 1:i + 4]
        pair = tuple(folded[i + 1:i + 3])
        took = word in TOOK and bool(DOCUMENTS & set(ahead)) and (
            word not in {"took", "takes", "keeps", "holds"} or bool({"her", "his", "their"}
                                                                     & set(ahead)))
        holds = word in HOLDS and bool(DOCUMENTS & set(ahead)) and any(
            tuple(folded[j:j + 2]) in (("de", "ella"), ("de", "ellas"), ("de", "los"),
                                       ("de", "ambos"), ("de", "todos"))
            for j in range(i + 1, min(len(folded), i + 6)))
        speaks = word in SPEAKS and (pair in FOR_HER or (word != "habla" and ahead[:1] == ["todo"]))
        silenced = (word == "deja" or word == "dejaba") and folded[max(0, i - 2):i] in (
            ["no", "la"], ["no", "lo"], ["no", "los"], ["no", "las"]) and bool(
            {"hablar", "contestar", "responder", "sola", "solo"} & set(ahead[:2]))
        if took or holds or speaks or silenced:
            return [*folded[:i + 1], *CONTROL, *folded[i + 1:]]
    return folded


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
