"""Store functions for search: the analysed index, its vocabulary and the stored glossary.

Tables (migration 0020):
  search_docs        one row per card translation: ids, display title, and the analysed
                     stems of title, keywords, summary and body (space-separated)
  search_fts_es/_en  FTS5 over those stems, one table per language (rowid = search_docs.id),
                     so BM25 works on stems analysed with that language's stemmer; `flags`
                     (0021) marks translations of cards that exist in one language only
  search_terms       (lang, stem) -> document frequency, and in how many documents it is in
                     the title or keywords (head_df: a topical word, not just prose)
  search_words       (lang, folded word) -> its stem and frequency (typo correction)
  search_glossary    the content folder's glossary entries (the base one ships in the package)
  search_state       index_id: changes whenever the index or glossary changes (cache key)

`plain_*` functions keep a plain FTS5 index (no stemming, glossary or correction) used only by
scripts/eval_search.py and scripts/bench_search.py as a baseline.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sqlite_utils import Database

LANGS = ("es", "en")
FIELDS = ("title", "keywords", "summary", "body")
# BM25 column weights: title and keywords weigh more than summary, summary more than body.
BM25_WEIGHTS = {"title": 5.0, "keywords": 4.0, "summary": 2.0, "body": 1.0}


# Rows are NamedTuples: named fields at tuple speed (a query reads dozens of matches, a
# context thousands of terms and words).

class Term(NamedTuple):
    lang: str
    term: str  # a stem
    df: int  # documents it is in
    head_df: int  # documents it is in the title or keywords of


class Word(NamedTuple):
    lang: str
    word: str  # folded, as typed in cards
    stem: str
    df: int


@dataclass(frozen=True, slots=True)
class Vocabulary:
    terms: list[Term]
    words: list[Word]
    docs: dict[str, int]  # documents per language


class Match(NamedTuple):
    doc_id: int  # search_docs.id
    score: float  # BM25, higher is better


class PlainMatch(NamedTuple):
    card_id: str
    score: float


class PassageHash(NamedTuple):
    card_id: str
    lang: str
    hash: str


class DocTitle(NamedTuple):
    card_id: str
    lang: str
    title: str
    topic: str
    kind: str


def _create(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE search_docs (
            id INTEGER PRIMARY KEY,
            card_id TEXT NOT NULL,
            lang TEXT NOT NULL,
            langs TEXT NOT NULL,
            topic TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            title_t TEXT NOT NULL,
            keywords_t TEXT NOT NULL,
            summary_t TEXT NOT NULL,
            body_t TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX search_docs_card ON search_docs(card_id)")
    for lang in LANGS:
        db.execute(
            f"CREATE VIRTUAL TABLE search_fts_{lang} USING fts5("
            "title, keywords, summary, body, tokenize='unicode61')"
        )
    db.execute(
        "CREATE TABLE search_terms (lang TEXT NOT NULL, term TEXT NOT NULL,"
        " df INTEGER NOT NULL, head_df INTEGER NOT NULL, PRIMARY KEY (lang, term)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE search_words (lang TEXT NOT NULL, word TEXT NOT NULL, stem TEXT NOT NULL,"
        " df INTEGER NOT NULL, PRIMARY KEY (lang, word)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE search_glossary (id INTEGER PRIMARY KEY, source TEXT NOT NULL,"
        " line INTEGER NOT NULL, terms TEXT NOT NULL)"
    )
    db.execute("CREATE TABLE search_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


SOLO = "zzsolo"  # token in the `flags` column of a card that has no other translation


def _flags(db: Database) -> None:
    """FTS tables get a `flags` column (SOLO marks a translation whose card has no other
    language), refilled from search_docs; search_terms gets head_df if it lacks it."""
    columns = {row["name"] for row in db.query("PRAGMA table_info(search_terms)")}
    if "head_df" not in columns:
        db.execute("ALTER TABLE search_terms ADD COLUMN head_df INTEGER NOT NULL DEFAULT 1")
    for lang in LANGS:
        db.execute(f"DROP TABLE IF EXISTS search_fts_{lang}")
        db.execute(
            f"CREATE VIRTUAL TABLE search_fts_{lang} USING fts5("
            "title, keywords, summary, body, flags, tokenize='unicode61')"
        )
        db.execute(
            f"INSERT INTO search_fts_{lang} (rowid, title, keywords, summary, body, flags)"
            " SELECT id, title_t, keywords_t, summary_t, body_t,"
            f" CASE WHEN instr(langs, ',') = 0 THEN '{SOLO}' ELSE '' END"
            " FROM search_docs WHERE lang = ?", [lang])


def card_translations(db: Database) -> list[dict]:
    """Every card translation with topic and kind: what the index is built from."""
    return list(db.query(
        "SELECT t.card_id, t.lang, t.title, t.summary, t.keywords, t.body_text, c.topic, c.kind"
        " FROM card_translations t JOIN cards c ON c.id = t.card_id"
        " ORDER BY t.card_id, t.lang"))


def replace_index(db: Database, docs: Iterable[dict],
                  terms: Iterable[tuple[str, str, int, int]],
                  words: Iterable[tuple[str, str, str, int]]) -> None:
    """Replace the whole index: docs carry card_id, lang, langs, topic, kind, title and
    `<field>_t` stem strings; terms (lang, stem, df, head_df); words (lang, word, stem, df)."""
    with db.atomic():
        db.execute("DELETE FROM search_docs")
        for lang in LANGS:
            db.execute(f"DELETE FROM search_fts_{lang}")
        db.execute("DELETE FROM search_terms")
        db.execute("DELETE FROM search_words")
        conn = db.conn
        for doc in docs:
            cur = conn.execute(
                "INSERT INTO search_docs (card_id, lang, langs, topic, kind, title, title_t,"
                " keywords_t, summary_t, body_t) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [doc["card_id"], doc["lang"], doc["langs"], doc["topic"], doc["kind"],
                 doc["title"], doc["title_t"], doc["keywords_t"], doc["summary_t"],
                 doc["body_t"]])
            conn.execute(
                f"INSERT INTO search_fts_{doc['lang']} (rowid, title, keywords, summary, body,"
                " flags) VALUES (?,?,?,?,?,?)",
                [cur.lastrowid, doc["title_t"], doc["keywords_t"], doc["summary_t"],
                 doc["body_t"], "" if "," in doc["langs"] else SOLO])
        conn.executemany("INSERT INTO search_terms (lang, term, df, head_df) VALUES (?,?,?,?)",
                         terms)
        conn.executemany("INSERT INTO search_words (lang, word, stem, df) VALUES (?,?,?,?)",
                         words)
        touch(db)


def touch(db: Database) -> str:
    """Mark the index or glossary as changed; returns the new index id."""
    value = uuid.uuid4().hex
    db.execute("INSERT INTO search_state (key, value) VALUES ('index_id', ?)"
               " ON CONFLICT(key) DO UPDATE SET value = excluded.value", [value])
    return value


def index_id(db: Database) -> str:
    row = db.execute("SELECT value FROM search_state WHERE key = 'index_id'").fetchone()
    if row is None:
        return ""
    (value,) = row
    return value


def vocabulary(db: Database) -> Vocabulary:
    """Terms, words and documents per language, for the in-memory search context."""
    conn = db.conn
    terms = list(map(Term._make, conn.execute(
        "SELECT lang, term, df, head_df FROM search_terms").fetchall()))
    words = list(map(Word._make, conn.execute(
        "SELECT lang, word, stem, df FROM search_words").fetchall()))
    counts = dict(conn.execute("SELECT lang, count(*) FROM search_docs GROUP BY lang").fetchall())
    return Vocabulary(terms, words, counts)


def match(db: Database, lang: str, expression: str, limit: int,
          solo: bool = False) -> list[Match]:
    """Documents matching an FTS5 expression over one language's stems, best first; `solo`:
    only translations whose card has no other language. FTS5's bm25() is negative (lower is
    better); it is returned negated (higher is better)."""
    w = BM25_WEIGHTS
    if solo:
        expression = f"flags:{SOLO} AND ({expression})"
    sql = (f"SELECT rowid, -bm25(search_fts_{lang}, ?, ?, ?, ?, 0) AS score"
           f" FROM search_fts_{lang} WHERE search_fts_{lang} MATCH ? ORDER BY score DESC LIMIT ?")
    args = [w["title"], w["keywords"], w["summary"], w["body"], expression, limit]
    return list(map(Match._make, db.conn.execute(sql, args).fetchall()))


def docs(db: Database, ids: Sequence[int]) -> list[dict]:
    """search_docs rows by id."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    cur = db.conn.execute(f"SELECT * FROM search_docs WHERE id IN ({marks})", list(ids))
    names = [name for name, *_ in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def glossary_rows(db: Database) -> list[dict]:
    return [{"source": source, "line": line, "terms": json.loads(terms)}
            for source, line, terms in db.conn.execute(
                "SELECT source, line, terms FROM search_glossary ORDER BY id").fetchall()]


def replace_glossary(db: Database, rows: Iterable[tuple[str, int, dict]]) -> None:
    """Store the content folder's glossary entries: (source, line, {lang: [terms]})."""
    with db.atomic():
        db.execute("DELETE FROM search_glossary")
        db.conn.executemany(
            "INSERT INTO search_glossary (source, line, terms) VALUES (?,?,?)",
            [(s, n, json.dumps(t, ensure_ascii=False)) for s, n, t in rows])
        touch(db)


# --- Plain FTS5 baseline (scripts only) -----------------------------------------------------

def plain_build(db: Database) -> None:
    """A plain FTS5 index of the cards: unicode61 remove_diacritics 2, no stemming."""
    with db.atomic():
        db.execute("DROP TABLE IF EXISTS plain_fts")
        db.execute(
            "CREATE VIRTUAL TABLE plain_fts USING fts5(card_id UNINDEXED, lang UNINDEXED,"
            " title, keywords, summary, body, tokenize='unicode61 remove_diacritics 2')")
        db.execute(
            "INSERT INTO plain_fts (card_id, lang, title, keywords, summary, body)"
            " SELECT t.card_id, t.lang, t.title, t.keywords, t.summary, t.body_text"
            " FROM card_translations t")


def plain_search(db: Database, words: Sequence[str], lang: str, limit: int,
                 operator: str = "OR") -> list[PlainMatch]:
    """Cards matching the query words joined by OR (or AND) in one language, best first."""
    if not words:
        return []
    expression = f" {operator} ".join('"' + w.replace('"', '""') + '"' for w in words)
    sql = ("SELECT card_id, -bm25(plain_fts) AS score FROM plain_fts"
           " WHERE plain_fts MATCH ? AND lang = ? ORDER BY score DESC LIMIT ?")
    return list(map(PlainMatch._make, db.conn.execute(sql, [expression, lang, limit]).fetchall()))


# --- Passage vectors (semantic layer, migration 0022) ----------------------------------------

def _vectors(db: Database) -> None:
    """search_passages: every passage of every card translation, in order, by content hash;
    search_vectors: one embedding per passage hash and model (a passage whose text did not
    change keeps its vector across imports: only changed cards are embedded again)."""
    db.execute(
        "CREATE TABLE search_passages (card_id TEXT NOT NULL, lang TEXT NOT NULL,"
        " n INTEGER NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (card_id, lang, n))"
        " WITHOUT ROWID")
    db.execute(
        "CREATE TABLE search_vectors (hash TEXT NOT NULL, model TEXT NOT NULL,"
        " vec BLOB NOT NULL, PRIMARY KEY (hash, model)) WITHOUT ROWID")


MIGRATIONS = [("0020_search_index", _create), ("0021_search_flags", _flags),
              ("0022_search_vectors", _vectors)]


def vector_hashes(db: Database, model: str) -> set[str]:
    """Hashes of the passages that already have a vector for `model`."""
    return {h for (h,) in db.conn.execute(
        "SELECT hash FROM search_vectors WHERE model = ?", [model]).fetchall()}


def add_vectors(db: Database, model: str, vectors: dict[str, bytes]) -> None:
    """Store passage vectors ahead of their passages (an import saves them as they are
    embedded, so an interrupted one resumes; the next `replace_passages` drops those no
    passage uses)."""
    with db.atomic():
        db.conn.executemany("INSERT OR REPLACE INTO search_vectors (hash, model, vec)"
                            " VALUES (?,?,?)", [(h, model, v) for h, v in vectors.items()])


def replace_passages(db: Database, passages: Iterable[tuple[str, str, int, str]],
                     model: str, vectors: dict[str, bytes]) -> None:
    """Replace the passage list (card_id, lang, n, hash), add the new vectors of `model`, and
    drop the vectors no passage uses any more."""
    with db.atomic():
        conn = db.conn
        conn.execute("DELETE FROM search_passages")
        conn.executemany("INSERT INTO search_passages (card_id, lang, n, hash) VALUES (?,?,?,?)",
                         passages)
        conn.executemany("INSERT OR REPLACE INTO search_vectors (hash, model, vec)"
                         " VALUES (?,?,?)", [(h, model, v) for h, v in vectors.items()])
        conn.execute("DELETE FROM search_vectors WHERE hash NOT IN"
                     " (SELECT hash FROM search_passages)")
        touch(db)


def has_vectors(db: Database, model: str) -> bool:
    """Whether some passage has a vector for `model` (one indexed read)."""
    return db.conn.execute("SELECT 1 FROM search_vectors WHERE model = ? LIMIT 1",
                           [model]).fetchone() is not None


def passage_hashes(db: Database, model: str) -> list[PassageHash]:
    """Every passage that has a vector for `model`, grouped by card, in order."""
    return list(map(PassageHash._make, db.conn.execute(
        "SELECT p.card_id, p.lang, p.hash FROM search_passages p"
        " WHERE EXISTS (SELECT 1 FROM search_vectors v WHERE v.hash = p.hash AND v.model = ?)"
        " ORDER BY p.card_id, p.lang, p.n", [model]).fetchall()))


def vectors_of(db: Database, model: str, hashes: Sequence[str] | None) -> dict[str, bytes]:
    """hash -> vector bytes of `model` for these passage hashes (None: every vector)."""
    conn = db.conn
    if hashes is None:
        return dict(conn.execute("SELECT hash, vec FROM search_vectors WHERE model = ?",
                                 [model]).fetchall())
    out: dict[str, bytes] = {}
    step = 500
    for i in range(0, len(hashes), step):
        part = list(hashes[i:i + step])
        marks = ",".join("?" * len(part))
        out.update(conn.execute(
            f"SELECT hash, vec FROM search_vectors WHERE model = ? AND hash IN ({marks})",
            [model, *part]).fetchall())
    return out


def database_file(db: Database) -> str | None:
    """The file of the main database, or None for an in-memory one."""
    for row in db.query("PRAGMA database_list"):
        if row["name"] == "main":
            return row["file"] or None
    return None


@contextmanager
def reader(path: str) -> Iterator[Database]:
    """A read-only connection of its own to the database file at `path` (for reads that take
    long and must not hold the store's connection)."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True,
                           check_same_thread=False)
    try:
        yield Database(conn)
    finally:
        conn.close()


def doc_titles(db: Database) -> list[DocTitle]:
    """Every indexed translation's card, language, title, topic and kind."""
    return list(map(DocTitle._make, db.conn.execute(
        "SELECT card_id, lang, title, topic, kind FROM search_docs").fetchall()))


def card_docs(db: Database, card_ids: Sequence[str]) -> list[dict]:
    """search_docs rows (every translation) of these cards."""
    if not card_ids:
        return []
    marks = ",".join("?" * len(card_ids))
    cur = db.conn.execute(f"SELECT * FROM search_docs WHERE card_id IN ({marks})",
                          list(card_ids))
    names = [name for name, *_ in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
