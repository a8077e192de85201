"""Cards and their translations, as imported from the content folder (`messages/`).

Tables:
  cards              id, topic, kind, version, image_*/document_* (the primary language's
                     materials: absolute path, sha256, size), fingerprint, created_at, updated_at
  card_translations  (card_id, lang) -> title, summary, keywords (JSON list), body_md,
                     body_html (Telegram HTML), body_text (plain), quiz (JSON or NULL),
                     image_*/document_* (this file's materials), source (the file it came from)
  card_topics        slug -> title_es, title_en (display names)

Card ids are stable strings named by the content team; a re-import may remove a card, so other
tables refer to cards by id without a foreign key. The search index is rebuilt from these
tables (`all_translations`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from bot.clock import iso
from bot.content.model import (
    LANGS,
    Card,
    Kind,
    Material,
    ParsedCard,
    Quiz,
    TopicName,
    fold,
    topic_title,
)


def _create(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE cards (
            id TEXT PRIMARY KEY,
            topic TEXT NOT NULL,
            kind TEXT NOT NULL,
            version TEXT NOT NULL,
            image_path TEXT, image_sha256 TEXT, image_size INTEGER,
            document_path TEXT, document_sha256 TEXT, document_size INTEGER,
            fingerprint TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX cards_topic ON cards(topic)")
    db.execute(
        """
        CREATE TABLE card_translations (
            card_id TEXT NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
            lang TEXT NOT NULL,
            title TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '',
            keywords TEXT NOT NULL DEFAULT '[]',
            body_md TEXT NOT NULL DEFAULT '',
            body_html TEXT NOT NULL DEFAULT '',
            body_text TEXT NOT NULL DEFAULT '',
            quiz TEXT,
            image_path TEXT, image_sha256 TEXT, image_size INTEGER,
            document_path TEXT, document_sha256 TEXT, document_size INTEGER,
            source TEXT NOT NULL,
            PRIMARY KEY (card_id, lang)
        )
        """
    )
    db.execute(
        "CREATE TABLE card_topics (slug TEXT PRIMARY KEY, title_es TEXT NOT NULL,"
        " title_en TEXT NOT NULL)"
    )


MIGRATIONS = [("0010_cards", _create)]


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    count: int


@dataclass(frozen=True, slots=True)
class CardTitle:
    id: str
    title: str  # in the language asked for, or the card's other one


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    topics_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.topics_changed)

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + self.unchanged

    def as_dict(self) -> dict:
        return {"changed": self.changed, "added": self.added, "updated": self.updated,
                "removed": self.removed, "unchanged": self.unchanged,
                "topics_changed": self.topics_changed, "cards": self.total}


def _material_columns(prefix: str, material: Material | None) -> dict:
    return {f"{prefix}_path": material.path if material else None,
            f"{prefix}_sha256": material.sha256 if material else None,
            f"{prefix}_size": material.size if material else None}


def _rows(card: ParsedCard) -> tuple[dict, list[dict]]:
    primary = card.primary
    card_row = {"id": card.id, "topic": card.topic, "kind": str(card.kind),
                "version": card.version, **_material_columns("image", primary.image),
                **_material_columns("document", primary.document)}
    rows = []
    for lang in card.langs:
        t = card.translations[lang]
        rows.append({
            "card_id": card.id, "lang": lang, "title": t.title, "summary": t.summary,
            "keywords": json.dumps(list(t.keywords), ensure_ascii=False),
            "body_md": t.body_md, "body_html": t.body_html, "body_text": t.body_text,
            "quiz": json.dumps(t.quiz.as_dict(), ensure_ascii=False) if t.quiz else None,
            **_material_columns("image", t.image), **_material_columns("document", t.document),
            "source": t.source,
        })
    return card_row, rows


def _fingerprint(card_row: dict, rows: list[dict]) -> str:
    raw = json.dumps([card_row, rows], ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def import_cards(db: Database, cards: list[ParsedCard], now: datetime,
                 topics: list[TopicName] | None = None) -> ImportReport:
    """Make the store hold exactly `cards` (and topic names), atomically; report what changed."""
    stamp = iso(now)
    report = ImportReport()
    with db.atomic():
        existing = {r["id"]: r for r in db.query(
            "SELECT id, fingerprint, created_at FROM cards")}
        for card in cards:
            card_row, rows = _rows(card)
            fingerprint = _fingerprint(card_row, rows)
            old = existing.get(card.id)
            if old is not None and old["fingerprint"] == fingerprint:
                report.unchanged += 1
                continue
            (report.updated if old is not None else report.added).append(card.id)
            db.execute("DELETE FROM card_translations WHERE card_id = ?", [card.id])
            db.table("cards").upsert({**card_row, "fingerprint": fingerprint,
                                "created_at": old["created_at"] if old else stamp,
                                "updated_at": stamp}, pk="id")
            db.table("card_translations").insert_all(rows)
        wanted = {card.id for card in cards}
        for card_id in sorted(set(existing) - wanted):
            db.execute("DELETE FROM card_translations WHERE card_id = ?", [card_id])
            db.execute("DELETE FROM cards WHERE id = ?", [card_id])
            report.removed.append(card_id)
        if topics is not None:
            report.topics_changed = _replace_topics(db, topics)
    return report


def _replace_topics(db: Database, topics: list[TopicName]) -> bool:
    new = sorted((t.slug, t.titles.get("es", ""), t.titles.get("en", "")) for t in topics)
    old = sorted((r["slug"], r["title_es"], r["title_en"])
                 for r in db.query("SELECT * FROM card_topics"))
    if new == old:
        return False
    db.execute("DELETE FROM card_topics")
    db.table("card_topics").insert_all(
        [{"slug": s, "title_es": es, "title_en": en} for s, es, en in new])
    return True


def _material(row: dict, prefix: str) -> Material | None:
    if not row.get(f"{prefix}_path"):
        return None
    return Material(path=row[f"{prefix}_path"], sha256=row[f"{prefix}_sha256"],
                    size=row[f"{prefix}_size"] or 0)


def _card(card_row: dict, t: dict, requested: str, langs: tuple[str, ...]) -> Card:
    return Card(
        id=card_row["id"], topic=card_row["topic"], kind=Kind(card_row["kind"]),
        version=card_row["version"], lang=t["lang"], requested_lang=requested, langs=langs,
        title=t["title"], summary=t["summary"], keywords=tuple(json.loads(t["keywords"])),
        body_md=t["body_md"], body_html=t["body_html"], body_text=t["body_text"],
        quiz=Quiz.from_dict(json.loads(t["quiz"])) if t["quiz"] else None,
        image=_material(t, "image") or _material(card_row, "image"),
        document=_material(t, "document") or _material(card_row, "document"),
        source=t["source"], updated_at=card_row["updated_at"],
    )


def _pick(card_row: dict, translations: list[dict], lang: str) -> Card | None:
    by_lang = {t["lang"]: t for t in translations}
    langs = tuple(code for code in LANGS if code in by_lang)
    if not langs:
        return None
    chosen = by_lang.get(lang) or by_lang[langs[0]]
    return _card(card_row, chosen, lang, langs)


def get_card(db: Database, card_id: str, lang: str) -> Card | None:
    """The card in `lang`, or in its other language when it has no `lang` translation."""
    return next(iter(get_cards(db, [card_id], lang)), None)


def get_cards(db: Database, card_ids: list[str], lang: str) -> list[Card]:
    """Several cards in `lang` (with fallback), in the order asked; unknown ids are skipped."""
    if not card_ids:
        return []
    marks = ",".join("?" * len(card_ids))
    card_rows = {r["id"]: r for r in db.query(
        f"SELECT * FROM cards WHERE id IN ({marks})", list(card_ids))}
    translations: dict[str, list[dict]] = {}
    for t in db.query(f"SELECT * FROM card_translations WHERE card_id IN ({marks})",
                      list(card_ids)):
        translations.setdefault(t["card_id"], []).append(t)
    cards = []
    for card_id in card_ids:
        if card_id in card_rows:
            card = _pick(card_rows[card_id], translations.get(card_id, []), lang)
            if card is not None:
                cards.append(card)
    return cards


def list_topics(db: Database, lang: str) -> list[Topic]:
    """Topics that have cards, with their display name in `lang`, sorted by that name."""
    column = "title_en" if lang == "en" else "title_es"
    names = {r["slug"]: r[column] for r in db.query("SELECT * FROM card_topics")}
    topics = [
        Topic(r["topic"], names.get(r["topic"]) or topic_title(r["topic"]), r["n"])
        for r in db.query("SELECT topic, count(*) AS n FROM cards GROUP BY topic")
    ]
    return sorted(topics, key=lambda t: fold(t.title))


def topic_name(db: Database, slug: str, lang: str) -> str:
    """A topic's display name in `lang` (derived from the slug when none was given)."""
    column = "title_en" if lang == "en" else "title_es"
    rows = list(db.query(f"SELECT {column} AS title FROM card_topics WHERE slug = ?", [slug]))
    return rows[0]["title"] if rows else topic_title(slug)


