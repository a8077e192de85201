"""Text analysis shared by the index and the query: fold, split, drop stop words, stem.

`analyze(text, lang)` is the one function both sides call, so a word typed on a phone
("NIÑO", "nino", "niños") and the word in a card end up as the same stem. Folding removes
case and accents (ñ becomes n, since officers type "nino"); stemming is Snowball (PyStemmer)
for Spanish or English; stop words are the function words of each language plus the verbs
people use to ask ("qué hago", "how do I"), which carry no topic.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import Stemmer

from bot.content.model import fold

LANGS = ("es", "en")
_STEMMERS = {"es": "spanish", "en": "english"}
_WORD = re.compile(r"[a-z0-9]+")
MAX_TOKENS = 64  # a query longer than this is cut: officers ask in a sentence, not an essay

_ES_STOP = """
a al algo algun alguna algunas alguno algunos ante antes aqui asi aun aunque bajo bien
cada casi como con contra cual cuales cualquier cuando cuanta cuantas cuanto cuantos de del
desde donde dos el ella ellas ello ellos en entre era eran eres es esa esas ese eso esos esta
estaba estado estan estar estas este esto estos estoy fue fueron ha habia han has hasta hay
he la las le les lo los mas me mi mis mucha muchas mucho muchos muy nada ni no nos nosotros
nuestra nuestro o os otra otras otro otros para pero poco por porque pues que quien quienes
se sea segun ser si sido sin sobre son soy su sus tal tambien tan tanto te tenia ti
toda todas todo todos tu tus un una uno unos usted ustedes va vamos van y ya yo q k xq pq
pa pal oye hola favor gracias ok wey guey bato vato neta osea
hago hace hacemos hacen hacer haces hiciera haga hagan hagas hacerle debo debe deben debemos
deberia puedo puede pueden podemos podria tengo tiene tienen tenemos tener tenga toca tocan
dice dicen digo decir dijo sabe se saber quiero quiere necesito necesita pasa paso vez veces
pasar pasaron pasan trae traen traer trajo ago agas aga aser
ver creo alguien alguno cosa cosas manera forma caso casos ahi alla
quiso quisieron quisiera queria querian quieren quieres puedes pudo pudieron podia
debes debia tuvo tienes tendria hizo hicieron hacia dijo dijeron dices diga
voy vas ir iba fue vaya vayan doy das da dan dar dio dieron sabes sabia viene vienen vino
vinieron venir estoy esta estan estuvo sigue hacerlo decirle darle
pone poner ponen puso pongo ponerle
traia traian traigo traigan traiga trajeron tenian tuve tuvieron venia venian vengo
venga vienes decia decian estaban estuvieron habian hubo iban fui fuimos
"""

_EN_STOP = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing done down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
out over own same she should so some such than that the their theirs them then there these
they this those through to too under until up very was we were what when where which while
who whom why will with would you your yours yourself yourselves
won't wont can't cant cannot don't dont doesn't isn't aren't didn't shouldn't
get gets got do does make makes thing things someone somebody something please hi hello
say says said tell tells want wants need needs happen happens way ask asks let
"""


_DOTTED = re.compile(r"\b[a-z](?:\.[a-z])+\.?(?![a-z0-9])")  # n.n.a. / t.v.r.h. / e.m.


def words(text: str) -> list[str]:
    """Folded words (letters and digits), in order; an acronym typed with dots is one word
    ("n.n.a." -> "nna")."""
    folded = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), fold(text).replace("'", ""))
    return _WORD.findall(folded)


@cache
def stop_words(lang: str) -> frozenset[str]:
    source = _ES_STOP if lang == "es" else _EN_STOP
    return frozenset(w.replace("'", "") for w in fold(source).split())


@cache
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMERS.get(lang, "spanish"))


@lru_cache(maxsize=65536)
def stem(word: str, lang: str) -> str:
    """Snowball stem of one folded word."""
    return _stemmer(lang).stemWord(word)


def analyze(text: str, lang: str) -> list[str]:
    """Stems of the content words of `text`, in order (index and query use this)."""
    stops = stop_words(lang)
    return [stem(w, lang) for w in words(text) if w not in stops]


def content_words(text: str, lang: str, limit: int = MAX_TOKENS) -> list[str]:
    """Folded content words of a query (not stemmed), at most `limit` of them."""
    stops = stop_words(lang)
    return [w for w in words(text) if w not in stops][:limit]
