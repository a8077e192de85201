"""The engagement log: one row per thing that happened, carrying ids and categories only.

Message texts are never stored here. The search text officers type goes to `query_log`,
normalised and without any user id, so the comms team can see content gaps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

from sqlite_utils import Database


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
    at: str
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


MIGRATIONS = [("0002_events", _create)]


def record(db: Database, event: Event) -> None:
    row = asdict(event)
    row["type"] = str(event.type)
    db["events"].insert(row)


def log_query(
    db: Database, *, normalized: str, results: int, lang: str | None, region: str | None, at: str
) -> None:
    """Keep a normalised query text for content-gap reports. Never with a user id."""
    db["query_log"].insert(
        {"at": at, "lang": lang, "region": region, "normalized": normalized[:200],
         "results": results}
    )


def count_by_type(db: Database, since: str | None = None) -> dict[str, int]:
    sql = "SELECT type, count(*) AS n FROM events"
    args: list[object] = []
    if since:
        sql += " WHERE at >= ?"
        args.append(since)
    sql += " GROUP BY type"
    return {r["type"]: r["n"] for r in db.query(sql, args)}