def cards_in_topic(db: Database, topic: str, lang: str) -> list[Card]:
    """The topic's cards in `lang` (with fallback), SOPs first, then practices, then quizzes."""
    ids = [r["id"] for r in db.query("SELECT id FROM cards WHERE topic = ?", [topic])]
    order = {Kind.SOP: 0, Kind.PRACTICE: 1, Kind.QUIZ: 2, Kind.CONTACT: 3}
    return sorted(get_cards(db, ids, lang),
                  key=lambda c: (order.get(c.kind, 9), fold(c.title)))


def most_useful(db: Database, lang: str, limit: int = 3) -> list[CardTitle]:
    """The cards officers found most useful, titled in `lang` (or their other language):
    useful minus not-useful taps, then opens; knowledge checks left out (they are not answers
    to a question). With no feedback yet, the most opened, then the first by id."""
    rows = db.query(
        """SELECT c.id FROM cards c LEFT JOIN (
               SELECT card_id,
                      sum(type = 'feedback' AND value = 'useful')
                        - sum(type = 'feedback' AND value = 'not_useful') AS score,
                      sum(type = 'card_opened') AS opens
               FROM events WHERE type IN ('feedback', 'card_opened') AND card_id IS NOT NULL
               GROUP BY card_id) e ON e.card_id = c.id
           WHERE c.kind != 'quiz'
           ORDER BY coalesce(e.score, 0) DESC, coalesce(e.opens, 0) DESC, c.id
           LIMIT ?""", [limit])
    return [CardTitle(card.id, card.title)
            for card in get_cards(db, [r["id"] for r in rows], lang)]


