"""The engagement log: one row per thing that happened, carrying ids and categories only.

Message texts are never stored here. What officers search for is kept apart, built so that
nothing leads back to a person (content gaps):

- a `query` event never carries the officer's id (`record` drops it): it says that someone
  of this role, region, port and language asked something, and how many results it found;
- the words go to `query_texts`, one row per day, language and normalised text with how
  many times it was asked and found nothing: no person, no region, no time of day, so no
  join with the events (by time, region or anything else) can tell who typed it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from sqlite_utils import Database

from bot.clock import iso
from bot.store.filters import EVERYONE, QUERY_TEXTS, Filters, where


class EventType(StrEnum):
    ENROLLED = "enrolled"
    LEFT = "left"
    FORGOTTEN = "forgotten"
    QUERY = "query"  # count = number of results
    CARD_OPENED = "card_opened"
    FEEDBACK = "feedback"  # value = useful | not_useful
    QUIZ_ANSWER = "quiz_answer"  # value = correct | wrong
    ACK = "ack"  # value = card version
    DELIVERED = "delivered"
    FAILED = "failed"
    BLOCKED = "blocked"
    LANGUAGE = "language"  # value = new language


@dataclass(frozen=True)
class Event:
    type: EventType
    at: datetime
    officer_id: int | None = None
    role: str | None = None
    region: str | None = None
    port: str | None = None
    lang: str | None = None
    card_id: str | None = None
    campaign_id: int | None = None
    value: str | None = None
    count: int | None = None


def _create(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            at TEXT NOT NULL,
            officer_id INTEGER,
            role TEXT,
            region TEXT,
            port TEXT,
            lang TEXT,
            card_id TEXT,
            campaign_id INTEGER,
            value TEXT,
            count INTEGER
        )
        """
    )
    db.execute("CREATE INDEX events_type_at ON events(type, at)")
    db.execute("CREATE INDEX events_officer ON events(officer_id)")
    db.execute("CREATE INDEX events_card ON events(card_id, type)")
    db.execute(
        """
        CREATE TABLE query_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            lang TEXT,
            region TEXT,
            normalized TEXT NOT NULL,
            results INTEGER NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX query_log_at ON query_log(at)")


def _query_texts(db: Database) -> None:
    """Query texts as daily aggregates (no region, no time of day), and no officer id on
    `query` events: the old per-query rows could be joined to the events by second and
    region, which named who asked what."""
    db.execute(
        """
        CREATE TABLE query_texts (
            day TEXT NOT NULL,
            lang TEXT NOT NULL DEFAULT '',
            normalized TEXT NOT NULL,
            asked INTEGER NOT NULL DEFAULT 0,
            zero INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, lang, normalized)
        ) WITHOUT ROWID
        """
    )
    if "query_log" in db.table_names():
        db.execute(
            "INSERT INTO query_texts (day, lang, normalized, asked, zero) "
            "SELECT substr(at, 1, 10), coalesce(lang, ''), normalized, count(*), "
            "sum(results = 0) FROM query_log GROUP BY 1, 2, 3"
        )
        db.execute("DROP TABLE query_log")
    db.execute("UPDATE events SET officer_id = NULL WHERE type = 'query'")


MIGRATIONS = [("0002_events", _create), ("0004_query_texts", _query_texts)]
QUERY_TEXT_LIMIT = 200


def record(db: Database, event: Event) -> None:
    row = asdict(event)
    row["type"] = str(event.type)
    row["at"] = iso(event.at)
    if event.type == EventType.QUERY:
        row["officer_id"] = None  # by construction: a question is never tied to a person
    db.table("events").insert(row)


def log_query(db: Database, *, normalized: str, results: int, lang: str | None,
              at: datetime, region: str | None = None) -> None:
    """Count a normalised query text for content-gap reports, on its day (UTC).

    Kept without any person, region or time of day (`region` is accepted and ignored)."""
    del region
    text = normalized.strip()[:QUERY_TEXT_LIMIT]
    db.execute(
        "INSERT INTO query_texts (day, lang, normalized, asked, zero) VALUES (?, ?, ?, 1, ?) "
        "ON CONFLICT (day, lang, normalized) DO UPDATE SET asked = asked + 1, "
        "zero = zero + excluded.zero",
        [iso(at)[:10], lang or "", text, int(results == 0)],
    )


def zero_result_texts(db: Database, f: Filters = EVERYONE, *, min_count: int = 5,
                      limit: int = 100) -> list[dict]:
    """Normalised texts that found nothing at least `min_count` times in the period (by day)
    and language of `f`, most often first: `{"normalized", "lang", "count", "last_day"}`. What
    content gaps and suggestions are built from."""
    cond, args = where(f, QUERY_TEXTS)
    rows = db.query(
        f"SELECT normalized, lang, sum(zero) AS count, max(day) AS last_day FROM query_texts "
        f"WHERE zero > 0 AND {cond} GROUP BY normalized, lang "
        f"HAVING sum(zero) >= ? ORDER BY count DESC, normalized LIMIT ?",
        [*args, min_count, limit],
    )
    return [dict(r) for r in rows]

