"""What search keeps in memory per database: vocabulary, compiled glossary, correctors.

Loaded on the first query after the index changes (the store's `index_id` is checked on every
query, one indexed read) and kept for the few databases a process uses.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

from sqlite_utils import Database

from bot.search import semantic
from bot.search.analyze import LANGS, stem, stop_words, words
from bot.search.correct import Corrector, sound_key
from bot.search.glossary import Entry, base_entries
from bot.store import search as store

DERIVED = ("miento", "mientos")  # Spanish nouns Snowball stems like an unrelated word


class Lexicon:
    """The glossary compiled for matching: analysed phrases -> entries."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.phrases: dict[str, dict[tuple[str, ...], set[int]]] = {lang: {} for lang in LANGS}
        self.entry_phrases: list[dict[str, list[tuple[str, ...]]]] = []
        self.words: dict[str, set[str]] = {lang: set() for lang in LANGS}
        self.stems: dict[str, set[str]] = {lang: set() for lang in LANGS}
        # the terms' own (folded) words -> entries: a typed word that is a term's very word
        # means that entry, not another whose term only shares its stem ("señor", "señora")
        self.exact: dict[str, dict[tuple[str, ...], set[int]]] = {lang: {} for lang in LANGS}
        self.longest = 1
        for i, entry in enumerate(entries):
            compiled = {}
            for lang in LANGS:
                phrases = entry.phrases(lang)
                compiled[lang] = phrases
                stops = stop_words(lang)
                for term in entry.terms.get(lang, ()):
                    ws = tuple(w for w in words(term) if w not in stops)
                    self.words[lang].update(ws)
                    if ws:
                        self.exact[lang].setdefault(ws, set()).add(i)
                for p in phrases:
                    self.stems[lang].update(p)
                    self.phrases[lang].setdefault(p, set()).add(i)
                    self.longest = max(self.longest, len(p))
            self.entry_phrases.append(compiled)


class Context:
    """What search keeps in memory for one index version: vocabulary, glossary, correctors."""

    def __init__(self, db: Database, index_id: str, previous: Context | None = None) -> None:
        self.index_id = index_id
        vocabulary = store.vocabulary(db)
        self.df: dict[str, dict[str, int]] = {lang: {} for lang in LANGS}
        self.head: dict[str, set[str]] = {lang: set() for lang in LANGS}
        for t in vocabulary.terms:
            if t.lang in self.df:
                self.df[t.lang][t.term] = t.df
                if t.head_df:
                    self.head[t.lang].add(t.term)
        self.n = {lang: vocabulary.docs.get(lang, 0) for lang in LANGS}
        stored = [Entry(terms={k: tuple(v) for k, v in r["terms"].items()},
                        source=r["source"], line=r["line"]) for r in store.glossary_rows(db)]
        self.lexicon = Lexicon([*base_entries(), *stored])
        self._vocab: dict[str, list[tuple[str, int]]] = {lang: [] for lang in LANGS}
        self.stem_words: dict[str, dict[str, list[str]]] = {lang: {} for lang in LANGS}
        for w in vocabulary.words:
            if w.lang in self._vocab:
                self._vocab[w.lang].append((w.word, w.df))
                self.stem_words[w.lang].setdefault(w.stem, []).append(w.word)
        self._correctors: dict[str, Corrector] = {}
        self.stops = stop_words("es") | stop_words("en")
        # a function word spelt as it sounds ("ke", "kiero", "dise", "biene") is one too
        self.sound_stops = {sound_key(w) for w in stop_words("es") if len(w) > 1}
        self.cards: dict[str, dict[str, tuple[str, str, str]]] = {}
        for d in store.doc_titles(db):
            self.cards.setdefault(d.card_id, {})[d.lang] = (d.title, d.topic, d.kind)
        # The passage vectors: loaded on first use (`matrix`), by the thread that needs them
        # (the semantic one in the bot) through a connection of its own, so neither the store's
        # thread nor the event loop waits; rows the previous index had are reused.
        self.semantic = semantic.available() and store.has_vectors(db, semantic.MODEL)
        self._file = store.database_file(db)
        self._previous: semantic.Matrix | None = (
            previous.loaded_matrix() or previous._previous) if previous else None
        self._matrix: semantic.Matrix | None = None
        self._matrix_lock = threading.Lock()
        if self.semantic and self._file is None:  # an in-memory database: now, on this thread
            self._matrix = self._build(db)

    def _build(self, db: Database) -> semantic.Matrix:
        matrix = semantic.Matrix.build(
            store.passage_hashes(db, semantic.MODEL),
            lambda hashes: store.vectors_of(db, semantic.MODEL, hashes), self._previous)
        self._previous = None
        return matrix

    def loaded_matrix(self) -> semantic.Matrix | None:
        return self._matrix

    @property
    def matrix(self) -> semantic.Matrix | None:
        """Every passage vector (None without the semantic layer), loaded on first use."""
        if not self.semantic:
            return None
        if self._matrix is None:
            with self._matrix_lock:
                if self._matrix is None and self._file is not None:
                    with store.reader(self._file) as db:
                        self._matrix = self._build(db)
        return self._matrix

    def is_stop(self, word: str) -> bool:
        """A function word, typed right or spelt as it sounds (when no card word is spelt
        so)."""
        return word in self.stops or (sound_key(word) in self.sound_stops
                                      and not self.known(word))

    def known(self, word: str) -> bool:
        lex = self.lexicon
        return any(word in lex.words[lang] or stem(word, lang) in self.df[lang]
                   or stem(word, lang) in lex.stems[lang] for lang in LANGS)

    def spelt(self, word: str) -> bool:
        """Whether a card or the glossary has this very word (not only its stem)."""
        return any(word in self.lexicon.words[lang]
                   or word in self.stem_words[lang].get(stem(word, lang), ())
                   for lang in LANGS)

    def collides(self, word: str) -> bool:
        """Whether a word the cards do not use only shares its stem with theirs by accident:
        Snowball cuts Spanish nouns in -miento down to the stem of another word
        ("estacionamiento" -> "estacion", as in "estación"). Such a word is a collision when
        no card word with that stem is itself a -miento noun and the glossary does not know it;
        the query treats it as a word the cards do not know."""
        if not word.endswith(DERIVED) or word in self.lexicon.words["es"]:
            return False
        cards = self.stem_words["es"].get(stem(word, "es"))
        if not cards or word in cards:
            return False
        return not any(w.endswith(DERIVED) for w in cards)

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
                ctx = Context(db, current, previous=ctx)
                _cache[key] = ctx
                _cache.move_to_end(key)
                while len(_cache) > _CACHE_SIZE:
                    _cache.popitem(last=False)
    return ctx