def all_card_ids(db: Database) -> list[str]:
    return [r["id"] for r in db.query("SELECT id FROM cards ORDER BY id")]


def card_count(db: Database) -> int:
    return next(iter(db.query("SELECT count(*) AS n FROM cards")))["n"]


def all_translations(db: Database) -> list[dict]:
    """Every translation with its card's topic and kind (for the search index)."""
    return list(db.query(
        "SELECT t.*, c.topic, c.kind, c.version FROM card_translations t"
        " JOIN cards c ON c.id = t.card_id ORDER BY t.card_id, t.lang"))


def card_titles(db: Database, lang: str) -> dict[str, str]:
    """Card id -> title in `lang`, else in its other language."""
    return {r["card_id"]: r["title"] for r in db.query(
        "SELECT card_id, title FROM card_translations ORDER BY (lang = ?)", [lang])}


def card_catalog(db: Database, lang: str) -> list[dict]:
    """Every card: id, topic, kind, version, updated_at, title (in `lang` when it has one)
    and its languages. Empty before the first `content import`."""
    rows = db.query(
        """SELECT c.id, c.topic, c.kind, c.version, c.updated_at,
                  group_concat(t.lang) AS langs,
                  coalesce(max(CASE WHEN t.lang = ? THEN t.title END), max(t.title)) AS title
           FROM cards c LEFT JOIN card_translations t ON t.card_id = c.id
           GROUP BY c.id ORDER BY c.topic, c.id""",
        [lang],
    )
    return [dict(r, langs=sorted((r["langs"] or "").split(","))) for r in rows]

