"""Build the search index from the cards: every translation analysed in its own language."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from sqlite_utils import Database

from bot.search import semantic
from bot.search.analyze import LANGS, analyze, stem, stop_words, words
from bot.store import search as store


def _keywords(raw: str | None) -> str:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return raw or ""
    return " ; ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def card_passages(rows: list[dict]) -> list[tuple[str, str, int, str, str]]:
    """(card_id, lang, n, hash, text) of every passage of these card translations."""
    out: list[tuple[str, str, int, str, str]] = []
    for row in rows:
        texts = semantic.passages(row["title"], row["summary"], row["keywords"],
                                  row["body_text"])
        out.extend((row["card_id"], row["lang"], n, semantic.passage_hash(t), t)
                   for n, t in enumerate(texts))
    return out


SAVE_EVERY = 512  # vectors an import saves at a time while it embeds


def embed_missing(db: Database, rows: list[dict] | None = None,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, bytes]:
    """Vectors of the passages that have none yet (only changed cards have such passages);
    empty without the model. Slow for a large import: call it before the import's
    transaction and pass the result to `rebuild`. They are saved as they are embedded, so an
    interrupted import embeds only the rest when run again; `progress(done, total)`."""
    if not semantic.available():
        return {}
    rows = store.card_translations(db) if rows is None else rows
    have = store.vector_hashes(db, semantic.MODEL)
    todo: dict[str, str] = {}
    for _card, _lang, _n, h, text in card_passages(rows):
        if h not in have:
            todo.setdefault(h, text)
    hashes = list(todo)
    if not hashes:
        return {}
    unsaved: dict[str, bytes] = {}
    count = 0

    def done(vectors: dict[str, bytes]) -> None:
        nonlocal count
        unsaved.update(vectors)
        count += len(vectors)
        if len(unsaved) >= SAVE_EVERY:
            store.add_vectors(db, semantic.MODEL, unsaved)
            unsaved.clear()
        if progress is not None:
            progress(count, len(hashes))

    if progress is not None:
        progress(0, len(hashes))
    out = dict(zip(hashes, semantic.embed_passages([todo[h] for h in hashes], done=done),
                   strict=True))
    if unsaved:
        store.add_vectors(db, semantic.MODEL, unsaved)
    return out


def rebuild(db: Database, vectors: dict[str, bytes] | None = None) -> int:
    """Re-analyse every card translation into the index, and refresh the passages (embedding
    those not in `vectors` nor stored yet); returns the number of documents."""
    rows = store.card_translations(db)
    passages = card_passages(rows)
    if semantic.available():
        new = dict(vectors or {})
        have = store.vector_hashes(db, semantic.MODEL) | set(new)
        missing = {h: t for _c, _l, _n, h, t in passages if h not in have}
        if missing:
            hashes = list(missing)
            new.update(zip(hashes, semantic.embed_passages([missing[h] for h in hashes]),
                           strict=True))
        store.replace_passages(db, [(c, lg, n, h) for c, lg, n, h, _t in passages],
                               semantic.MODEL, new)
    langs_of: dict[str, set[str]] = {}
    for row in rows:
        langs_of.setdefault(row["card_id"], set()).add(row["lang"])
    docs = []
    term_df: dict[str, Counter] = {lang: Counter() for lang in LANGS}
    head_df: dict[str, Counter] = {lang: Counter() for lang in LANGS}
    word_df: dict[str, Counter] = {lang: Counter() for lang in LANGS}
    for row in rows:
        lang = row["lang"] if row["lang"] in LANGS else "es"
        fields = {"title": row["title"] or "", "keywords": _keywords(row["keywords"]),
                  "summary": row["summary"] or "", "body": row["body_text"] or ""}
        doc = {"card_id": row["card_id"], "lang": lang, "topic": row["topic"],
               "kind": row["kind"], "title": row["title"],
               "langs": ",".join(sorted(langs_of[row["card_id"]]))}
        stems: set[str] = set()
        head: set[str] = set()
        for name, text in fields.items():
            tokens = analyze(text, lang)
            doc[f"{name}_t"] = " ".join(tokens)
            stems.update(tokens)
            if name in ("title", "keywords"):
                head.update(tokens)
        term_df[lang].update(stems)
        head_df[lang].update(head)
        stops = stop_words(lang)
        word_df[lang].update({w for w in words(" ".join(fields.values())) if w not in stops})
        docs.append(doc)
    terms = [(lang, term, df, head_df[lang][term])
             for lang in LANGS for term, df in term_df[lang].items()]
    vocab = [(lang, w, stem(w, lang), df) for lang in LANGS for w, df in word_df[lang].items()]
    store.replace_index(db, docs, terms, vocab)
    return len(docs)
