"""Typo correction: a word the index does not know is replaced by the closest word it knows.

Two tries, in order: a Spanish sound-alike key (b/v, s/c/z, ll/y, silent h, g/j before e/i,
qu/k: "refujio" and "refugio", "desmallo" and "desmayo" sound the same), then edit distance
with transpositions (rapidfuzz OSA: 1 edit from 5 letters, 2 from 9). Among equally close
words the most frequent wins. A word the index or the glossary knows is never corrected: the
caller only asks about unknown words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LENGTH = 4        # shortest word corrected by sound
MIN_EDIT_LENGTH = 5   # shortest word corrected by edit distance

_SOUND_RULES = [
    (re.compile(r"h"), ""),          # silent h (after ch is kept below)
    (re.compile(r"qu(?=[ei])"), "k"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"gu(?=[ei])"), "g"),
    (re.compile(r"g(?=[ei])"), "j"),
    (re.compile(r"c"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"[vw]"), "b"),
    (re.compile(r"ll"), "y"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"nb"), "mb"),
    (re.compile(r"np"), "mp"),
    (re.compile(r"(.)\1+"), r"\1"),  # doubled letters
]


def sound_key(word: str) -> str:
    """A Spanish sound-alike key of a folded word: 'enbarasada' -> 'embarasada'."""
    key = word.replace("ch", "\x00")
    for pattern, repl in _SOUND_RULES:
        key = pattern.sub(repl, key)
    key = key.replace("\x00", "ch")
    if key.endswith("y") and len(key) > 2:
        key = key[:-1] + "i"
    return key


class Corrector:
    """Corrects unknown words of one language against that language's known words."""

    def __init__(self, words: Iterable[tuple[str, int]], sounds: bool) -> None:
        freq: dict[str, int] = {}
        for word, df in words:
            if len(word) >= MIN_LENGTH - 1 and not word.isdigit():
                freq[word] = max(freq.get(word, 0), df)
        self._freq = freq
        self._choices = list(freq)
        self._sounds: dict[str, str] = {}
        if sounds:
            for word in sorted(freq, key=lambda w: -freq[w]):
                self._sounds.setdefault(sound_key(word), word)

    def correct(self, word: str) -> str | None:
        """The known word closest to `word`, or None when nothing is close enough."""
        found = self.closest(word)
        return found[0] if found else None

    def closest(self, word: str) -> tuple[str, int] | None:
        """(known word, edits) closest to `word`; edits is 0 for a sound-alike."""
        if len(word) < MIN_LENGTH or word.isdigit() or not self._choices:
            return None
        same = self._sounds.get(sound_key(word)) if self._sounds else None
        if same and same != word:
            return same, 0
        if len(word) < MIN_EDIT_LENGTH:
            return None
        limit = 1 if len(word) < 9 else 2
        found = process.extract(word, self._choices, scorer=OSA.distance,
                                score_cutoff=limit, limit=10)
        # two edits only when the first letter is right: typos rarely start a word
        found = [m for m in found if m[0] != word and (m[1] == 1 or m[0][0] == word[0])]
        if not found:
            return None
        letters = sorted(word)  # same letters in another order: a transposition, the likeliest
        best = min(found, key=lambda m: (m[1], sorted(m[0]) != letters, m[0][0] != word[0],
                                         -self._freq[m[0]]))
        return best[0], int(best[1])
