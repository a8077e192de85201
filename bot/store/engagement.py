"""What officers did with cards: feedback, quiz answers, read-and-understood acks; media cache.

- `feedback`: the latest useful / not useful opinion per officer and card (every tap is also
  an event in `events`).
- `quiz_answers`: the one answer that counts per officer and quiz (the first one).
- `acks`: "read and understood" per officer, card and card version: the audit trail.
- `media_files`: Telegram's `file_id` for an uploaded file, keyed by the file's sha256, so
  each image or document is uploaded once and reused for every later send.

Per-person tables are registered in `officers.FORGET_TABLES` so `/baja` + erase removes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.clock import iso
from bot.content.model import Ack, CardState, QuizAnswer
from bot.store.officers import FORGET_TABLES


def _create(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE feedback (
            officer_id INTEGER NOT NULL,
            card_id TEXT NOT NULL,
            value TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (officer_id, card_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE quiz_answers (
            officer_id INTEGER NOT NULL,
            card_id TEXT NOT NULL,
            choice INTEGER NOT NULL,
            correct INTEGER NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (officer_id, card_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE acks (
            officer_id INTEGER NOT NULL,
            card_id TEXT NOT NULL,
            version TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (officer_id, card_id, version)
        )
        """
    )
    db.execute("CREATE INDEX acks_card ON acks(card_id, version)")
    db.execute(
        """
        CREATE TABLE media_files (
            sha256 TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            file_id TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )


MIGRATIONS = [("0030_engagement", _create)]

FORGET_TABLES.extend(
    [("feedback", "officer_id", "delete"), ("quiz_answers", "officer_id", "delete"),
     ("acks", "officer_id", "delete")]
)


def set_feedback(db: Database, officer_id: int, card_id: str, value: str, *,
                 at: datetime) -> None:
    if value not in ("useful", "not_useful"):
        raise ValueError(f"feedback must be useful or not_useful, not {value!r}")
    db.execute(
        "INSERT INTO feedback (officer_id, card_id, value, at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(officer_id, card_id) DO UPDATE SET value = excluded.value, at = excluded.at",
        [officer_id, card_id, value, iso(at)],
    )


def answer_quiz(
    db: Database, officer_id: int, card_id: str, choice: int, correct: bool, *, at: datetime
) -> tuple[QuizAnswer, bool]:
    """Record the officer's answer unless one exists; return (the answer that counts, is_new)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO quiz_answers (officer_id, card_id, choice, correct, at) "
        "VALUES (?, ?, ?, ?, ?)",
        [officer_id, card_id, choice, int(correct), iso(at)],
    )
    answer = quiz_answer(db, officer_id, card_id)
    assert answer is not None
    return answer, cursor.rowcount == 1


def quiz_answer(db: Database, officer_id: int, card_id: str) -> QuizAnswer | None:
    rows = list(db.query(
        "SELECT choice, correct, at FROM quiz_answers WHERE officer_id = ? AND card_id = ?",
        [officer_id, card_id],
    ))
    if not rows:
        return None
    return QuizAnswer(rows[0]["choice"], bool(rows[0]["correct"]), rows[0]["at"])


def acknowledge(db: Database, officer_id: int, card_id: str, version: str, *,
                at: datetime) -> Ack:
    """Record "read and understood" for this version; a repeated tap keeps the first time."""
    db.execute(
        "INSERT OR IGNORE INTO acks (officer_id, card_id, version, at) VALUES (?, ?, ?, ?)",
        [officer_id, card_id, version, iso(at)],
    )
    rows = list(db.query(
        "SELECT version, at FROM acks WHERE officer_id = ? AND card_id = ? AND version = ?",
        [officer_id, card_id, version],
    ))
    return Ack(rows[0]["version"], rows[0]["at"])


def latest_ack(db: Database, officer_id: int, card_id: str) -> Ack | None:
    rows = list(db.query(
        "SELECT version, at FROM acks WHERE officer_id = ? AND card_id = ? "
        "ORDER BY at DESC, rowid DESC LIMIT 1",
        [officer_id, card_id],
    ))
    return Ack(rows[0]["version"], rows[0]["at"]) if rows else None


def card_state(db: Database, officer_id: int, card_id: str) -> CardState:
    rows = list(db.query(
        "SELECT value FROM feedback WHERE officer_id = ? AND card_id = ?", [officer_id, card_id]
    ))
    return CardState(
        feedback=rows[0]["value"] if rows else None,
        quiz=quiz_answer(db, officer_id, card_id),
        ack=latest_ack(db, officer_id, card_id),
    )


def acked_officer_ids(db: Database, card_id: str, version: str) -> set[int]:
    """Officers who acknowledged this version of the card (for reminders of those who did not)."""
    return {
        r["officer_id"]
        for r in db.query(
            "SELECT officer_id FROM acks WHERE card_id = ? AND version = ?", [card_id, version]
        )
    }


def cached_file_id(db: Database, sha256: str) -> str | None:
    rows = list(db.query("SELECT file_id FROM media_files WHERE sha256 = ?", [sha256]))
    return rows[0]["file_id"] if rows else None


def cache_file_id(db: Database, sha256: str, kind: str, file_id: str, *,
                  at: datetime) -> None:
    db.execute(
        "INSERT INTO media_files (sha256, kind, file_id, at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(sha256) DO UPDATE SET kind = excluded.kind, file_id = excluded.file_id, "
        "at = excluded.at",
        [sha256, kind, file_id, iso(at)],
    )


def drop_file_id(db: Database, sha256: str) -> None:
    """Telegram no longer accepts the cached file_id: upload the file again next time."""
    db.execute("DELETE FROM media_files WHERE sha256 = ?", [sha256])
