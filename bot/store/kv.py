"""Small named values the process learns and keeps (the bot's username, scheduler marks)."""

from __future__ import annotations

from sqlite_utils import Database


def _create(db: Database) -> None:
    db.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


MIGRATIONS = [("0003_kv", _create)]


def get(db: Database, key: str) -> str | None:
    rows = list(db.query("SELECT value FROM kv WHERE key = ?", [key]))
    return rows[0]["value"] if rows else None


def put(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
