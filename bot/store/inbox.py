"""The inbox: every update from Telegram, stored before Telegram is told it arrived.

Telegram forgets an update once the bot confirms it (the next `getUpdates` offset, or the
webhook's 200). The poller stores each batch here first, in one transaction, and only then
asks for the next one; an update leaves the inbox's pending list when its handlers finished
(`mark_done`). After a crash, `take_pending` gives back what was stored and not yet handled.
`update_id` is the primary key, so an update Telegram sends twice is stored (and handled) once.

Privacy: the payload (message text and sender) is kept only while the update is pending;
`mark_done` erases it and keeps the id (to recognise a repeat) for `KEEP_DONE`, then `prune`
deletes the row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.clock import iso

KEEP_DONE = timedelta(days=2)  # Telegram keeps an unconfirmed update for at most 24 hours
MAX_ATTEMPTS = 3  # an update whose handling crashed the process this often is given up


def _create(db: Database) -> None:
    db.execute(
        "CREATE TABLE inbox ("
        " update_id INTEGER PRIMARY KEY,"
        " payload TEXT,"  # the update as Telegram sent it; NULL once handled
        " received_at TEXT NOT NULL,"
        " done_at TEXT,"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " outcome TEXT)"  # NULL pending, 'handled', 'given_up'
    )
    db.execute("CREATE INDEX inbox_pending ON inbox (update_id) WHERE done_at IS NULL")
    db.execute("CREATE INDEX inbox_done_at ON inbox (done_at)")


MIGRATIONS = [("0060_inbox", _create)]


def store_updates(db: Database, updates: Iterable[dict[str, Any]], *,
                  now: datetime) -> list[int]:
    """Store a batch of raw updates in one transaction; return the ids that were new (the
    others are repeats of updates already stored, pending or handled)."""
    fresh: list[int] = []
    at = iso(now)
    with db.atomic():
        for update in updates:
            cursor = db.execute(
                "INSERT OR IGNORE INTO inbox (update_id, payload, received_at, attempts) "
                "VALUES (?, ?, ?, 1)",
                [int(update["update_id"]), json.dumps(update, ensure_ascii=False), at])
            if cursor.rowcount == 1:
                fresh.append(int(update["update_id"]))
    return fresh


def mark_done(db: Database, update_id: int, *, now: datetime,
              outcome: str = "handled") -> None:
    """The update's handlers finished: forget its payload, keep its id for a while."""
    db.execute("UPDATE inbox SET done_at = ?, payload = NULL, outcome = ? "
               "WHERE update_id = ? AND done_at IS NULL", [iso(now), outcome, update_id])


def take_pending(db: Database, *, now: datetime,
                 max_attempts: int = MAX_ATTEMPTS) -> tuple[list[dict[str, Any]], int]:
    """Updates stored and not handled (the process stopped first), oldest first, each counted
    as one more attempt; those already tried `max_attempts` times are given up instead.
    Returns (updates to handle, number given up)."""
    with db.atomic():
        given_up = db.execute(
            "UPDATE inbox SET done_at = ?, payload = NULL, outcome = 'given_up' "
            "WHERE done_at IS NULL AND attempts >= ?", [iso(now), max_attempts]).rowcount
        rows = list(db.query("SELECT update_id, payload FROM inbox WHERE done_at IS NULL "
                             "ORDER BY update_id"))
        db.execute("UPDATE inbox SET attempts = attempts + 1 WHERE done_at IS NULL")
    return [json.loads(r["payload"]) for r in rows if r["payload"]], given_up


def pending_count(db: Database) -> int:
    return int(next(iter(db.query(
        "SELECT count(*) AS n FROM inbox WHERE done_at IS NULL")))["n"])


def prune(db: Database, *, now: datetime, keep: timedelta = KEEP_DONE) -> int:
    """Delete handled updates older than `keep`; return how many."""
    return db.execute("DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
                      [iso(now - keep)]).rowcount
