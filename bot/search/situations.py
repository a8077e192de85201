"""Situations read from a question's words, before its concepts are formed.

An officer often tells a situation rather than naming it. A few shapes of it are read here,
each into the words of the cards (or the glossary) that deal with it, added to the folded
words of the question:

- an age ("de 15 años", "de quince años", "tiene setenta y cinco", "a 15 year old") stands
  for a minor (under 18) or an older person (60 or more, as in Mexico's law on older persons),
  not after a document or a stay ("visa de 10 años", "hace dos años");
- a count of people from CROWD ("llegaron como 300 personas", "se juntaron como quinientos")
  for a large group, the glossary's caravan entry; money is left alone ("quinientos pesos");
- a child said to be with someone ("viene con su tía", "una señora con su bebé", "a kid with
  his grandma") for an accompanied child whose link to the adult is to be checked;
- someone holding another person's papers or speaking for them ("le quitó su pasaporte",
  "él trae los papeles de ella", "contesta por ella", "no la deja hablar", "he answers for
  her") for a sign of trafficking.

The word lists are the field's everyday language, not any card's wording; each rule was
kept only when the cross-validated figures of `scripts/eval_search.py --tune` did not fall.
"""

from __future__ import annotations

MINOR_AGE = 18           # an age typed below this is a minor's (the law's, not a tuned number)
OLDER_AGE = 60           # ... from this, an older person's (Mexico's law on older persons)
AGE_WORDS = frozenset({"anos", "ano", "anitos", "years", "year"})
AGE_BEFORE = frozenset({"de", "tiene", "tenia", "como", "unos", "unas", "aprox", "a", "an",
                        "aged", "is", "was"})
# ... not after a document or a stay ("visa de 10 años", "hace dos años")
DURATION = frozenset({"visa", "pasaporte", "permiso", "tarjeta", "vigencia", "validez",
                      "residencia", "condena", "hace", "llevo", "lleva", "desde", "for"})
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
                  "recogio", "recogieron"})
HOLDS = frozenset({"trae", "traia", "tiene", "tenia", "guarda", "guardaba", "carga", "cargaba"})
HOLDS_EN = frozenset({"took", "takes", "keeps", "kept", "holds", "held", "has", "had",
                      "carries", "confiscated"})
DOCUMENTS = frozenset({"pasaporte", "pasaportes", "papeles", "documentos", "identificacion",
                       "identificaciones", "passport", "passports", "papers", "documents"})
SPEAKS = frozenset({"contesta", "contestaba", "contesto", "responde", "respondia", "respondio",
                    "habla", "hablaba", "hablo", "answers", "answered", "speaks", "spoke",
                    "talks"})
FOR_HER = (("por", "ella"), ("por", "el"), ("for", "her"), ("for", "him"))
CONTROL = ("senales", "trata")  # the words of the card on signs of trafficking


def read(folded: list[str]) -> list[str]:
    """The folded words of a question, with the words of the situations it tells."""
    return control(company(crowds(ages(folded))))


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


def ages(folded: list[str]) -> list[str]:
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


def crowds(folded: list[str]) -> list[str]:
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
            people = bool(after) and (after[0] in PEOPLE or (
                after[0] == "de" and len(after) > 1 and after[1] in PEOPLE))
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


def company(folded: list[str]) -> list[str]:
    """A child said to be with someone ("viene con su tía", "una señora con su bebé", "a kid
    with his grandma") is an accompanied child whose link to the adult is to be checked: the
    words of that card are added after the phrase (a child alone says "solo", a glossary
    term)."""
    if not CHILDREN & set(folded):
        return folded
    for i, word in enumerate(folded):
        after = folded[i + 1:i + 3]
        if after and after[0] in OWN:
            after = after[1:]
        if word in WITH and after and (after[0] in ADULTS or after[0] in CHILDREN):
            return [*folded[:i + 1], *COMPANY, *folded[i + 1:]]
    return folded


def control(folded: list[str]) -> list[str]:
    """Someone else holding a person's documents or speaking for them ("le quitó su
    pasaporte", "él trae los papeles de ella", "contesta por ella", "no la deja hablar",
    "he answers for her", "he holds her passport") is a sign of trafficking: the words of that
    card are added (once). A parent carrying the family's papers is not ("trae los papeles
    de los niños")."""
    for i, word in enumerate(folded):
        ahead = folded[i + 1:i + 4]
        papers = bool(DOCUMENTS & set(ahead))
        took = word in TOOK and papers
        holds = word in HOLDS and papers and any(
            folded[j:j + 2] in (["de", "ella"], ["de", "ellas"])
            for j in range(i + 1, min(len(folded), i + 6)))
        holds_en = word in HOLDS_EN and papers and bool({"her", "their"} & set(ahead[:2]))
        speaks = word in SPEAKS and (tuple(folded[i + 1:i + 3]) in FOR_HER
                                     or (word != "habla" and ahead[:1] == ["todo"]))
        silenced = word in ("deja", "dejaba") and folded[max(0, i - 2):i] in (
            ["no", "la"], ["no", "lo"], ["no", "los"], ["no", "las"]) and bool(
            {"hablar", "contestar", "responder", "sola", "solo"} & set(ahead[:2]))
        if took or holds or holds_en or speaks or silenced:
            return [*folded[:i + 1], *CONTROL, *folded[i + 1:]]
    return folded
