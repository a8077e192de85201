"""Glossary suggestions from what officers asked and found nothing with.

`suggest(db, gaps)` takes the zero-result queries (text and how many times each was asked, from
the store's content-gaps function) and returns, for each word the cards and the glossary do
not know that comes back at least `min_count` times, a proposed glossary entry: the word with
the card word it most likely means (a sound-alike or a close spelling of a card word), or,
when nothing is close, the word alone, for a person to complete. Nothing is written: a person
reads the proposals and adds the ones they accept to the content folder's glossary.yml.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from bot.search.analyze import LANGS, words
from bot.search.context import context


@dataclass(frozen=True)
class Suggestion:
    word: str
    lang: str
    count: int                 # zero-result searches that used the word
    meaning: str | None        # a card word it probably stands for (None: a person decides)
    example: str               # one of the searches, to judge the word in context

    def yaml(self) -> str:
        terms = [self.word, self.meaning] if self.meaning else [self.word]
        hint = (f"  # {self.count} searches, e.g. \"{self.example}\"" if self.meaning else
                f"  # {self.count} searches, e.g. \"{self.example}\": add the card word it means")
        return f"- {self.lang}: [{', '.join(terms)}]{hint}"


def suggest(db: Database, gaps: Iterable[tuple[str, str, int]], *, min_count: int = 2,
            limit: int = 30) -> list[Suggestion]:
    """Proposals from (text, lang, times asked) zero-result queries, most frequent first."""
    ctx = context(db)
    counts: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}
    for text, lang, n in gaps:
        lang = lang if lang in LANGS else "es"
        for word in dict.fromkeys(words(text)):
            if len(word) <= 2 or word.isdigit() or ctx.is_stop(word) or ctx.known(word):
                continue
            counts[(word, lang)] += n
            example.setdefault((word, lang), text)
    out: list[Suggestion] = []
    for (word, lang), n in counts.most_common():
        if n < min_count or len(out) >= limit:
            break
        close = ctx.corrector(lang).closest(word)
        out.append(Suggestion(word=word, lang=lang, count=n,
                              meaning=close[0] if close else None,
                              example=example[(word, lang)][:80]))
    return out
